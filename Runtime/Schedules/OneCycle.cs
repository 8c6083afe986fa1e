namespace CallbackGen;

/// <summary>fastai v2's one-cycle defaults, used by <see cref="Schedules.OneCycleLr"/>, <see cref="Schedules.OneCycleMom"/> and <c>Learner.FitOneCycle</c>.</summary>
public static class OneCycle
{
    /// <summary>The learning rate starts at <c>lrMax / Div</c>.</summary>
    public const double Div = 25;

    /// <summary>The learning rate ends at <c>lrMax / DivFinal</c>.</summary>
    public const double DivFinal = 1e5;

    /// <summary>The fraction of training spent warming up.</summary>
    public const double PctStart = 0.25;

    /// <summary>The momentum at the start.</summary>
    public const double MomStart = 0.95;

    /// <summary>The momentum at the learning rate's peak.</summary>
    public const double MomMiddle = 0.85;

    /// <summary>The momentum at the end.</summary>
    public const double MomEnd = 0.95;
}
