namespace CallbackGen.Analyzers
{
    /// <summary>Keys of <see cref="Microsoft.CodeAnalysis.Diagnostic.Properties"/> that tell a code fix what to do.</summary>
    public static class DiagnosticProperties
    {
        /// <summary>CBG0001/CBG0002: the event name the method should be renamed to.</summary>
        public const string EventName = "EventName";

        /// <summary>CBG0004: present when adding <c>partial</c> fixes the diagnostic.</summary>
        public const string AddPartial = "AddPartial";

        /// <summary>CBG0015: how to fix it: <see cref="HoldScalar"/> or <see cref="ReadWithItem"/>.</summary>
        public const string ScalarFix = "ScalarFix";

        /// <summary>CBG0015: hold the converted number in a disposed local declared before the statement.</summary>
        public const string HoldScalar = "HoldScalar";

        /// <summary>CBG0015: replace the read with <c>item&lt;T&gt;()</c>; <see cref="ItemType"/> names T.</summary>
        public const string ReadWithItem = "ReadWithItem";

        /// <summary>CBG0015: the C# keyword of the type a read returns (<c>float</c>, <c>double</c>, …).</summary>
        public const string ItemType = "ItemType";

        /// <summary>CBG0015: the name for the held Scalar (the parameter it is passed as).</summary>
        public const string ScalarName = "ScalarName";
    }
}
