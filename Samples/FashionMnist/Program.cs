using CallbackGen.Samples.FashionMnist;

// The main job: `dotnet run --project Samples/FashionMnist -- --help` lists the options.
return FashionMnistCli.Run(args, Console.Out, Console.Error);
