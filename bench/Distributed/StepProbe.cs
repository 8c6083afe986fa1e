using System.Security.Cryptography;

namespace CallbackGen.Benchmarks.Distributed;

/// <summary>Each step's weights, hashed: the ranks' lists must be equal line by line.</summary>
internal sealed partial class StepProbe : Callback
{
    [Transient] private readonly List<string> hashes = new();

    public List<string> Hashes => hashes;

    [Callback]
    private void BeforeFit() => hashes.Clear();

    [Callback]
    private void AfterStep() => hashes.Add($"{TrainIter} {Convert.ToHexString(SHA256.HashData(FitTask.WeightBytes(Model)))}");
}

