using System.Security.Cryptography;
using CallbackGen.Data;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Checkpoints;

/// <summary>Real files written by the product, and the tools to take them apart and seal them again with a valid checksum.</summary>
internal static class CheckpointFiles
{
    /// <summary>A regression learner with CallbackGen's own AdamW, a shuffling loader and dropout; a model of <paramref name="hidden"/> units.</summary>
    public static Learner AdamWLearner(int modelSeed = 1, int hidden = 16, params Callback[] cbs)
    {
        var g = new Generator(123);
        Tensor x = randn(new long[] { 80, 4 }, generator: g);
        Tensor y = x.sum(1, keepdim: true).detach();
        manual_seed(modelSeed);
        var model = nn.Sequential(("lin1", nn.Linear(4, hidden)), ("relu", nn.ReLU()), ("drop", nn.Dropout(0.2)), ("lin2", nn.Linear(hidden, 1)));
        var train = new DataLoader(x, y, 16, shuffle: true, generator: new Generator(5));
        var valid = new DataLoader(x, y, 32);
        return new Learner(model, new DataBunch(train, valid), (p, t) => nn.functional.mse_loss(p, t), Optimizer.AdamW(), lr: 1e-2, cbs: cbs);
    }

    /// <summary>A mid-epoch checkpoint (a <c>loop</c> section) of a fit with AdamW and a CsvLogger.</summary>
    public static string MidEpochCheckpoint(string dir)
    {
        string path = Path.Combine(dir, "mid.ckpt");
        Learner learn = AdamWLearner();
        Assert.Throws<Support.SimulatedCrashException>(() => learn.Fit(2, cbs: new Callback[]
        {
            new SaveModel(path, everyBatches: 1), new CsvLogger(Path.Combine(dir, "log.csv")), new Support.ThrowAt(epoch: 1, batch: 2),
        }));
        Assert.Contains("loop", CallbackGen.Checkpoints.CheckpointFile.Read(path).Keys);
        return path;
    }

    /// <summary>Recomputes the SHA-256 trailer of a (mutated) file, as an attacker would.</summary>
    public static byte[] Reseal(byte[] file)
    {
        if (file.Length >= 32)
        {
            SHA256.HashData(file.AsSpan(0, file.Length - 32), file.AsSpan(file.Length - 32));
        }

        return file;
    }

    /// <summary>A whole optimiser's state, as bytes, to compare before and after.</summary>
    public static byte[] OptimizerBytes(Learner learn) => Support.TinyTask.OptimizerBytes(learn.Opt);
}
