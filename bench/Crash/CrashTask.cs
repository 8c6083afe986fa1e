using System.Globalization;
using System.Text;
using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Crash;

/// <summary>
/// A small, fully seeded training run that writes a checkpoint every <see cref="CheckpointEvery"/>
/// training batches and at every epoch's end, resumes from it when it exists, and at its end writes
/// its final state (weights, optimiser state, Recorder history) next to the CSV log: the program that
/// the kill -9 tests, the soak and the Ctrl-C test interrupt. One-cycle schedule (learning rate and
/// Adam's beta1), dropout, a shuffling loader, gradient accumulation over 3 batches (so kills land
/// inside open accumulation cycles), a metric over training and validation, CsvLogger and Recorder.
/// </summary>
/// <remarks>
/// It reports where it is on stderr, one line per point, each written just before what follows it:
/// <c>ready</c> (the fit starts), <c>epoch-start E</c> (BeforeEpoch), <c>train E</c> (BeforeTrain),
/// <c>batch E I</c> (after training
/// batch I's handlers, right before its checkpoint, if one is due, is written), <c>validate E</c>
/// (BeforeValidate), <c>epoch E</c> (after AfterEpoch's handlers, right before the epoch's checkpoint is
/// written) and <c>done</c> (the final state is written). Every batch and every epoch start is paced by
/// <c>delayMs</c> (standing in for real work), so a kill timed from a line lands in the phase after it.
/// </remarks>
public static partial class CrashTask
{
    /// <summary>The checkpoint file in the run folder.</summary>
    public const string CheckpointName = "last.ckpt";

    /// <summary>The final weights in the run folder.</summary>
    public const string FinalName = "final.bin";

    /// <summary>The final optimiser state in the run folder.</summary>
    public const string OptimizerName = "optimizer.bin";

    /// <summary>The Recorder's history at the end (every number as its bits; no wall times) in the run folder.</summary>
    public const string HistoryName = "history.txt";

    /// <summary>The CsvLogger's file in the run folder.</summary>
    public const string CsvName = "history.csv";

    /// <summary>Written to stderr right before the fit starts.</summary>
    public const string Ready = "ready";

    /// <summary>Epochs of the fit.</summary>
    public const int Epochs = 3;

    /// <summary>Training batches per epoch (96 samples in batches of 8).</summary>
    public const int TrainBatches = 12;

    /// <summary>Validation batches per epoch (96 samples in batches of 32).</summary>
    public const int ValidBatches = 3;

    /// <summary>A mid-epoch checkpoint is written after every this many training batches of the fit (and one at each epoch's end).</summary>
    public const int CheckpointEvery = 2;

    /// <summary>Trains (or resumes) in <paramref name="dir"/>; 0 when done, 130 when interrupted by a signal.</summary>
    public static int Train(string dir, int delayMs, bool live)
    {
        Directory.CreateDirectory(dir);
        torch.set_num_threads(1);
        using Learner learn = Create();
        string ckpt = Path.Combine(dir, CheckpointName);
        var recorder = new Recorder();
        Callback[] cbs =
        {
            new SaveModel(ckpt, everyBatches: CheckpointEvery),
            new CsvLogger(Path.Combine(dir, CsvName)),
            recorder,
            new Beacon(delayMs),
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

        IO.AtomicFile.WriteAllBytes(Path.Combine(dir, OptimizerName), OptimizerState(learn));
        IO.AtomicFile.WriteAllText(Path.Combine(dir, HistoryName), History(recorder));
        IO.AtomicFile.WriteAllBytes(Path.Combine(dir, FinalName), Weights(learn));
        Console.Error.WriteLine("done");
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
        return new Learner(model, data, (p, t) => nn.functional.mse_loss(p, t), (m, lr) => Optimizer.FromTorchSharp(optim.Adam(m.parameters(), lr)), lr: 1e-2,
            cbs: new Callback[] { new GradientAccumulation(3) },
            metrics: new[] { new Metric("mae", (p, t) => (p - t).abs().mean()) }, trainMetrics: true);
    }

    /// <summary>Every tensor of the model's state, by name, as one byte string.</summary>
    public static byte[] Weights(Learner learn)
    {
        using var ms = new MemoryStream();
        foreach (var (name, t) in learn.Model.state_dict().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            ms.Write(Encoding.UTF8.GetBytes(name));
            using Tensor cpu = t.detach().cpu().contiguous();
            ms.Write(cpu.bytes);
        }

        return ms.ToArray();
    }

    /// <summary>The optimiser's state (moments, step counts, hyper-parameters) as the optimiser writes it.</summary>
    public static byte[] OptimizerState(Learner learn)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            learn.Opt.SaveState(w);
        }

        return ms.ToArray();
    }

    /// <summary>
    /// The Recorder's history as text: losses, smoothed losses, each recorded hyper-parameter per group,
    /// and each epoch's row (every number as the hex of its bits) with its last iteration; not the wall times.
    /// </summary>
    public static string History(Recorder recorder)
    {
        static string Bits(IEnumerable<double> values) =>
            string.Join(" ", values.Select(v => BitConverter.DoubleToInt64Bits(v).ToString("x16", CultureInfo.InvariantCulture)));

        var sb = new StringBuilder();
        sb.Append("losses ").AppendLine(Bits(recorder.Losses));
        sb.Append("smooth ").AppendLine(Bits(recorder.SmoothLosses));
        foreach (Hyper h in recorder.Hypers)
        {
            for (int g = 0; g < recorder.GroupCount; g++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{h.Name}[{g}] ").AppendLine(Bits(recorder.Values(h, g)));
            }
        }

        for (int i = 0; i < recorder.Epochs.Count; i++)
        {
            EpochRecord e = recorder.Epochs[i];
            sb.Append(CultureInfo.InvariantCulture, $"epoch {e.Epoch} end {recorder.EpochEnds[i]} {string.Join(",", e.Columns)} ").AppendLine(Bits(e.Values));
        }

        return sb.ToString();
    }

    /// <summary>Says where the fit is (see the class remarks) and paces it.</summary>
    private sealed partial class Beacon(int delayMs) : Callback
    {
        [Callback(Order = -1000)]
        private void BeforeEpoch()
        {
            Say($"epoch-start {Epoch}");
            Thread.Sleep(delayMs);
        }

        [Callback(Order = -1000)]
        private void BeforeBatch() => Thread.Sleep(delayMs);

        [Callback(Order = 1000)]
        private void AfterBatch()
        {
            if (Training)
            {
                Say($"batch {Epoch} {Iter}");
            }
        }

        [Callback(Order = 1000)]
        private void BeforeTrain() => Say($"train {Epoch}");

        [Callback(Order = 1000)]
        private void BeforeValidate() => Say($"validate {Epoch}");

        [Callback(Order = 1000)]
        private void AfterEpoch() => Say($"epoch {Epoch}");

        private static void Say(string line)
        {
            Console.Error.WriteLine(line);
            Console.Error.Flush();
        }
    }
}
