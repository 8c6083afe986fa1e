namespace CallbackGen;

/// <summary>
/// The keys under which the learner records, in <see cref="Exception.Data"/>, which callback and
/// which event an exception came from. The exception itself is never wrapped or replaced, so its
/// type and stack trace stay what the handler threw.
/// </summary>
/// <example>
/// <code>
/// catch (Exception ex) when (ex.Data.Contains(CallbackExceptionData.CallbackKey))
/// {
///     Console.Error.WriteLine($"{ex.Data[CallbackExceptionData.CallbackKey]} failed in {ex.Data[CallbackExceptionData.EventKey]}");
///     throw;
/// }
/// </code>
/// </example>
public static class CallbackExceptionData
{
    /// <summary>The key of the full type name of the callback whose handler threw.</summary>
    public const string CallbackKey = "CallbackGen.Callback";

    /// <summary>The key of the name of the event whose handler threw (for example <c>AfterBatch</c>).</summary>
    public const string EventKey = "CallbackGen.Event";

    /// <summary>The key of the exceptions thrown by <c>Teardown</c> while another exception was ending the run.</summary>
    public const string TeardownErrorsKey = "CallbackGen.TeardownErrors";
}
