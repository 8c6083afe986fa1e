namespace CallbackGen.Analyzers
{
    /// <summary>Keys of <see cref="Microsoft.CodeAnalysis.Diagnostic.Properties"/> that tell a code fix what to do.</summary>
    public static class DiagnosticProperties
    {
        /// <summary>CBG0001/CBG0002: the event name the method should be renamed to.</summary>
        public const string EventName = "EventName";

        /// <summary>CBG0004: present when adding <c>partial</c> fixes the diagnostic.</summary>
        public const string AddPartial = "AddPartial";
    }
}
