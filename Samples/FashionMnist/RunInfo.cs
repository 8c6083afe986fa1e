using System.Globalization;
using System.Text.Json;

namespace CallbackGen.Samples.FashionMnist;

/// <summary>
/// <c>run.json</c>, written into the run's folder when the fit starts (atomically) and read by
/// <c>--resume</c>: what a resumed run must repeat to continue the same fit (the architecture, the
/// one-cycle schedule's peak learning rate and epochs, the batches, the data), so that
/// <c>--resume PATH</c> alone continues a run after Ctrl-C or kill -9.
/// </summary>
/// <param name="Model">mlp or cnn.</param>
/// <param name="Epochs">The fit's total epochs.</param>
/// <param name="BatchSize">The training batch size.</param>
/// <param name="Lr">The peak learning rate.</param>
/// <param name="Seed">The seed.</param>
/// <param name="Data">The MNIST-format data folder (null for an image-folder run).</param>
/// <param name="Images">The image folder of an <c>--images</c> run (null otherwise).</param>
/// <param name="TrainCount">The <c>--train-count</c> given, if any.</param>
/// <param name="ValidCount">The <c>--valid-count</c> given, if any.</param>
/// <param name="Threads">The <c>--threads</c> given, if any (the same count repeats the run's arithmetic bit for bit).</param>
public sealed record RunInfo(string Model, int Epochs, int BatchSize, double Lr, int Seed, string? Data, string? Images = null, int? TrainCount = null, int? ValidCount = null, int? Threads = null)
{
    /// <summary>The file name.</summary>
    public const string FileName = "run.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The record of a run of <paramref name="options"/> on <paramref name="dataFolder"/> at learning rate <paramref name="lr"/>.</summary>
    /// <param name="options">The run's options.</param>
    /// <param name="dataFolder">The MNIST-format folder the data came from (ignored for an image-folder run).</param>
    /// <param name="lr">The peak learning rate chosen.</param>
    public static RunInfo Of(JobOptions options, string dataFolder, double lr)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new RunInfo(
            options.Model.ToString().ToLowerInvariant(), options.Epochs, options.BatchSize, lr, options.Seed,
            options.Images is null ? Path.GetFullPath(dataFolder) : null,
            options.Images is string images ? Path.GetFullPath(images) : null,
            options.TrainCount, options.ValidCount, options.Threads);
    }

    /// <summary>Writes the file into <paramref name="folder"/>; returns its path.</summary>
    /// <param name="folder">The run's output folder.</param>
    public string Write(string folder)
    {
        string path = Path.Combine(folder, FileName);
        // Atomic: a kill while it is written must not leave a run.json that a resume cannot read.
        CallbackGen.IO.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));
        return path;
    }

    /// <summary>The path of the <c>run.json</c> beside <paramref name="checkpoint"/>.</summary>
    /// <param name="checkpoint">A checkpoint written by the main job.</param>
    public static string PathBeside(string checkpoint) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpoint))!, FileName);

    /// <summary>Reads the <c>run.json</c> beside <paramref name="checkpoint"/>, or null when there is none.</summary>
    /// <param name="checkpoint">A checkpoint written by the main job.</param>
    /// <exception cref="InvalidDataException">The file is not a run record.</exception>
    public static RunInfo? ReadBeside(string checkpoint)
    {
        string path = PathBeside(checkpoint);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<RunInfo>(File.ReadAllText(path)) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a run record of this sample: {e.Message}", e);
        }
    }

    /// <summary>The options that repeat this run, as a command line would give them (for messages).</summary>
    public string CommandLine => string.Join(' ', Flags().Select(f => $"{f.Flag} {f.Value}"));

    /// <summary>
    /// The options of a resume of this run: every recorded setting that the command line did not give
    /// (<paramref name="isExplicit"/> of its flag is false) is taken from the record. A flag given with
    /// another value than the record's is a conflict (a resume continues the recorded fit), except
    /// <c>--threads</c>, which only overrides: the result is then null and <paramref name="conflict"/>
    /// says so in one line, in command-line terms.
    /// </summary>
    /// <param name="given">The options of the command line.</param>
    /// <param name="isExplicit">Whether a flag (<c>--epochs</c>, …) was on the command line.</param>
    /// <param name="conflict">The conflict, when there is one.</param>
    public JobOptions? ResumeWith(JobOptions given, Func<string, bool> isExplicit, out string? conflict)
    {
        ArgumentNullException.ThrowIfNull(given);
        ArgumentNullException.ThrowIfNull(isExplicit);
        foreach ((string flag, string recorded) in Flags())
        {
            string? now = Value(given, flag);
            // --threads changes how the arithmetic is split, not the fit: given, it simply overrides.
            if (flag != "--threads" && isExplicit(flag) && now is not null && now != recorded)
            {
                conflict = $"{flag} {now}: the run being resumed was started with {flag} {recorded} ({PathBeside(given.Resume ?? FileName)}), and a resume continues that fit; leave {flag} out or give {flag} {recorded}.";
                return null;
            }
        }

        // An image-folder run's data is its --images folder, an MNIST-format run's its --data folder.
        conflict = null;
        return given with
        {
            Model = isExplicit("--model") ? given.Model : Model == "cnn" ? ModelKind.Cnn : ModelKind.Mlp,
            Epochs = isExplicit("--epochs") ? given.Epochs : Epochs,
            BatchSize = isExplicit("--bs") ? given.BatchSize : BatchSize,
            Lr = isExplicit("--lr") ? given.Lr : Lr,
            Seed = isExplicit("--seed") ? given.Seed : Seed,
            Data = isExplicit("--data") ? given.Data : Data,
            Images = isExplicit("--images") ? given.Images : Images,
            TrainCount = isExplicit("--train-count") ? given.TrainCount : TrainCount,
            ValidCount = isExplicit("--valid-count") ? given.ValidCount : ValidCount,
            Threads = isExplicit("--threads") ? given.Threads : Threads,
        };
    }

    private IEnumerable<(string Flag, string Value)> Flags()
    {
        yield return ("--model", Model);
        yield return ("--epochs", Epochs.ToString(CultureInfo.InvariantCulture));
        yield return ("--bs", BatchSize.ToString(CultureInfo.InvariantCulture));
        yield return ("--lr", Lr.ToString("R", CultureInfo.InvariantCulture));
        yield return ("--seed", Seed.ToString(CultureInfo.InvariantCulture));
        if (Images is not null)
        {
            yield return ("--images", Images);
        }
        else if (Data is not null)
        {
            yield return ("--data", Data);
        }

        if (TrainCount is int train)
        {
            yield return ("--train-count", train.ToString(CultureInfo.InvariantCulture));
        }

        if (ValidCount is int valid)
        {
            yield return ("--valid-count", valid.ToString(CultureInfo.InvariantCulture));
        }

        if (Threads is int threads)
        {
            yield return ("--threads", threads.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static string? Value(JobOptions o, string flag) => flag switch
    {
        "--model" => o.Model.ToString().ToLowerInvariant(),
        "--epochs" => o.Epochs.ToString(CultureInfo.InvariantCulture),
        "--bs" => o.BatchSize.ToString(CultureInfo.InvariantCulture),
        "--lr" => o.Lr?.ToString("R", CultureInfo.InvariantCulture),
        "--seed" => o.Seed.ToString(CultureInfo.InvariantCulture),
        "--data" => o.Data is string d ? Path.GetFullPath(d) : null,
        "--images" => o.Images is string i ? Path.GetFullPath(i) : null,
        "--train-count" => o.TrainCount?.ToString(CultureInfo.InvariantCulture),
        "--valid-count" => o.ValidCount?.ToString(CultureInfo.InvariantCulture),
        "--threads" => o.Threads?.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };
}
