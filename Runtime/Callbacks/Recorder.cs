using System.Diagnostics;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Records a fit: for every training batch, the learning rate and every scheduled hyper-parameter of
/// every parameter group and the loss with its smoothed value (β = 0.98, debiased); for every epoch,
/// the training and validation losses, the validation metrics and the wall time. The values are
/// available as data and as PNG charts (<see cref="PlotLr"/>, <see cref="PlotLoss"/>,
/// <see cref="PlotSched"/>). Order 50. Batch losses stay on the device and are read once per
/// training phase, so recording adds no device sync per batch.
/// </summary>
/// <example>
/// <code>
/// var rec = new Recorder();
/// learn.Add(rec);
/// learn.FitOneCycle(3, 1e-2);
/// rec.PlotLoss("loss.png");
/// double lastLr = rec.Lrs[^1];
/// </code>
/// </example>
[Callback(Order = 50)]
public sealed partial class Recorder : Callback, ICheckpointable
{
    private const int StateVersion = 1;
    private readonly SmoothedLoss smoother;
    private readonly List<double> losses = new();
    private readonly List<double> smoothLosses = new();
    private readonly List<EpochRecord> epochs = new();
    private readonly Stopwatch epochClock = new();
    private Hyper[] hypers = Array.Empty<Hyper>();
    private List<double>[][] values = Array.Empty<List<double>[]>();
    private Tensor? pendingLosses;
    private int pendingCount;
    private int epochFirstBatch;
    private PhaseStats? seenTrainStats;
    private PhaseStats? seenValidStats;

    /// <summary>Creates a recorder.</summary>
    /// <param name="beta">The smoothing factor of <see cref="SmoothLosses"/>.</param>
    public Recorder(double beta = 0.98) => smoother = new SmoothedLoss(beta);

    /// <summary>The hyper-parameters recorded per batch: <see cref="Hyper.Lr"/>, then every one a <see cref="ParamScheduler"/> schedules.</summary>
    public IReadOnlyList<Hyper> Hypers => hypers;

    /// <summary>The number of parameter groups recorded.</summary>
    public int GroupCount => values.Length == 0 ? 0 : values[0].Length;

    /// <summary>The loss of every training batch (that computed one), in order.</summary>
    public IReadOnlyList<double> Losses => losses;

    /// <summary>The smoothed, debiased loss after every training batch.</summary>
    public IReadOnlyList<double> SmoothLosses => smoothLosses;

    /// <summary>The learning rate of the last parameter group (the head) at every training batch.</summary>
    public IReadOnlyList<double> Lrs => GroupCount == 0 ? Array.Empty<double>() : Values(Hyper.Lr, GroupCount - 1);

    /// <summary>One entry per finished epoch.</summary>
    public IReadOnlyList<EpochRecord> Epochs => epochs;

    /// <summary>The validation loss of every epoch whose validation loss was published.</summary>
    public IReadOnlyList<double> ValidLosses => epochs.Where(e => e.ValidLoss.HasValue).Select(e => e.ValidLoss!.Value).ToArray();

    /// <inheritdoc/>
    public string StateKey => "Recorder";

    /// <summary>The value of <paramref name="hyper"/> in parameter group <paramref name="group"/> at every training batch.</summary>
    /// <exception cref="ArgumentException">That hyper-parameter was not recorded.</exception>
    /// <exception cref="ArgumentOutOfRangeException">There is no such group.</exception>
    public IReadOnlyList<double> Values(Hyper hyper, int group = 0)
    {
        ArgumentNullException.ThrowIfNull(hyper);
        int h = Array.IndexOf(hypers, hyper);
        if (h < 0)
        {
            throw new ArgumentException(
                $"{hyper.Handle} was not recorded; recorded: {string.Join(", ", hypers.Select(x => x.Name))} (a hyper is recorded when a ParamScheduler schedules it).",
                nameof(hyper));
        }

        if ((uint)group >= (uint)values[h].Length)
        {
            throw new ArgumentOutOfRangeException(nameof(group), group, $"The recorded optimiser has {values[h].Length} parameter group(s).");
        }

        return values[h][group];
    }

    /// <inheritdoc/>
    public void SaveState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Flush();
        writer.Write(StateVersion);
        writer.Write(hypers.Length);
        writer.Write(GroupCount);
        for (int h = 0; h < hypers.Length; h++)
        {
            writer.Write(hypers[h].Name);
            foreach (List<double> series in values[h])
            {
                WriteList(writer, series);
            }
        }

        WriteList(writer, losses);
        WriteList(writer, smoothLosses);
        smoother.Write(writer);
        writer.Write(epochs.Count);
        foreach (EpochRecord e in epochs)
        {
            writer.Write(e.Epoch);
            WriteNullable(writer, e.TrainLoss);
            WriteNullable(writer, e.ValidLoss);
            writer.Write(e.Metrics.Count);
            foreach (var m in e.Metrics)
            {
                writer.Write(m.Key);
                writer.Write(m.Value);
            }

            writer.Write(e.WallTime.Ticks);
            writer.Write(e.BatchesDone);
        }
    }

    /// <inheritdoc/>
    public void LoadState(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int version = reader.ReadInt32();
        if (version != StateVersion)
        {
            throw new InvalidDataException($"Recorder: saved state has version {version}; this build reads version {StateVersion}.");
        }

        int hyperCount = Count(reader, "hyper-parameter count");
        int groupCount = Count(reader, "group count");
        var newHypers = new Hyper[hyperCount];
        var newValues = new List<double>[hyperCount][];
        for (int h = 0; h < hyperCount; h++)
        {
            string name = reader.ReadString();
            newHypers[h] = Hyper.All.FirstOrDefault(x => x.Name == name)
                ?? throw new InvalidDataException($"Recorder: saved state names an unknown hyper-parameter '{name}'.");
            newValues[h] = new List<double>[groupCount];
            for (int g = 0; g < groupCount; g++)
            {
                newValues[h][g] = ReadList(reader);
            }
        }

        List<double> newLosses = ReadList(reader);
        List<double> newSmooth = ReadList(reader);
        smoother.Read(reader);
        int epochCount = Count(reader, "epoch count");
        var newEpochs = new List<EpochRecord>(epochCount);
        for (int i = 0; i < epochCount; i++)
        {
            int epoch = reader.ReadInt32();
            double? train = ReadNullable(reader);
            double? valid = ReadNullable(reader);
            int metricCount = Count(reader, "metric count");
            var metrics = new KeyValuePair<string, double>[metricCount];
            for (int m = 0; m < metricCount; m++)
            {
                metrics[m] = new(reader.ReadString(), reader.ReadDouble());
            }

            newEpochs.Add(new EpochRecord(epoch, train, valid, metrics, TimeSpan.FromTicks(reader.ReadInt64()), reader.ReadInt32()));
        }

        hypers = newHypers;
        values = newValues;
        Replace(losses, newLosses);
        Replace(smoothLosses, newSmooth);
        epochs.Clear();
        epochs.AddRange(newEpochs);
        ReleasePending();
    }

    [Callback]
    private void BeforeFit()
    {
        ReleasePending();
        Optimizer opt = Opt;
        var scheduled = Learn.Callbacks.OfType<ParamScheduler>().SelectMany(s => s.Hypers).ToHashSet();
        hypers = Hyper.All.Where(h => (h == Hyper.Lr || scheduled.Contains(h)) && opt.Supports(h)).ToArray();
        values = hypers.Select(_ => Enumerable.Range(0, opt.GroupCount).Select(_ => new List<double>()).ToArray()).ToArray();
        losses.Clear();
        smoothLosses.Clear();
        epochs.Clear();
        smoother.Reset();
        seenTrainStats = Learn.TrainStats;
        seenValidStats = Learn.ValidStats;
    }

    [Callback]
    private void BeforeEpoch()
    {
        epochFirstBatch = losses.Count + pendingCount;
        epochClock.Restart();
    }

    [Callback]
    private void AfterBatch()
    {
        if (!Training || Learn.Loss is null)
        {
            return;
        }

        Optimizer opt = Opt;
        for (int h = 0; h < hypers.Length; h++)
        {
            List<double>[] perGroup = values[h];
            for (int g = 0; g < perGroup.Length; g++)
            {
                perGroup[g].Add(opt.Get(hypers[h], g));
            }
        }

        using Tensor loss = Learn.Loss.detach();
        if (pendingLosses is null || pendingCount == pendingLosses.shape[0] || pendingLosses.device != loss.device)
        {
            Flush();
            ReleasePending();
            // Lives across batches: kept out of the per-batch dispose scope, released by Flush's owner.
            pendingLosses = zeros(Math.Max(NIter, 1), ScalarType.Float64, loss.device).DetachFromDisposeScope();
        }

        using Tensor slot = pendingLosses[pendingCount];
        slot.copy_(loss.reshape(Array.Empty<long>()));
        pendingCount++;
    }

    [Callback]
    private void AfterTrain() => Flush();

    [Callback]
    private void AfterEpoch()
    {
        Flush();
        epochClock.Stop();
        PhaseStats? train = Fresh(Learn.TrainStats, ref seenTrainStats);
        PhaseStats? valid = Fresh(Learn.ValidStats, ref seenValidStats);
        int first = Math.Min(epochFirstBatch, losses.Count);
        double? trainLoss = train?.Loss ?? (losses.Count > first ? losses.Skip(first).Average() : null);
        epochs.Add(new EpochRecord(
            Epoch,
            trainLoss,
            valid?.Loss,
            valid?.Metrics ?? Array.Empty<KeyValuePair<string, double>>(),
            epochClock.Elapsed,
            losses.Count));
    }

    [Callback]
    private void AfterFit()
    {
        Flush();
        ReleasePending();
    }

    // Stats are published once per epoch; the same instance as last time means nothing new was
    // published, and stats over no sample (a phase cancelled before its first batch) say nothing.
    private static PhaseStats? Fresh(PhaseStats? current, ref PhaseStats? seen)
    {
        if (current is null || ReferenceEquals(current, seen))
        {
            return null;
        }

        seen = current;
        return current.Count > 0 ? current : null;
    }

    private void Flush()
    {
        if (pendingLosses is null || pendingCount == 0)
        {
            return;
        }

        double[] batch;
        using (Tensor part = pendingLosses.narrow(0, 0, pendingCount))
        using (Tensor cpu = part.cpu())
        {
            batch = cpu.data<double>().ToArray();
        }

        pendingCount = 0;
        foreach (double loss in batch)
        {
            losses.Add(loss);
            smoothLosses.Add(smoother.Add(loss));
        }
    }

    private void ReleasePending()
    {
        pendingLosses?.Dispose();
        pendingLosses = null;
        pendingCount = 0;
    }

    private static void WriteList(BinaryWriter writer, List<double> list)
    {
        writer.Write(list.Count);
        foreach (double v in list)
        {
            writer.Write(v);
        }
    }

    private static List<double> ReadList(BinaryReader reader)
    {
        int n = Count(reader, "list length");
        var list = new List<double>(Math.Min(n, 1 << 16));
        for (int i = 0; i < n; i++)
        {
            list.Add(reader.ReadDouble());
        }

        return list;
    }

    private static void WriteNullable(BinaryWriter writer, double? value)
    {
        writer.Write(value.HasValue);
        writer.Write(value ?? 0);
    }

    private static double? ReadNullable(BinaryReader reader)
    {
        bool has = reader.ReadBoolean();
        double v = reader.ReadDouble();
        return has ? v : null;
    }

    private static int Count(BinaryReader reader, string what)
    {
        int n = reader.ReadInt32();
        long left = reader.BaseStream.CanSeek ? reader.BaseStream.Length - reader.BaseStream.Position : long.MaxValue;
        if (n < 0 || n > left)
        {
            throw new InvalidDataException($"Recorder: saved state has an invalid {what} ({n}).");
        }

        return n;
    }

    private static void Replace(List<double> target, List<double> source)
    {
        target.Clear();
        target.AddRange(source);
    }
}
