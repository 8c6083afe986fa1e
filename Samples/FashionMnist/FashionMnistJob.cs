using System.Diagnostics;
using System.Globalization;
using CallbackGen.Augmentation;
using CallbackGen.Data;
using CallbackGen.Distributed;
using CallbackGen.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Samples.FashionMnist;

/// <summary>
/// The main job: loads Fashion-MNIST (or any MNIST-format folder), finds a learning rate with the
/// LR finder, trains with the one-cycle policy and writes what a practitioner looks at afterwards —
/// the LR finder's curve, the loss and learning-rate plots, <c>metrics.csv</c>, a resumable
/// checkpoint and <c>run.json</c>.
/// </summary>
/// <example><code>
/// int exitCode = FashionMnistJob.Run(new JobOptions { Model = ModelKind.Mlp, Epochs = 1 }, Console.Out, Console.Error);
/// </code></example>
public static class FashionMnistJob
{
    /// <summary>The checkpoint's file name in the output folder.</summary>
    public const string CheckpointFile = "model.ckpt";

    /// <summary>The per-epoch metrics' file name.</summary>
    public const string MetricsFile = "metrics.csv";

    /// <summary>The training-loss plot's file name.</summary>
    public const string LossPlotFile = "loss.png";

    /// <summary>The learning-rate plot's file name.</summary>
    public const string LrPlotFile = "lr.png";

    /// <summary>The LR finder's plot's file name (only when the finder ran).</summary>
    public const string LrFindPlotFile = "lr_find.png";

    /// <summary>The confusion matrix's file name.</summary>
    public const string ConfusionPlotFile = "confusion.png";

    /// <summary>The top-losses grid's file name.</summary>
    public const string TopLossesPlotFile = "top_losses.png";

    /// <summary>The export for inference (<c>predict</c> mode reads it).</summary>
    public const string ExportFile = "model.export";

    /// <summary>The version written into the export.</summary>
    public const string ExportVersion = "1";

    /// <summary>
    /// Runs the job and checks the result: 0 when the final accuracy reaches <see cref="JobOptions.MinAccuracy"/>,
    /// 1 when it does not or when the data, the checkpoint or the device cannot be used (a one-line
    /// message on <paramref name="error"/>, no stack trace).
    /// </summary>
    /// <param name="options">What to run.</param>
    /// <param name="output">Where progress and results go.</param>
    /// <param name="error">Where failures go.</param>
    public static int Run(JobOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        JobResult result;
        try
        {
            result = Train(options, output);
        }
        catch (Exception ex) when (ex is MpiUnavailableException or IOException or InvalidDataException or UnauthorizedAccessException or DataLoaderException or CallbackGen.Checkpoints.ResumeMismatchException
            || ex is LoopStepException { InnerException: DataLoaderException }
            || (ex is InvalidOperationException && options.Cuda && !cuda.is_available()))
        {
            error.WriteLine($"error: {(ex is CallbackGen.Checkpoints.ResumeMismatchException mismatch ? CliMessage(mismatch) : ex.Message)}");
            return ExitCodes.Failure;
        }

        if (result.Interrupted)
        {
            return ExitCodes.Interrupted;
        }

        if (!(result.Accuracy >= options.MinAccuracy))
        {
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"error: the final accuracy {result.Accuracy:P2} is below the sanity floor {options.MinAccuracy:P0}."));
            return ExitCodes.Failure;
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// <c>--write-images</c>: writes the MNIST-format data as PNG folders; 0, or 1 with a one-line message
    /// when the data cannot be read or the folder cannot be written.
    /// </summary>
    /// <param name="options">The options (<see cref="JobOptions.WriteImages"/>, <see cref="JobOptions.Data"/>, the counts).</param>
    /// <param name="output">Where to say what was written.</param>
    /// <param name="error">Where failures go.</param>
    public static int WriteImages(JobOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            // Without --data the embedded subset (12,000 + 2,000 images), as docs/data.md says, even where
            // Debian's full copy is installed: an image folder to try --images on, not 70,000 files.
            FashionMnistLocation where = options.Data is string folder ? Describe(Path.GetFullPath(folder))
                : FashionMnistData.FindEmbeddedSubset() is string embedded ? Describe(Path.GetFullPath(embedded))
                : throw new DirectoryNotFoundException($"--write-images: the embedded subset {FashionMnistData.EmbeddedSubsetPath} was not found beside the program or above {AppContext.BaseDirectory}; give an MNIST-format folder with --data.");
            ImageExport.Write(options.WriteImages ?? throw new ArgumentException("No --write-images folder.", nameof(options)), where, options.TrainCount, options.ValidCount, output);
            return ExitCodes.Success;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {ex.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>Runs the job and returns what it produced (no accuracy check; exceptions propagate).</summary>
    /// <param name="options">What to run.</param>
    /// <param name="output">Where progress and results go.</param>
    public static JobResult Train(JobOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        if (!options.Distributed && !MpiWorld.IsLaunchedByMpi)
        {
            return Train(options, output, world: null);
        }

        // One rank of an mpirun job (docs/distributed.md): rank 0 prints and writes; a failure on any rank ends them all.
        using MpiWorld world = MpiWorld.Init();
        try
        {
            return Train(options, world.IsRankZero ? output : TextWriter.Null, world);
        }
        catch (Exception ex) when (world.Size > 1)
        {
            world.Fail(ex);
            throw;
        }
    }

    private static JobResult Train(JobOptions options, TextWriter output, MpiWorld? world)
    {
        bool writes = world?.IsRankZero != false;
        var clock = Stopwatch.StartNew();
        FashionMnistLocation where = options.Data is string folder ? Describe(Path.GetFullPath(folder)) : FashionMnistData.DefaultLocation();

        string outDir = Path.GetFullPath(options.Out
            ?? (options.Resume is string resumed ? Path.GetDirectoryName(Path.GetFullPath(resumed))! : Path.Combine("runs", DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture))));
        if (writes)
        {
            Directory.CreateDirectory(outDir);
        }

        if (options.Threads is int threads)
        {
            set_num_threads(threads);
        }

        manual_seed(options.Seed);
        if (options.Cuda && !cuda.is_available())
        {
            throw new InvalidOperationException(
                "--device cuda: CUDA is not available in this process (no usable NVIDIA GPU, or the CPU-only TorchSharp-cpu libtorch is loaded). "
                + "See docs/guide.md#cpu-and-cuda for GPU builds, or use --device cpu.");
        }

        Device device = options.Cuda ? CUDA : CPU;

        using var shuffle = new Generator((ulong)options.Seed);
        using JobData data = JobData.Load(options, where, shuffle, device);
        output.WriteLine($"data: {data.Description}");
        using nn.Module<Tensor, Tensor> model = Models.Create(options.Model);
        using var learn = new Learner(model, world is null ? data.Bunch : data.Bunch.Shard(world), Losses.CrossEntropy, Optimizer.AdamW(), cbs: data.Transforms, metrics: [Metric.Accuracy], device: device);
        if (world is not null)
        {
            learn.Add(new DataParallel(world));
            output.WriteLine($"distributed: {world.Size} rank(s) of {world.Library}; each trains on batches of {options.BatchSize / world.Size}");
        }
        if (options.Augment)
        {
            learn.Add(new ImageAugment(seed: options.Seed));
        }

        if (options.MixUp is double alpha)
        {
            learn.Add(new MixUp(alpha, seed: options.Seed));
        }

        if (options.Summary)
        {
            output.WriteLine(learn.Summary());
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{data.TrainCount:N0} training / {data.ValidCount:N0} validation images; model {Name(options.Model)}, {options.Epochs} epoch(s), batch size {options.BatchSize}, device {device.type.ToString().ToLowerInvariant()}, {get_num_threads()} thread(s), seed {options.Seed}"));

        var files = new List<string>();

        // A resume of a run without run.json (written by an older sample) and without --lr: the checkpoint holds the
        // one-cycle schedule, so Fit(epochs, resumeFrom) rebuilds it; an LR finder's new suggestion would not match it.
        bool scheduleFromCheckpoint = options.Resume is string old && options.Lr is null && RunInfo.ReadBeside(old) is null;
        double lr = scheduleFromCheckpoint ? learn.Lr : ChooseLr(options, learn, outDir, output, files, world);
        if (scheduleFromCheckpoint)
        {
            output.WriteLine($"learning rate: the one-cycle schedule of the checkpoint (no {RunInfo.FileName} beside it)");
        }

        // Written before the fit (atomically), so that --resume PATH alone works after Ctrl-C and kill -9 too.
        if (!scheduleFromCheckpoint && writes)
        {
            files.Add(RunInfo.Of(options, where.Folder, lr).Write(outDir));
        }

        var recorder = new Recorder();
        var csv = new CsvLogger(Path.Combine(outDir, MetricsFile), append: options.Resume is not null);
        var save = new SaveModel(Path.Combine(outDir, CheckpointFile));
        using var progress = ReferenceEquals(output, Console.Out) ? new Progress() : new Progress(output);
        Callback[] cbs = [progress, recorder, csv, save];
        if (options.Resume is string checkpoint)
        {
            output.WriteLine($"resuming from {Path.GetFullPath(checkpoint)}");
        }

        // A resume rebuilds the one-cycle schedule from these arguments and checks them against the checkpoint's record.
        var fitClock = Stopwatch.StartNew();
        if (scheduleFromCheckpoint)
        {
            learn.Fit(options.Epochs, resumeFrom: options.Resume!, cbs: cbs);
        }
        else
        {
            learn.FitOneCycle(options.Epochs, lr, cbs: cbs, resumeFrom: options.Resume);
        }

        fitClock.Stop();
        if (learn.Interrupted)
        {
            // Ctrl-C or SIGTERM: the fit ended after its current batch and SaveModel wrote a final checkpoint.
            output.WriteLine($"interrupted: resume with --resume {Path.GetFullPath(save.LastSaved ?? Path.Combine(outDir, CheckpointFile))}");
            return new JobResult(double.NaN, double.NaN, lr, outDir, files, clock.Elapsed, Interrupted: true);
        }

        PhaseStats valid = learn.ValidStats ?? learn.Validate();
        if (!writes)
        {
            return new JobResult(valid["accuracy"], valid.Loss, lr, outDir, files, clock.Elapsed);
        }

        if (recorder.Losses.Count > 0)
        {
            files.Add(recorder.PlotLoss(Path.Combine(outDir, LossPlotFile)));
            files.Add(recorder.PlotLr(Path.Combine(outDir, LrPlotFile)));
        }

        files.Add(Path.Combine(outDir, MetricsFile));
        if (save.LastSaved is string saved)
        {
            files.Add(Path.GetFullPath(saved));
        }

        // Predictions cover a rank's shard of the validation set: a distributed run leaves the interpretation to a single-process --resume.
        files.AddRange(world is null ? Interpret(learn, data, outDir, output) : []);
        files.Add(learn.Export(Path.Combine(outDir, ExportFile), modelName: Name(options.Model), modelVersion: ExportVersion, classNames: data.ClassNames));
        files.Add(OnnxAgreement.Write(learn, outDir, Name(options.Model), ExportVersion, data.ClassNames, output));
        clock.Stop();
        double accuracy = valid["accuracy"];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"final accuracy {accuracy:P2} (validation loss {valid.Loss:F4}, {data.ValidCount:N0} images); the fit took {fitClock.Elapsed.TotalSeconds:F1} s, the whole job {clock.Elapsed.TotalSeconds:F1} s"));
        output.WriteLine($"wrote {string.Join(", ", files.Select(Path.GetFileName))} to {outDir}");
        return new JobResult(accuracy, valid.Loss, lr, outDir, files, clock.Elapsed);
    }

    /// <summary>Writes the confusion matrix and the top losses of the validation set and prints the three most confused pairs.</summary>
    private static string[] Interpret(Learner learn, JobData data, string outDir, TextWriter output)
    {
        var interp = ClassificationInterpretation.FromLearner(learn, classNames: data.ClassNames);
        IReadOnlyList<ConfusedPair> confused = interp.MostConfused();
        output.WriteLine("most confused: " + (confused.Count == 0 ? "none"
            : string.Join("; ", confused.Take(3).Select(p => $"{p.Actual} as {p.Predicted} ({p.Count})"))));
        // An image folder's validation loader reads sample by sample: the plot gets the images from the dataset.
        using var scope = NewDisposeScope();
        return [interp.PlotConfusionMatrix(Path.Combine(outDir, ConfusionPlotFile)), interp.PlotTopLosses(Path.Combine(outDir, TopLossesPlotFile), k: 16, images: data.ValidImagesForPlots())];
    }

    /// <summary>The given learning rate, the resumed run's, or the LR finder's suggestion.</summary>
    private static double ChooseLr(JobOptions options, Learner learn, string outDir, TextWriter output, List<string> files, MpiWorld? world)
    {
        if (options.Lr is double given)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"learning rate {given:0.###e+0} (--lr)"));
            return given;
        }

        if (options.Resume is string checkpoint && RunInfo.ReadBeside(checkpoint) is RunInfo info)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"learning rate {info.Lr:0.###e+0} (the resumed run's, from {RunInfo.FileName})"));
            return info.Lr;
        }

        var clock = Stopwatch.StartNew();
        LrFindResult found = learn.LrFind();
        if (world?.IsRankZero != false)
        {
            files.Add(found.Plot(Path.Combine(outDir, LrFindPlotFile)));
        }

        // fastai v1's rule of thumb: a tenth of the rate at the loss's minimum is safely on the falling slope.
        double lr = double.IsFinite(found.MinimumLr) && found.MinimumLr > 0 ? found.MinimumLr
            : double.IsFinite(found.SteepestLr) && found.SteepestLr > 0 ? found.SteepestLr
            : 1e-3;
        // Every rank ran the finder in step on the same global batches; rank 0's choice is the job's.
        lr = world?.Broadcast(lr) ?? lr;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"LR finder: {found.Lrs.Count} batches in {clock.Elapsed.TotalSeconds:F1} s; minimum/10 {found.MinimumLr:0.###e+0}, steepest {found.SteepestLr:0.###e+0}; using {lr:0.###e+0}"));
        return lr;
    }

    /// <summary>Names a folder given with <c>--data</c>: the embedded subset or Debian's full copy when it is one of them.</summary>
    private static FashionMnistLocation Describe(string folder)
    {
        string?[] embedded = [FashionMnistData.FindEmbeddedSubset(), FashionMnistData.FindEmbeddedSubset(Directory.GetCurrentDirectory())];
        if (embedded.Any(e => e is not null && Path.GetFullPath(e).TrimEnd('/') == folder.TrimEnd('/')))
        {
            return new FashionMnistLocation(folder, IsEmbeddedSubset: true, string.Create(CultureInfo.InvariantCulture,
                $"embedded Fashion-MNIST subset ({FashionMnistData.EmbeddedTrainCount:N0} train / {FashionMnistData.EmbeddedTestCount:N0} test) from {folder}"));
        }

        return folder.TrimEnd('/') == FashionMnistData.SystemFolder
            ? new FashionMnistLocation(folder, IsEmbeddedSubset: false, $"full Fashion-MNIST from {folder}")
            : new FashionMnistLocation(folder, IsEmbeddedSubset: false, $"MNIST-format folder {folder}");
    }

    /// <summary>A resume refusal in the command line's terms (the library's message speaks of its API: <c>epochs: 3</c>, <c>strict: false</c>).</summary>
    private static string CliMessage(CallbackGen.Checkpoints.ResumeMismatchException ex)
    {
        IEnumerable<string> problems = ex.Problems.Select(p => System.Text.RegularExpressions.Regex.Replace(
            System.Text.RegularExpressions.Regex.Replace(p, @"^[a-z]+: ", string.Empty), @"Pass epochs: (\d+)\.", "Give --epochs $1."));
        string advice = File.Exists(RunInfo.PathBeside(ex.Path))
            ? $"Leave the flags out to take them from the run's {RunInfo.FileName}."
            : $"There is no {RunInfo.FileName} beside it: give the flags the run was started with.";
        return $"--resume {ex.Path}: the checkpoint does not match this command: {string.Join(" ", problems)} {advice}";
    }

    private static string Name(ModelKind kind) => kind.ToString().ToLowerInvariant();
}
