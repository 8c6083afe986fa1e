using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Crash;

/// <summary>
/// A small, fully seeded training run that writes a checkpoint every 2 training batches and at every
/// epoch's end, resumes from it when it exists, and writes its final weights to <c>final.bin</c>:
/// the program that the kill -9 and Ctrl-C tests interrupt. One-cycle schedule (learning rate and
/// Adam's beta1), dropout, a shuffling loader and gradient accumulation over 3 batches (so kills land
/// inside open accumulation cycles).
/// </summary>
public static partial class CrashTask
{
    /// <summary>The checkpoint file in the run folder.</summary>
    public const string CheckpointName = "last.ckpt";

    /// <summary>The final weights in the run folder.</summary>
    public const string FinalName = "final.bin";

    /// <summary>Written to stderr right before the fit starts.</summary>
    public const string Ready = "ready";

    /// <summary>Epochs of the fit.</summary>
    public const int Epochs = 3;

    /// <summary>Trains (or resumes) in <paramref name="dir"/>; 0 when done, 130 when interrupted by a signal.</summary>
    public static int Train(string dir, int delayMs, bool live)
    {
        Directory.CreateDirectory(dir);
        torch.set_num_threads(1);
        using Learner learn = Create();
        string ckpt = Path.Combine(dir, CheckpointName);
        Callback[] cbs =
        {
            new SaveModel(ckpt, everyBatches: 2),
            new Pace(delayMs),
            new Progress(Console.Out, live: live),
        };
        manual_seed(99);
        Console.Error.WriteLine(Ready);
        Console.Error.Flush();
        learn.FitOneCycle(Epochs, 1e-2, cbs: cbs, resumeFrom: File.Exists(ckpt) ? ckpt : null);
        if (learn.Interrupted)
        {
            return 130;
        }

        IO.AtomicFile.WriteAllBytes(Path.Combine(dir, FinalName), Weights(learn));
        return 0;
    }

    /// <summary>The learner of the task, with freshly initialised weights.</summary>
    public static Learner Create()
    {
        var g = new Generator(123);
        Tensor x = randn(new long[] { 96, 4 }, generator: g);
        Tensor y = (x.sum(1, keepdim: true) + 0.1 * randn(new long[] { 96, 1 }, generator: g)).detach();
        manual_seed(1);
        var model = nn.Sequential(("lin1", nn.Linear(4, 16)), ("relu", nn.ReLU()), ("drop", nn.Dropout(0.2)), ("lin2", nn.Linear(16, 1)));
        var data = new DataBunch(new DataLoader(x, y, 8, shuffle: true, generator: new Generator(5)), new DataLoader(x, y, 32));
        return new Learner(model, data, (p, t) => nn.functional.mse_loss(p, t), (m, lr) => new Optimizer(optim.Adam(m.parameters(), lr)), lr: 1e-2,
            cbs: new Callback[] { new GradientAccumulation(3) });
    }

    /// <summary>Every tensor of the model's state, by name, as one byte string.</summary>
    public static byte[] Weights(Learner learn)
    {
        using var ms = new MemoryStream();
        foreach (var (name, t) in learn.Model.state_dict().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            ms.Write(System.Text.Encoding.UTF8.GetBytes(name));
            using Tensor cpu = t.detach().cpu().contiguous();
            ms.Write(cpu.bytes);
        }

        return ms.ToArray();
    }

    /// <summary>Slows each training batch, so that a kill at a random moment lands anywhere in the fit; reports the batch on stderr.</summary>
    private sealed partial class Pace(int delayMs) : Callback
    {
        [Callback]
        private void AfterBatch()
        {
            if (Training)
            {
                Console.Error.WriteLine($"batch {Epoch} {Iter}");
                Thread.Sleep(delayMs);
            }
        }
    }
}
