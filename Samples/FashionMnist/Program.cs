using CallbackGen;
using CallbackGen.Samples.FashionMnist;

// Ctrl-C and SIGTERM at any moment, not only during the fit: outside a fit, and a second time after the
// first ended it, the program exits at once with 130 (docs/runs.md).
using IDisposable signals = ConsoleSignals.HandleForProgram();

// The main job: `dotnet run --project Samples/FashionMnist -- --help` lists the options.
return FashionMnistCli.Run(args, Console.Out, Console.Error);
