using System.Globalization;

namespace CallbackGen;

/// <summary>
/// The parameters of a one-cycle fit, kept in its checkpoints so that a resume rebuilds the same
/// schedule (<c>Learner.FitOneCycle(…, resumeFrom:)</c>, or a plain resumed <c>Fit</c>).
/// </summary>
/// <param name="LrMax">The peak learning rate: one for every group, or one per group.</param>
/// <param name="PerGroup">True when <paramref name="LrMax"/> has one rate per parameter group.</param>
/// <param name="Div">The learning rate starts at lrMax/Div.</param>
/// <param name="DivFinal">The learning rate ends at lrMax/DivFinal.</param>
/// <param name="PctStart">The fraction of training spent warming up.</param>
/// <param name="MomStart">The momentum at the start.</param>
/// <param name="MomMiddle">The momentum at the peak.</param>
/// <param name="MomEnd">The momentum at the end.</param>
/// <param name="Wd">The weight decay set on every group first, or null.</param>
internal sealed record OneCycleSpec(double[] LrMax, bool PerGroup, double Div, double DivFinal, double PctStart,
    double MomStart, double MomMiddle, double MomEnd, double? Wd)
{
    private const int Version = 1;

    /// <summary>The scheduler <c>FitOneCycle</c> attaches: the learning rate, and the momentum where the optimiser has one.</summary>
    public ParamScheduler CreateScheduler(Optimizer opt)
    {
        Schedule[] lrs = LrMax.Select(l => Schedules.OneCycleLr(l, Div, DivFinal, PctStart)).ToArray();
        ParamScheduler scheduler;
        if (PerGroup)
        {
            if (opt.GroupCount != lrs.Length)
            {
                throw new ArgumentException($"FitOneCycle got {lrs.Length} peak learning rates but the optimiser has {opt.GroupCount} parameter group(s): give one per group.", "lrMax");
            }

            scheduler = new ParamScheduler(Hyper.Lr, lrs);
        }
        else
        {
            scheduler = new ParamScheduler(Hyper.Lr, lrs[0]);
        }

        if (opt.Supports(Hyper.Mom))
        {
            scheduler.Add(Hyper.Mom, Schedules.OneCycleMom(MomStart, MomMiddle, MomEnd, PctStart));
        }

        return scheduler;
    }

    /// <summary>The parameters as a user would write them, for messages.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"lrMax {(PerGroup ? "[" + string.Join(", ", LrMax.Select(l => l.ToString("R", CultureInfo.InvariantCulture))) + "]" : LrMax[0].ToString("R", CultureInfo.InvariantCulture))}, " +
        $"div {Div:R}, divFinal {DivFinal:R}, pctStart {PctStart:R}, moms ({MomStart:R}, {MomMiddle:R}, {MomEnd:R}), wd {(Wd is double w ? w.ToString("R", CultureInfo.InvariantCulture) : "unchanged")}");

    /// <summary>True when both describe the same schedule, bit for bit.</summary>
    public bool SameAs(OneCycleSpec other) =>
        LrMax.SequenceEqual(other.LrMax) && PerGroup == other.PerGroup && Div.Equals(other.Div) && DivFinal.Equals(other.DivFinal)
        && PctStart.Equals(other.PctStart) && MomStart.Equals(other.MomStart) && MomMiddle.Equals(other.MomMiddle)
        && MomEnd.Equals(other.MomEnd) && Nullable.Equals(Wd, other.Wd);

    public void Write(BinaryWriter w)
    {
        w.Write(Version);
        w.Write(PerGroup);
        w.Write(LrMax.Length);
        foreach (double l in LrMax)
        {
            w.Write(l);
        }

        foreach (double v in new[] { Div, DivFinal, PctStart, MomStart, MomMiddle, MomEnd })
        {
            w.Write(v);
        }

        w.Write(Wd.HasValue);
        w.Write(Wd ?? 0);
    }

    public static OneCycleSpec Read(BinaryReader r)
    {
        int version = r.ReadInt32();
        if (version != Version)
        {
            throw new InvalidDataException($"its one-cycle schedule has version {version}; this build reads version {Version}");
        }

        bool perGroup = r.ReadBoolean();
        int n = r.ReadInt32();
        if (n < 1 || n > 10_000)
        {
            throw new InvalidDataException($"its one-cycle schedule has {n} peak learning rates");
        }

        double[] lrMax = new double[n];
        for (int i = 0; i < n; i++)
        {
            lrMax[i] = r.ReadDouble();
        }

        double div = r.ReadDouble(), divFinal = r.ReadDouble(), pctStart = r.ReadDouble();
        double momStart = r.ReadDouble(), momMiddle = r.ReadDouble(), momEnd = r.ReadDouble();
        bool hasWd = r.ReadBoolean();
        double wd = r.ReadDouble();
        return new OneCycleSpec(lrMax, perGroup, div, divFinal, pctStart, momStart, momMiddle, momEnd, hasWd ? wd : null);
    }
}
