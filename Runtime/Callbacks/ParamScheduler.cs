namespace CallbackGen;

/// <summary>
/// Sets hyper-parameters from schedules before every training batch, at the position
/// <c>PctTrain</c> (the fraction of the fit's training done): one schedule for every parameter group,
/// or one per group (discriminative rates). Nothing is scheduled during validation. <see cref="CallbackOrder.ParamScheduler"/>, after the
/// <see cref="Recorder"/> has seen the previous batch.
/// </summary>
/// <example>
/// <code>
/// var sched = new ParamScheduler(Hyper.Lr, Schedules.Cos(1e-2, 1e-4))
///     .Add(Hyper.Mom, Schedules.Lin(0.95, 0.85));
/// var perGroup = new ParamScheduler(Hyper.Lr, Schedules.OneCycleLr(1e-3), Schedules.OneCycleLr(1e-2));
/// learn.Fit(3, cbs: new[] { sched });
/// </code>
/// </example>
[Callback(Order = CallbackOrder.ParamScheduler)]
public sealed partial class ParamScheduler : Callback
{
    private readonly List<Entry> entries = new();

    // The values set before the last training batch, per entry and group (LastValues), copied in and
    // out around checkpoints: the entries themselves are configuration.
    [Checkpointed] private double[][] last = Array.Empty<double[]>();

    /// <summary>Creates a scheduler with nothing scheduled yet; see <see cref="Add(Hyper, Schedule)"/>.</summary>
    public ParamScheduler()
    {
    }

    /// <summary>Schedules <paramref name="hyper"/> in every parameter group with <paramref name="schedule"/>.</summary>
    public ParamScheduler(Hyper hyper, Schedule schedule) => Add(hyper, schedule);

    /// <summary>Schedules <paramref name="hyper"/> with one schedule per parameter group, in group order.</summary>
    public ParamScheduler(Hyper hyper, params Schedule[] perGroup) => Add(hyper, perGroup);

    /// <summary>The scheduled hyper-parameters, in the order they were added.</summary>
    public IReadOnlyList<Hyper> Hypers => entries.Select(e => e.Hyper).ToArray();

    /// <summary>
    /// The values set before the last training batch: <c>LastValues[i][g]</c> is hyper <c>Hypers[i]</c>
    /// in group <c>g</c>; empty before the first batch.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<double>> LastValues => entries.Select(e => (IReadOnlyList<double>)e.Last).ToArray();

    /// <summary>Fits only: an LR finder, a validation or a prediction leaves it as it was.</summary>
    public override RunKinds RunsIn => RunKinds.Fit;

    /// <summary><c>ParamScheduler[lr,mom]</c>: the scheduled hyper-parameters.</summary>
    protected override string DefaultStateKey => "ParamScheduler[" + string.Join(",", entries.Select(e => e.Hyper.Name)) + "]";

    /// <summary>Schedules <paramref name="hyper"/> in every parameter group with <paramref name="schedule"/>.</summary>
    /// <returns>This scheduler, to chain calls.</returns>
    public ParamScheduler Add(Hyper hyper, Schedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return AddEntry(hyper, new[] { schedule }, perGroup: false);
    }

    /// <summary>Schedules <paramref name="hyper"/> with one schedule per parameter group, in group order.</summary>
    /// <returns>This scheduler, to chain calls.</returns>
    public ParamScheduler Add(Hyper hyper, IReadOnlyList<Schedule> perGroup)
    {
        ArgumentNullException.ThrowIfNull(perGroup);
        if (perGroup.Count == 0 || perGroup.Any(s => s is null))
        {
            throw new ArgumentException($"Scheduling {hyper?.Name}: give one non-null schedule per parameter group.", nameof(perGroup));
        }

        return AddEntry(hyper, perGroup.ToArray(), perGroup: true);
    }

    /// <summary>True when <paramref name="hyper"/> is scheduled here.</summary>
    public bool IsScheduled(Hyper hyper) => entries.Any(e => e.Hyper == hyper);

    /// <inheritdoc/>
    protected override void OnSavingState() => last = entries.Select(e => e.Last).ToArray();

    /// <inheritdoc/>
    protected override void OnStateLoaded()
    {
        if (last.Length != entries.Count)
        {
            throw new InvalidDataException($"{StateKey}: the checkpoint holds {last.Length} schedule(s); this scheduler has {entries.Count}.");
        }

        for (int i = 0; i < last.Length; i++)
        {
            entries[i].Last = last[i];
        }
    }

    [Callback]
    private void BeforeFit()
    {
        // Fail at the start of the fit, not at the first batch, when a schedule cannot apply.
        foreach (Entry e in entries)
        {
            if (!Opt.Supports(e.Hyper))
            {
                string supported = string.Join(", ", Opt.SupportedHypers.Select(h => h.Name));
                throw new InvalidOperationException(
                    $"ParamScheduler schedules {e.Hyper.Handle} ({e.Hyper.Description}), which the {Opt.Name} optimiser does not have; it has: {supported}.");
            }

            if (e.PerGroup && e.Schedules.Length != Opt.GroupCount)
            {
                throw new InvalidOperationException(
                    $"ParamScheduler has {e.Schedules.Length} schedule(s) for {e.Hyper.Handle} but the optimiser has {Opt.GroupCount} parameter group(s): give one per group, or a single schedule for all.");
            }
        }
    }

    [Callback]
    private void BeforeBatch()
    {
        if (!Training)
        {
            return;
        }

        // PctTrain is a running sum of 1/(NIter·NEpoch); keep rounding from stepping outside [0, 1].
        double pos = Math.Clamp(PctTrain, 0, 1);
        Optimizer opt = Opt;
        int groups = opt.GroupCount;
        foreach (Entry e in entries)
        {
            if (e.Last.Length != groups)
            {
                e.Last = new double[groups];
            }

            for (int g = 0; g < groups; g++)
            {
                double value = e.Schedules[e.PerGroup ? g : 0](pos);
                opt.Set(e.Hyper, value, g);
                e.Last[g] = value;
            }
        }
    }

    private ParamScheduler AddEntry(Hyper? hyper, Schedule[] schedules, bool perGroup)
    {
        ArgumentNullException.ThrowIfNull(hyper);
        if (IsScheduled(hyper))
        {
            throw new ArgumentException($"{hyper.Handle} is already scheduled by this ParamScheduler; give it one schedule (or one per group).", nameof(hyper));
        }

        entries.Add(new Entry(hyper, schedules, perGroup));
        return this;
    }

    private sealed class Entry(Hyper hyper, Schedule[] schedules, bool perGroup)
    {
        public Hyper Hyper { get; } = hyper;

        public Schedule[] Schedules { get; } = schedules;

        public bool PerGroup { get; } = perGroup;

        public double[] Last { get; set; } = Array.Empty<double>();
    }
}
