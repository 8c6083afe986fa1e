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
        if (parsed.Errors.Count == 0 && parsed.Action is not null && parsed.Action != command.Root.Action)
        {
            // An action other than the root's own is --help or --version, which System.CommandLine prints.
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
        }

        if (parsed.Errors.Count > 0)
        {
            foreach (ParseError e in parsed.Errors)
            {
                error.WriteLine($"error: {e.Message}");
            }

            error.WriteLine("usage: dotnet run --project Samples/FashionMnist -- [--data DIR | --images DIR] [--model mlp|cnn] [--epochs N] [--bs N] [--lr LR] [--device cpu|cuda] [--out DIR] [--resume PATH] [--seed N] [--threads N] [--workers N] [--distributed] [--summary] [--augment] [--mixup ALPHA]");
            error.WriteLine("       dotnet run --project Samples/FashionMnist -- --images DIR --arch resnet18|resnet34|resnet50 [--pretrained FILE] [--epochs N] [--bs N] [--lr LR]");
            error.WriteLine("       dotnet run --project Samples/FashionMnist -- --write-images DIR [--data DIR] [--train-count N] [--valid-count N]");
            error.WriteLine("       dotnet run --project Samples/FashionMnist -- predict --export FILE --images FILE [--labels FILE] [--count N]");
            error.WriteLine("Run with --help for every option.");
            return ExitCodes.Usage;
        }

        if (parsed.CommandResult.Command == command.Predict.Command)
        {
            return PredictJob.Run(command.Predict.Bind(parsed), output, error);
        }

        JobOptions options = command.Bind(parsed);
        if (options.Resume is string checkpoint)
        {
            // --resume PATH alone continues the run: what the command line leaves out comes from its run.json.
            RunInfo? run;
            try
            {
                run = RunInfo.ReadBeside(checkpoint);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: --resume: {ex.Message}");
                return ExitCodes.Failure;
            }

            if (run is not null)
            {
                if (run.ResumeWith(options, command.IsExplicit(parsed), out string? conflict) is not JobOptions resumed)
                {
                    error.WriteLine($"error: {conflict}");
                    return ExitCodes.Usage;
                }

                output.WriteLine($"resuming with {run.CommandLine} (from {RunInfo.PathBeside(checkpoint)}; flags given override)");
                options = resumed;
            }
        }

        return options.WriteImages is not null ? FashionMnistJob.WriteImages(options, output, error)
            : options.Arch is not null ? TransferJob.Run(options, output, error)
            : FashionMnistJob.Run(options, output, error);
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

        private readonly Option<bool> summary = new("--summary")
        {
            Description = "Print the model's summary (each layer's output shape, parameter counts) before training.",
        };

        private readonly Option<bool> augment = new("--augment")
        {
            Description = "Augment the training images on the device: random crop after 2-pixel padding, horizontal flip, random erasing (--model cnn).",
        };

        private readonly Option<double?> mixup = new("--mixup")
        {
            Description = "Train with MixUp; the value is alpha of the Beta distribution (fastai's default 0.4).",
            HelpName = "ALPHA",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => null,
            CustomParser = r => r.Tokens.Count == 0 ? 0.4 : double.TryParse(r.Tokens[0].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double a) ? a : Fail(r),
        };

        private readonly Option<string?> images = new("--images")
        {
            Description = "Train on an image folder instead: DIR/train/<class>/ and DIR/valid/<class>/ (or DIR/<class>/, split at random with --seed); "
                + "PNG, JPEG or BMP, decoded grey at 28 x 28. --write-images makes one from the MNIST data.",
            HelpName = "DIR",
        };

        private readonly Option<int> workers = new("--workers")
        {
            Description = "Threads reading an image folder's batches while the model trains (0: on the training thread, the default: the decoded images are cached before the first epoch, so there is little left to overlap; see docs/data.md).",
            DefaultValueFactory = _ => JobOptions.DefaultWorkers,
        };

        private readonly Option<string?> arch = new("--arch")
        {
            Description = "Fine-tune a TorchVision architecture (resnet18, resnet34, resnet50, resnet101, resnet152) on --images, read as RGB: one frozen epoch, then --epochs unfrozen, then an export.",
            HelpName = "NAME",
        };

        private readonly Option<string?> pretrained = new("--pretrained")
        {
            Description = "Start --arch from these weights: a PyTorch state dict (.pth/.pt, torch.save of a torchvision model's state_dict) or a .safetensors file. Default: random weights.",
            HelpName = "FILE",
        };

        private readonly Option<string?> writeImages = new("--write-images")
        {
            Description = "Write the MNIST-format data (--data, or the embedded subset; --train-count/--valid-count apply) as PNG folders DIR/train/<class>/ and DIR/valid/<class>/, then exit.",
            HelpName = "DIR",
        };

        private readonly Option<bool> distributed = new("--distributed")
        {
            Description = "Train data-parallel on every rank of an MPI job (mpirun -np N …; on by itself under mpirun): --bs is the global batch, rank 0 writes the run folder (docs/distributed.md).",
        };

        public JobCommand()
        {
            images.Validators.Add(r =>
            {
                string? folder = r.GetValueOrDefault<string?>();
                if (folder is not null && !Directory.Exists(folder))
                {
                    r.AddError($"--images: the folder '{folder}' does not exist.");
                }
            });
            writeImages.Validators.Add(r =>
            {
                string? folder = r.GetValueOrDefault<string?>();
                if (folder is not null && (Directory.Exists(folder) || File.Exists(folder)))
                {
                    r.AddError($"--write-images: '{folder}' already exists; give a new folder.");
                }
            });
            AtLeast(workers, 0);
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

            arch.Validators.Add(r =>
            {
                if (r.Tokens.Count == 1 && TransferJob.ParseArchitecture(r.Tokens[0].Value) is null)
                {
                    r.AddError($"--arch must be one of resnet18, resnet34, resnet50, resnet101, resnet152; got {r.Tokens[0].Value}.");
                }
            });

            mixup.Validators.Add(r =>
            {
                if (r.Tokens.Count == 1 && r.GetValueOrDefault<double?>() is double a && !(a > 0 && double.IsFinite(a)))
                {
                    r.AddError($"--mixup: alpha must be a positive number; got {r.Tokens[0].Value}.");
                }
            });

            Root = new RootCommand("Trains a model on Fashion-MNIST with CallbackGen: the LR finder, one-cycle training, plots, metrics.csv, a checkpoint, the confusion matrix, the top losses and an export for predict mode.")
            {
                data, model, epochs, batchSize, lr, device, output, resume, seed, threads, trainCount, validCount, minAccuracy, summary, augment, mixup,
                images, workers, writeImages, arch, pretrained, distributed,
            };
            Root.Validators.Add(r =>
            {
                if (r.GetValue(augment) && r.GetValue(model) == "mlp")
                {
                    r.AddError("--augment works on images [batch, 1, 28, 28]: use it with --model cnn (the MLP sees flat vectors).");
                }
            });
            Root.Subcommands.Add(Predict.Command);

            // A root with a subcommand and no action of its own would demand the subcommand; training is its action
            // (run by FashionMnistCli.Run, which tells it apart from --help and --version).
            Root.SetAction(_ => ExitCodes.Success);
        }

        public RootCommand Root { get; }

        public PredictCommand Predict { get; } = new();

        /// <summary>Whether the option named by a flag (<c>--epochs</c>) was on the command line (not a default).</summary>
        public Func<string, bool> IsExplicit(ParseResult p) => flag =>
            Root.Options.FirstOrDefault(o => o.Name == flag) is Option option && p.GetResult(option) is OptionResult { Implicit: false };

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
            Summary = p.GetValue(summary),
            Augment = p.GetValue(augment),
            MixUp = p.GetValue(mixup),
            Images = p.GetValue(images),
            Workers = p.GetValue(workers),
            WriteImages = p.GetValue(writeImages),
            Arch = p.GetValue(arch),
            Pretrained = p.GetValue(pretrained),
            Distributed = p.GetValue(distributed),
        };

        private static double Fail(ArgumentResult r)
        {
            r.AddError($"--mixup: '{r.Tokens[0].Value}' is not a number.");
            return 0;
        }

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

    /// <summary>The <c>predict</c> subcommand: classify MNIST-format images with an export.</summary>
    private sealed class PredictCommand
    {
        private readonly Option<string> export = new("--export")
        {
            Description = "The export of a training run: model.export (TorchSharp) or model.onnx (ONNX Runtime) in its folder.",
            HelpName = "FILE",
            Required = true,
        };

        private readonly Option<string> images = new("--images")
        {
            Description = "An MNIST-format images file (idx3, raw or .gz).",
            HelpName = "FILE",
            Required = true,
        };

        private readonly Option<string?> labels = new("--labels")
        {
            Description = "The images' MNIST-format labels file; when given, the accuracy is printed.",
            HelpName = "FILE",
        };

        private readonly Option<int?> count = new("--count")
        {
            Description = "Classify only the first N images.",
            HelpName = "N",
        };

        public PredictCommand()
        {
            foreach (Option<string> file in new[] { export, images })
            {
                file.Validators.Add(r => MustExist(r, file.Name));
            }

            labels.Validators.Add(r => MustExist(r, labels.Name));
            count.Validators.Add(r =>
            {
                if (r.Tokens.Count == 1 && int.TryParse(r.Tokens[0].Value, CultureInfo.InvariantCulture, out int v) && v < 1)
                {
                    r.AddError($"--count must be at least 1; got {v}.");
                }
            });
            Command = new Command("predict", "Classify the images of an MNIST-format file with an exported model (no training code or data needed).")
            {
                export, images, labels, count,
            };
        }

        public Command Command { get; }

        public PredictOptions Bind(ParseResult p) => new()
        {
            Export = p.GetValue(export)!,
            Images = p.GetValue(images)!,
            Labels = p.GetValue(labels),
            Count = p.GetValue(count),
        };

        private static void MustExist(OptionResult r, string name)
        {
            string? path = r.GetValueOrDefault<string?>();
            if (path is not null && !File.Exists(path))
            {
                r.AddError($"{name}: the file '{path}' does not exist.");
            }
        }
    }
}
