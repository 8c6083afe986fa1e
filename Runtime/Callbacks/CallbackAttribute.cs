namespace CallbackGen;

/// <summary>
/// Marks a method of a <c>partial</c> <see cref="Callback"/> subclass as the handler of the training
/// event it is named after (<c>BeforeBatch</c>, <c>AfterLoss</c>, …). On a class it sets the default
/// <see cref="Order"/> of that class's handlers.
/// </summary>
/// <example>
/// <code>
/// [Callback(Order = 10)]
/// public partial class PrintLoss : Callback
/// {
///     [Callback] private void AfterLoss() => Console.WriteLine(Loss.item&lt;float&gt;());
///     [Callback(Order = -5)] private void BeforeFit() => Console.WriteLine("start");
/// }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class CallbackAttribute : Attribute
{
    /// <summary>
    /// Handlers with a lower order run first; ties keep the order in which callbacks were added.
    /// A method's own order wins over its class's. Default 0.
    /// </summary>
    public int Order { get; set; }

    /// <summary>
    /// Run a batch-level handler only on every N-th training iteration (counted by <c>TrainIter</c>,
    /// so the first runs at iteration N-1). 0 or 1 means every time.
    /// </summary>
    public int Every { get; set; }
}
