using CallbackGen.Samples.InitStudy;

// The √5 study: `dotnet run --project Samples/InitStudy [-- --out DIR --images N --depth N]`.
return StudyCli.Run(args, Console.Out, Console.Error);
