using CallbackGen.Samples.CustomCallbacks;

// A tour of custom callbacks: `dotnet run --project Samples/CustomCallbacks`. Read the files beside this one.
Tour.Run(Console.Out);
