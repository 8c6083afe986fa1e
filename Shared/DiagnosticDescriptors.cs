// Every CallbackGen diagnostic, defined once: compiled into the analyzers (which report all but one)
// and the generator (which reports CBG0011, see its page), linked from this top-level Shared/ folder.
#nullable enable

using Microsoft.CodeAnalysis;

namespace CallbackGen
{
    /// <summary>
    /// Every CallbackGen diagnostic. IDs and severities are fixed forever; each rule has a page under
    /// docs/diagnostics/ that its help link points at, and a line in the analyzers' release tracking files.
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "CallbackGen";

        // The repository's docs folder; one page per rule, named after its ID.
        private const string HelpLinkBase = "https://github.com/CallbackGen/CallbackGen/blob/main/docs/diagnostics/";

        /// <summary>CBG0001: a [Callback] method's name is not a training event.</summary>
        public static readonly DiagnosticDescriptor CallbackNameIsNotAnEvent = Create(
            "CBG0001",
            "[Callback] method name is not a training event",
            "'{0}' is not a training event; did you mean '{1}'?",
            DiagnosticSeverity.Error,
            "A handler runs for the event it is named after. A name that is not an event never runs.");

        /// <summary>CBG0002: a [Callback] method uses the seed's (fastai v1) name of an event.</summary>
        public static readonly DiagnosticDescriptor CallbackNameIsSeedName = Create(
            "CBG0002",
            "[Callback] method uses a fastai v1 event name",
            "'{0}' is the fastai v1 name of '{1}' and is never called; rename it to '{1}'",
            DiagnosticSeverity.Warning,
            "Events use their fastai v2 names. The seed's Begin* names are recognised only to point at the v2 name.");

        /// <summary>CBG0003: a handler's signature cannot be dispatched.</summary>
        public static readonly DiagnosticDescriptor InvalidHandlerSignature = Create(
            "CBG0003",
            "Invalid [Callback] handler signature",
            "Handler '{0}' {1}; a handler is a parameterless, non-generic, non-async instance method returning void",
            DiagnosticSeverity.Error,
            "The generated dispatch calls a handler as 'Name();' and ignores nothing: a return value, parameters, a static or async method cannot be called that way.");

        /// <summary>CBG0004: the class of a handler is not partial (or a containing type is not) or is not a Callback.</summary>
        public static readonly DiagnosticDescriptor InvalidCallbackClass = Create(
            "CBG0004",
            "[Callback] class must be partial and derive from CallbackGen.Callback",
            "'{0}' {1}",
            DiagnosticSeverity.Error,
            "The generator adds the dispatch of a callback class in a partial part of it (and of every containing type), overriding members of CallbackGen.Callback.");

        /// <summary>CBG0005: two handlers for one event in one class.</summary>
        public static readonly DiagnosticDescriptor DuplicateHandler = Create(
            "CBG0005",
            "Two handlers for one event in one class",
            "'{0}' already has a handler for '{1}'; a class has at most one handler per event",
            DiagnosticSeverity.Error,
            "One class handles an event with one method; which of two would run is not something to leave to declaration order.");

        /// <summary>CBG0006: a Callback subclass has an event-named method without [Callback].</summary>
        public static readonly DiagnosticDescriptor EventNamedMethodWithoutAttribute = Create(
            "CBG0006",
            "Event-named method without [Callback] never runs",
            "'{0}' is named like a training event but has no [Callback] attribute, so it never runs; add [Callback] or rename it",
            DiagnosticSeverity.Warning,
            "Only [Callback] methods are dispatched: fastai finds handlers by name, CallbackGen by attribute.");

        /// <summary>CBG0007: an [Annealer] method has the wrong shape.</summary>
        public static readonly DiagnosticDescriptor InvalidAnnealer = Create(
            "CBG0007",
            "Invalid [Annealer] shape",
            "Annealer '{0}' {1}; an annealer is a static method returning double whose last parameter is the double position, after at least one other parameter, in a static partial class",
            DiagnosticSeverity.Error,
            "The generator turns 'double F(a, …, double pos)' into 'Schedule F(a, …)'; any other shape cannot be partially applied into a Schedule.");

        /// <summary>CBG0008: the generated Schedule overload would collide with an existing member.</summary>
        public static readonly DiagnosticDescriptor GeneratedOverloadCollides = Create(
            "CBG0008",
            "Generated Schedule overload collides with an existing member",
            "The generated 'Schedule {0}' of annealer '{1}' would collide with the existing '{2}'; rename one of them",
            DiagnosticSeverity.Error,
            "The generator adds 'Schedule F(all parameters but the position)'; a member with that signature already exists, so the factory is not generated.");

        /// <summary>CBG0009: a handler reads learner state at an event where it does not hold the current value yet.</summary>
        public static readonly DiagnosticDescriptor StateReadBeforeItExists = Create(
            "CBG0009",
            "Batch state read before it exists",
            "'{0}' holds {1} from {2} on; in {3} {4}",
            DiagnosticSeverity.Warning,
            "Each piece of batch and epoch state is set at one moment of the loop (Xb and Yb at BeforeBatch, Pred at AfterPred, Loss at AfterLoss, gradients at AfterBackward, TrainStats at AfterTrain, ValidStats at AfterValidate). Read earlier, it is null or still holds an earlier batch's value.");

        /// <summary>CBG0010: a cancel exception thrown from an event where no scope of its kind is open.</summary>
        public static readonly DiagnosticDescriptor CancelNothingCatches = Create(
            "CBG0010",
            "Cancel exception that nothing will catch",
            "'{0}' thrown from {1} is caught by nothing: the learner turns it into an InvalidOperationException; it can be thrown only from {2}",
            DiagnosticSeverity.Error,
            "A cancel exception is caught only by the scope of its own phase, which spans the phase's Before event and everything inside the phase, not its AfterCancel and After events.");

        /// <summary>CBG0011: an event-named method declared override, with no virtual to override (reported by the generator).</summary>
        public static readonly DiagnosticDescriptor OverrideStyleHandler = Create(
            "CBG0011",
            "Event handler declared 'override'",
            "'{0}' is declared 'override', but Callback has no virtual '{0}' to override; CallbackGen handlers are [Callback] methods: remove 'override' and add [Callback]",
            DiagnosticSeverity.Error,
            "Keras and Lightning callbacks override hook methods; CallbackGen dispatches methods marked [Callback], named after the event. The compiler reports CS0115 and suppresses analyzers, so the generator reports this one.");

        /// <summary>CBG0012: a handler writes learner state at an event where the loop never reads the written value.</summary>
        public static readonly DiagnosticDescriptor WriteChangesNothing = Create(
            "CBG0012",
            "A write that changes nothing",
            "Writing '{0}' in {1} changes nothing: the loop uses a new '{0}' only when it is written in {2}",
            DiagnosticSeverity.Warning,
            "The model reads Xb and Yb after BeforeBatch, the loss function reads Pred after AfterPred, backward reads Loss after BeforeBackward; a value written later (or outside a batch) is never used.");

        /// <summary>CBG0013: a callback field or auto-property that handlers write is neither [Checkpointed] nor [Transient].</summary>
        public static readonly DiagnosticDescriptor StateWillNotSurviveResume = Create(
            "CBG0013",
            "Callback state will not survive a resume",
            "'{0}' is written by '{1}' but is neither [Checkpointed] nor [Transient]: it will not survive a resume",
            DiagnosticSeverity.Warning,
            "A resumed fit starts from a checkpoint with a new callback instance; a field that the handlers change keeps its initial value unless it is [Checkpointed]. Mark it [Transient] when it is rebuilt each fit (a cache, a handle, a display).");

        /// <summary>CBG0014: a [Checkpointed] member the generated state cannot store.</summary>
        public static readonly DiagnosticDescriptor CheckpointedTypeNotSupported = Create(
            "CBG0014",
            "[Checkpointed] member cannot be stored",
            "[Checkpointed] member '{0}' cannot be stored: {1}. Store a supported type, or implement ICheckpointable to write this state by hand.",
            DiagnosticSeverity.Error,
            "Generated state stores bool, integer types, float, double, string, enums, TimeSpan, nullables of these, arrays, List<T> and IReadOnlyList<T> of supported types, Tensors, and records or structs whose members are all supported, in fields and auto-properties it can assign.");

        /// <summary>CBG0015: a number handed to libtorch as a TorchSharp Scalar that nothing holds.</summary>
        public static readonly DiagnosticDescriptor ScalarNotHeld = Create(
            "CBG0015",
            "TorchSharp Scalar that nothing holds",
            "{0} makes a TorchSharp Scalar that nothing holds: a garbage collection started by another thread can free it while libtorch reads it; {1}",
            DiagnosticSeverity.Warning,
            "TorchSharp 0.107 turns numbers into Scalars (implicitly, in Tensor.add(Tensor) and the tensor operators, and in ToSingle/ToDouble reads), passes their handles to libtorch and keeps no reference, so the Scalar can be finalized during the native call when another thread of the process starts a collection. Hold each number in a Scalar you dispose after the call, and read values with item<T>(). Reported in [Callback] handlers; set callbackgen_cbg0015_scope = all in .editorconfig to check all code.");

        private static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity, string description) =>
            new DiagnosticDescriptor(
                id,
                title,
                message,
                Category,
                severity,
                isEnabledByDefault: true,
                description: description,
                helpLinkUri: HelpLinkBase + id + ".md");
    }
}
