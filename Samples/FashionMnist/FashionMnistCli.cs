using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using CallbackGen.Data;

namespace CallbackGen.Samples.FashionMnist;

/// <summary>
/// The main job's command line: parses and checks the arguments, then runs <see cref="FashionMnistJob"/>.
/// A wrong argument is reported on the error writer with a usage hint and exit code 2; nothing is trained.
/// </summary>
public static class FashionMnistCli
{
    /// <summary>Parses <paramref name="args"/> and runs the job; returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="output">Where the run's progress and results go.</param>
    /// <param name="error">Where usage errors and failures go.</param>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        var command = new JobCommand();
        ParseResult parsed = command.Root.Parse(args);
        if (parsed.Errors.Count == 0 && parsed.Action is not null)
        {
            // The root command has no action of its own: an action here is --help or --version, which System.CommandLine prints.
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
        }

        if (parsed.Errors.Count > 0)
        {
            foreach (ParseError e in parsed.Errors)
            {
                error.WriteLine($"error: {e.Message}");
            }

            error.WriteLine("usage: dotnet run --project Samples/FashionMnist -- [--data DIR] [--model mlp|cnn] [--epochs N] [--bs N] [--lr LR] [--device cpu|cuda] [--out DIR] [--resume PATH] [--seed N] [--threads N]");
            error.WriteLine("Run with --help for every option.");
            return ExitCodes.Usage;
        }

        return FashionMnistJob.Run(command.Bind(parsed), output, error);
    }

    /// <summary>The options, their defaults and checks.</summary>
    private sealed class JobCommand
    {
        private readonly Option<string?> data = new("--data")
        {
            Description = "An MNIST-format folder (train-images-idx3-ubyte[.gz] and the three others). Default: the full Fashion-MNIST in "
                + FashionMnistData.SystemFolder + " when installed, else the embedded subset.",
            HelpName = "DIR",
        };

        private readonly Option<string> model = new("--model")
        {
            Description = "The architecture: mlp or cnn.",
            DefaultValueFactory = _ => JobOptions.DefaultModel.ToString().ToLowerInvariant(),
        };

        private readonly Option<int> epochs = new("--epochs")
        {
            Description = "The number of epochs (the total, when resuming).",
            DefaultValueFactory = _ => JobOptions.DefaultEpochs,
        };

        private readonly Option<int> batchSize = new("--bs")
        {
            Description = "The training batch size.",
            DefaultValueFactory = _ => JobOptions.DefaultBatchSize,
        };

        private readonly Option<double?> lr = new("--lr")
        {
            Description = "The peak learning rate of the one-cycle schedule. Default: run the LR finder and use its suggestion.",
        };

        private readonly Option<string> device = new("--device")
        {
            Description = "Where to train: cpu or cuda.",
            DefaultValueFactory = _ => "cpu",
        };

        private readonly Option<string?> output = new("--out")
        {
            Description = "Where to write the plots, metrics.csv, model.ckpt and run.json. Default: runs/<timestamp> (or the checkpoint's folder when resuming).",
            HelpName = "DIR",
        };

        private readonly Option<string?> resume = new("--resume")
        {
            Description = "Resume the fit that wrote this checkpoint (model.ckpt of an earlier run); --epochs is the total.",
            HelpName = "PATH",
        };

        private readonly Option<int> seed = new("--seed")
        {
            Description = "Seeds the weights and the shuffling.",
            DefaultValueFactory = _ => JobOptions.DefaultSeed,
        };

        private readonly Option<int?> threads = new("--threads")
        {
            Description = "CPU threads for TorchSharp. Default: TorchSharp's choice (one per core).",
        };

        private readonly Option<int?> trainCount = new("--train-count")
        {
            Description = "Use only the first N training images (quick runs).",
            HelpName = "N",
        };

        private readonly Option<int?> validCount = new("--valid-count")
        {
            Description = "Use only the first N validation images (quick runs).",
            HelpName = "N",
        };

        private readonly Option<double> minAccuracy = new("--min-accuracy")
        {
            Description = "Exit with code 1 when the final validation accuracy is below this sanity floor.",
            DefaultValueFactory = _ => JobOptions.DefaultMinAccuracy,
        };

        public JobCommand()
        {
            model.AcceptOnlyFromAmong("mlp", "cnn");
            device.AcceptOnlyFromAmong("cpu", "cuda");
            data.Validators.Add(CheckDataFolder);
            resume.Validators.Add(r =>
            {
                string? path = r.GetValueOrDefault<string?>();
                if (path is not null && !File.Exists(path))
                {
                    r.AddError($"--resume: the checkpoint '{path}' does not exist.");
                }
            });
            AtLeast(epochs, 1);
            AtLeast(batchSize, 1);
            AtLeast(threads, 1);
            AtLeast(trainCount, 1);
            AtLeast(validCount, 1);
            lr.Validators.Add(r =>
            {
                if (Given<double>(r) is double v && !(double.IsFinite(v) && v > 0))
                {
                    r.AddError($"--lr must be a positive number; got {v.ToString(CultureInfo.InvariantCulture)}.");
                }
            });
            minAccuracy.Validators.Add(r =>
            {
                if (Given<double>(r) is double v && !(v >= 0 && v <= 1))
                {
                    r.AddError($"--min-accuracy must be between 0 and 1; got {v.ToString(CultureInfo.InvariantCulture)}.");
                }
            });

            Root = new RootCommand("Trains a model on Fashion-MNIST with CallbackGen: the LR finder, one-cycle training, plots, metrics.csv and a checkpoint.")
            {
                data, model, epochs, batchSize, lr, device, output, resume, seed, threads, trainCount, validCount, minAccuracy,
            };
        }

        public RootCommand Root { get; }

        public JobOptions Bind(ParseResult p) => new()
        {
            Data = p.GetValue(data),
            Model = p.GetValue(model) == "mlp" ? ModelKind.Mlp : ModelKind.Cnn,
            Epochs = p.GetValue(epochs),
            BatchSize = p.GetValue(batchSize),
            Lr = p.GetValue(lr),
            Cuda = p.GetValue(device) == "cuda",
            Out = p.GetValue(output),
            Resume = p.GetValue(resume),
            Seed = p.GetValue(seed),
            Threads = p.GetValue(threads),
            TrainCount = p.GetValue(trainCount),
            ValidCount = p.GetValue(validCount),
            MinAccuracy = p.GetValue(minAccuracy),
        };

        private static void CheckDataFolder(OptionResult r)
        {
            string? folder = r.GetValueOrDefault<string?>();
            if (folder is null)
            {
                return;
            }

            if (!Directory.Exists(folder))
            {
                r.AddError($"--data: the folder '{folder}' does not exist.");
                return;
            }

            string[] missing = MnistFolder.FileNames.Where(name => MnistFolder.FindFile(folder, name) is null).ToArray();
            if (missing.Length > 0)
            {
                r.AddError($"--data: the folder '{folder}' is not in the MNIST format: it lacks {string.Join(", ", missing)} (raw or .gz).");
            }
        }

        private static void AtLeast(Option option, int min) => option.Validators.Add(r =>
        {
            if (Given<int>(r) is int v && v < min)
            {
                r.AddError($"{option.Name} must be at least {min}; got {v}.");
            }
        });

        /// <summary>
        /// The value typed on the command line, or null when the option was not given or its text does not
        /// parse (System.CommandLine reports that itself; reading the value would throw instead).
        /// </summary>
        private static T? Given<T>(OptionResult r)
            where T : struct, IParsable<T> =>
            r.Tokens.Count == 1 && T.TryParse(r.Tokens[0].Value, CultureInfo.InvariantCulture, out T v) ? v : null;
    }
}
