using CallbackGen.Interop;
using CallbackGen.Runtime.Tests.Checkpoints.Fuzz;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Checkpoints;

/// <summary>
/// The crafted-file fuzz of the PyTorch reader (issue 31): files torch 1.13 wrote
/// (Interop/Fixtures/README.md), mutated and sealed as an attacker would — the <c>.pt</c> zip rebuilt
/// with valid CRC-32s around a mutated pickle or tensor record, the <c>.safetensors</c> file (no checksum)
/// mutated anywhere — then loaded strictly into the model they came from: no process death, no exception
/// but <see cref="CallbackGen.Checkpoints.CheckpointException"/>, no load allocating more than the file's
/// size + 1 MB, and the model unchanged after every refusal.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed class PyTorchFuzzTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-ptfuzz-").FullName;

    [Theory]
    [InlineData("tiny.pt", 300)]
    [InlineData("tiny.safetensors", 300)]
    public void Mutants_are_refused_with_the_documented_error_only(string fixture, int mutants) => Fuzz(fixture, mutants, seed: 11);

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData("tiny.pt")]
    [InlineData("tiny.safetensors")]
    public void Ten_thousand_mutants_per_file(string fixture) => Fuzz(fixture, 10_000, seed: 1);

    private void Fuzz(string fixture, int mutants, int seed)
    {
        FuzzReport report = Run(FixturePath(fixture), dir, mutants, seed);
        Assert.True(report.Undocumented == 0, report.ToString());
        Assert.True(report.OverAllocated == 0, report.ToString());
        Assert.True(report.Changed == 0, report.ToString());
        Assert.True(report.Refused.Values.Sum() > mutants / 2, report.ToString());
    }

    /// <summary>The fixture's path in the test output.</summary>
    internal static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Interop", "Fixtures", name);

    /// <summary>One run over <paramref name="original"/> (a <c>.pt</c> or <c>.safetensors</c> file of <see cref="TinyModel"/>).</summary>
    internal static FuzzReport Run(string original, string dir, int mutants, int seed)
    {
        using nn.Module model = TinyModel();
        PyTorchWeights.Load(model, original);
        FuzzSealing sealing = original.EndsWith(".pt", StringComparison.Ordinal) ? FuzzSealing.TorchZip : FuzzSealing.None;
        return CheckpointFuzzer.Run(File.ReadAllBytes(original), Path.Combine(dir, "mutant" + Path.GetExtension(original)), seed, mutants,
            path => PyTorchWeights.Load(model, path), () => State(model), () => PyTorchWeights.Load(model, original), sealing);
    }

    /// <summary>The fixtures' model: PyTorch's <c>Sequential(Linear(4, 3), BatchNorm1d(3))</c>, keys <c>0.weight</c> … <c>1.num_batches_tracked</c>.</summary>
    internal static nn.Module TinyModel() => nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3));

    /// <summary>Every tensor of the state dict as bytes, in key order.</summary>
    internal static byte[] State(nn.Module model)
    {
        using var ms = new MemoryStream();
        foreach (var (_, t) in model.state_dict().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            ms.Write(t.bytes);
        }

        return ms.ToArray();
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
