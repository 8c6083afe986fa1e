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
    /// Runs the handler only periodically: on the N-th, 2N-th, 3N-th, … occurrence, counted from 1.
    /// For batch events (<c>BeforeBatch</c> … <c>AfterBatch</c>, <c>AfterCancelBatch</c>,
    /// <c>AfterCancelBackward</c>, <c>AfterCancelStep</c>) N counts the batches of the current
    /// training or validation phase (<c>(Iter + 1) % N == 0</c>; the count restarts each phase). For
    /// epoch events (<c>BeforeEpoch</c>, <c>BeforeTrain</c>, <c>AfterTrain</c>, <c>BeforeValidate</c>,
    /// <c>AfterValidate</c>, <c>AfterEpoch</c> and their cancel events) N counts epochs
    /// (<c>(Epoch + 1) % N == 0</c>). The fit events fire once per fit and ignore it. 0 or 1 (the
    /// default) means every time. The check is generated inline: it costs no allocation, and being
    /// computed from the learner's counters it stays right when a run resumes from a checkpoint.
    /// </summary>
    /// <example><c>[Callback(Every = 50)] private void AfterBatch() { … }</c> runs after batches 50, 100, … of each phase.</example>
    public int Every { get; set; }

    /// <summary>
    /// Runs the handler at most once per fit: the first time its event fires (and, with
    /// <see cref="Every"/>, the first time the period matches) after <c>BeforeFit</c>. The next
    /// fit runs it again. A class with such a handler is also called at <c>BeforeFit</c>, where
    /// the generated code clears its record of what already ran. A handler that throws (for
    /// example a cancel exception) has had its run.
    /// </summary>
    /// <example><c>[Callback(Once = true)] private void BeforeBatch() => Console.WriteLine(Xb.shape);</c></example>
    public bool Once { get; set; }
}
