using CallbackGen.Samples.OnnxServe;

// Classifies MNIST-format images with a model.onnx: `dotnet run --project Samples/OnnxServe -- MODEL IMAGES [LABELS] [--count N]`.
return ServeCli.Run(args, Console.Out, Console.Error);
