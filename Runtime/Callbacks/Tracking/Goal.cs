namespace CallbackGen;

/// <summary>Whether a monitored metric is better when lower (a loss) or higher (an accuracy).</summary>
public enum Goal
{
    /// <summary>Lower is better.</summary>
    Minimize,

    /// <summary>Higher is better.</summary>
    Maximize,
}
