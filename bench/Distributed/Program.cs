using CallbackGen.Benchmarks.Distributed;

// The program the distributed tests launch under mpirun (fit) and the scaling benchmark (bench, report).
//   dotnet CallbackGen.Distributed.dll fit --out DIR [--epochs 2] [--bs 64] [--seed 1] [--distributed] …
//   mpirun -np 2 dotnet CallbackGen.Distributed.dll bench --threads 1
//   dotnet run -c Release --project bench/Distributed -- report [--quick]
return args.FirstOrDefault() switch
{
    "fit" => FitTask.Run(args[1..]),
    "bench" => EpochBenchmark.Run(args[1..]),
    "report" => ScalingReport.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: CallbackGen.Distributed fit|bench|report [options] (see Program.cs)");
    return 2;
}
