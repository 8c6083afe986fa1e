using CallbackGen.Checkpoints;
using CallbackGen.Inference;
using CallbackGen.Runtime.Tests.Checkpoints.Fuzz;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Checkpoints;

/// <summary>
/// Crafted files with valid checksums, through all three readers: no process death (this runs in the
/// test host: a death fails the run), no exception but <see cref="CheckpointException"/>, no load
/// allocating more than the file's size + 1 MB, and the learner unchanged after every refusal.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed class CheckpointFuzzTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-fuzz-").FullName;

    [Theory]
    [InlineData("checkpoint", 300)]
    [InlineData("weights", 300)]
    [InlineData("export", 300)]
    public void Mutants_are_refused_with_the_documented_error_only(string reader, int mutants) => Fuzz(reader, mutants, seed: 11);

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData("checkpoint")]
    [InlineData("weights")]
    [InlineData("export")]
    public void Ten_thousand_mutants_per_reader(string reader) => Fuzz(reader, 10_000, seed: 1);

    private void Fuzz(string reader, int mutants, int seed)
    {
        FuzzReport report = Run(reader, dir, mutants, seed);
        Assert.True(report.Undocumented == 0, report.ToString());
        Assert.True(report.OverAllocated == 0, report.ToString());
        Assert.True(report.Changed == 0, report.ToString());
        Assert.True(report.Refused.Values.Sum() > mutants / 2, report.ToString());
    }

    /// <summary>One reader's run over a real file the product wrote.</summary>
    internal static FuzzReport Run(string reader, string dir, int mutants, int seed)
    {
        string scratch = Path.Combine(dir, "mutant.bin");
        switch (reader)
        {
            case "checkpoint":
            {
                string original = CheckpointFiles.MidEpochCheckpoint(dir);
                Learner learn = CheckpointFiles.AdamWLearner(modelSeed: 4);
                learn.Fit(1);
                // The state every refusal must leave, and every accepted mutant is replaced by.
                learn.LoadCheckpoint(original);
                return CheckpointFuzzer.Run(File.ReadAllBytes(original), scratch, seed, mutants, learn.LoadCheckpoint,
                    () => State(learn), () => learn.LoadCheckpoint(original));
            }

            case "weights":
            {
                Learner learn = CheckpointFiles.AdamWLearner(modelSeed: 4);
                learn.CreateOptimizer();
                string original = Path.Combine(dir, "model.weights");
                learn.Save(original);
                learn.Load(original);
                return CheckpointFuzzer.Run(File.ReadAllBytes(original), scratch, seed, mutants, learn.Load,
                    () => State(learn), () => learn.Load(original));
            }

            default:
            {
                var normalize = ExportedTransform.ForNormalize(tensor(new float[] { 0.5f, 0.5f, 0.5f, 0.5f }), tensor(new float[] { 2f, 2f, 2f, 2f }));
                Learner learn = CheckpointFiles.AdamWLearner(4, 16, BatchTransform.Of(normalize));
                string original = Path.Combine(dir, "model.export");
                learn.Export(original, modelName: "mlp", classNames: new[] { "y" });
                return CheckpointFuzzer.Run(File.ReadAllBytes(original), scratch, seed, mutants,
                    path => InferenceModel.Load(path, () => (nn.Module<Tensor, Tensor>)CheckpointFiles.AdamWLearner(modelSeed: 9).Model).Dispose(),
                    Array.Empty<byte>, () => { });
            }
        }
    }

    private static byte[] State(Learner learn)
    {
        using var ms = new MemoryStream();
        foreach (var (_, bytes) in TinyTask.Weights(learn).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            ms.Write(bytes);
        }

        ms.Write(CheckpointFiles.OptimizerBytes(learn));
        ms.Write(random.get_rng_state().bytes);
        return ms.ToArray();
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
