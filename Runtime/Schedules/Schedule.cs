namespace CallbackGen;

/// <summary>A hyper-parameter schedule: the value at a position <paramref name="pos"/> in [0, 1] of training.</summary>
/// <param name="pos">The fraction of training done, from 0 to 1 inclusive.</param>
/// <returns>The scheduled value.</returns>
public delegate double Schedule(double pos);
