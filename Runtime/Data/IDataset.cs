namespace CallbackGen.Data;

/// <summary>
/// A dataset: a number of samples reachable by index (the lesson's <c>Dataset</c> with
/// <c>__len__</c> and <c>__getitem__</c>). Samples that are tensors are created in the caller's
/// current dispose scope.
/// </summary>
/// <typeparam name="TSample">The type of one sample.</typeparam>
public interface IDataset<out TSample>
{
    /// <summary>The number of samples.</summary>
    long Count { get; }

    /// <summary>The sample at <paramref name="index"/>, in [0, <see cref="Count"/>).</summary>
    /// <param name="index">The sample's index.</param>
    TSample this[long index] { get; }
}
