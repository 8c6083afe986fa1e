using System.Text.Json;

namespace CallbackGen.Samples.FashionMnist;

/// <summary>
/// <c>run.json</c>, written beside the checkpoint: what a resumed run must repeat to continue the
/// same fit (the one-cycle schedule depends on the peak learning rate and the number of epochs).
/// </summary>
/// <param name="Model">mlp or cnn.</param>
/// <param name="Epochs">The fit's total epochs.</param>
/// <param name="BatchSize">The training batch size.</param>
/// <param name="Lr">The peak learning rate.</param>
/// <param name="Seed">The seed.</param>
/// <param name="Data">The data folder.</param>
public sealed record RunInfo(string Model, int Epochs, int BatchSize, double Lr, int Seed, string Data)
{
    /// <summary>The file name.</summary>
    public const string FileName = "run.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes the file into <paramref name="folder"/>; returns its path.</summary>
    /// <param name="folder">The run's output folder.</param>
    public string Write(string folder)
    {
        string path = Path.Combine(folder, FileName);
        // Atomic: a kill while it is written must not leave a run.json that a resume cannot read.
        CallbackGen.IO.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));
        return path;
    }

    /// <summary>Reads the <c>run.json</c> beside <paramref name="checkpoint"/>, or null when there is none.</summary>
    /// <param name="checkpoint">A checkpoint written by the main job.</param>
    public static RunInfo? ReadBeside(string checkpoint)
    {
        string path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpoint))!, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<RunInfo>(File.ReadAllText(path)) : null;
    }
}
