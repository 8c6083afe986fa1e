// The one definition of the training events and phases. This file is compiled into the runtime,
// the generator and the analyzers (linked from this top-level Shared/ folder, never copied): the
// dispatcher's phase scopes and dispatch plan, the generator's period counters and the analyzers'
// event rules (CBG0001/0002, CBG0009-0012) all read it, and the generator emits the runtime's Event
// and Phase enums from it (CallbackGenerator.CatalogEmitter.cs). Tests prove docs/events.md agrees.
#nullable enable

using System.Collections.Generic;

namespace CallbackGen
{
    /// <summary>
    /// The training events, the phases that fire them (nesting, Before/After/AfterCancel events,
    /// cancel exception, firing order), and what learner state holds the current value at each event.
    /// </summary>
    internal static class EventCatalog
    {
        /// <summary>Every event; the runtime's <c>Event</c> enum is generated from this list (its ordinal is the index).</summary>
        public static readonly string[] Names =
        {
            "BeforeFit", "BeforeEpoch", "BeforeTrain", "BeforeBatch", "AfterPred", "AfterLoss",
            "BeforeBackward", "AfterBackward", "BeforeStep", "AfterStep", "AfterBatch", "AfterTrain",
            "BeforeValidate", "AfterValidate", "AfterEpoch", "AfterFit",
            "AfterCancelBatch", "AfterCancelTrain", "AfterCancelValidate", "AfterCancelEpoch",
            "AfterCancelFit", "AfterCancelBackward", "AfterCancelStep",
        };

        /// <summary>
        /// One line of XML documentation per event, in <see cref="Names"/> order: the runtime's public
        /// <c>Event</c> enum is generated from these two arrays (docs/design.md, "The phase table").
        /// </summary>
        public static readonly string[] Summaries =
        {
            "Once, before the first epoch of a fit.",
            "At the start of every epoch.",
            "Before the training phase of an epoch.",
            "Before each batch, training or validation; <c>Xb</c>/<c>Yb</c> are set.",
            "After the model's forward pass; <c>Pred</c> is set.",
            "After the loss is computed; <c>Loss</c> is set. Validation batches end here.",
            "Before the backward pass (training only).",
            "After the backward pass; gradients are available.",
            "Before the optimiser step.",
            "After the optimiser step.",
            "At the end of each batch, training or validation.",
            "After the training phase of an epoch.",
            "Before the validation phase of an epoch.",
            "After the validation phase of an epoch.",
            "At the end of every epoch.",
            "Once, at the end of a fit, also when it was cancelled.",
            "After a <see cref=\"CancelBatchException\"/> was caught.",
            "After a <see cref=\"CancelTrainException\"/> was caught.",
            "After a <see cref=\"CancelValidateException\"/> was caught.",
            "After a <see cref=\"CancelEpochException\"/> was caught.",
            "After a <see cref=\"CancelFitException\"/> was caught.",
            "After a <see cref=\"CancelBackwardException\"/> was caught.",
            "After a <see cref=\"CancelStepException\"/> was caught.",
        };

        /// <summary>Names used by the seed lesson (fastai v1 era) and the v2 event each one became.</summary>
        public static readonly string[][] SeedAliases =
        {
            new[] { "BeginFit", "BeforeFit" },
            new[] { "BeginEpoch", "BeforeEpoch" },
            new[] { "BeginValidate", "BeforeValidate" },
            new[] { "BeginBatch", "BeforeBatch" },
        };

        /// <summary>
        /// The phases; the runtime's <c>Phase</c> enum is generated from this list. Each runs as fastai's
        /// <c>_with_events</c>: <c>Before</c> and the body inside a scope that catches only the phase's
        /// own cancel exception, then <c>AfterCancel</c> (when it was caught) and <c>After</c> outside
        /// that scope. A body lists, in firing order, the events the phase fires itself (between
        /// Before and AfterCancel) and, as <c>"@Name"</c>, the phases it runs.
        /// </summary>
        public static readonly PhaseInfo[] Phases =
        {
            new PhaseInfo("Fit", "CancelFitException", trainingOnly: false, "@Epoch"),
            new PhaseInfo("Epoch", "CancelEpochException", trainingOnly: false, "@Train", "@Validate"),
            new PhaseInfo("Train", "CancelTrainException", trainingOnly: false, "@Batch"),
            new PhaseInfo("Validate", "CancelValidateException", trainingOnly: false, "@Batch"),
            // Validation batches end after AfterLoss: backward and step run in training batches only.
            new PhaseInfo("Batch", "CancelBatchException", trainingOnly: false, "AfterPred", "AfterLoss", "@Backward", "@Step"),
            new PhaseInfo("Backward", "CancelBackwardException", trainingOnly: true),
            new PhaseInfo("Step", "CancelStepException", trainingOnly: true),
        };

        /// <summary>The phase a fit runs (the root of the nesting).</summary>
        public const int FitPhase = 0;

        /// <summary>
        /// The learner state whose value belongs to a moment of the loop: from which event it holds
        /// the current value, for how long (the phase whose run it belongs to), and at which events
        /// a handler's write to it takes effect (null: it has no setter a handler may use).
        /// </summary>
        public static readonly StateInfo[] States =
        {
            new StateInfo("Xb", "the current batch's inputs", "BeforeBatch", "Batch", "BeforeBatch"),
            new StateInfo("Yb", "the current batch's targets", "BeforeBatch", "Batch", "BeforeBatch"),
            new StateInfo("Pred", "the current batch's predictions", "AfterPred", "Batch", "AfterPred"),
            // AfterBackward: a loss scaled for backward (gradient accumulation) is put back there for
            // the metrics and loggers that read it later in the batch.
            new StateInfo("Loss", "the current batch's loss", "AfterLoss", "Batch", "AfterLoss", "BeforeBackward", "AfterBackward"),
            new StateInfo("grad", "the current batch's gradients", "AfterBackward", "Batch"),
            // Set once per epoch and kept to the end of the fit (AfterFit reads the last epoch's).
            new StateInfo("TrainStats", "the epoch's training averages", "AfterTrain", "Fit"),
            new StateInfo("ValidStats", "the epoch's validation averages", "AfterValidate", "Fit"),
        };

        /// <summary>Every place an event fires in one fit with one epoch, in firing order (see <see cref="Occurrence"/>).</summary>
        public static readonly Occurrence[] Walk;

        /// <summary>
        /// Each event once, where the loop first reaches it, with its nesting depth: the rows of the
        /// dispatch plan. (Validation batches fire the same batch events as training ones.)
        /// </summary>
        public static readonly Occurrence[] LoopOrder;

        /// <summary>Events that fire once per fit: a period (<c>Every</c>) means nothing for them.</summary>
        public static readonly string[] FitEvents;

        /// <summary>
        /// Events that fire once per epoch (the epoch and its train and validate phases): a period
        /// counts epochs. Every other event fires once per batch, and its period counts batches.
        /// </summary>
        public static readonly string[] EpochEvents;

        static EventCatalog()
        {
            var walk = new List<Occurrence>();
            int runs = 0;
            var none = new int[Phases.Length];
            for (int i = 0; i < none.Length; i++)
            {
                none[i] = -1;
            }

            WalkPhase(FitPhase, 0, null, none, 0, walk, ref runs);
            Walk = walk.ToArray();

            var first = new List<Occurrence>();
            var seen = new bool[Names.Length];
            foreach (Occurrence o in Walk)
            {
                if (!seen[o.Event])
                {
                    seen[o.Event] = true;
                    first.Add(o);
                }
            }

            LoopOrder = first.ToArray();
            FitEvents = EventsOfLevel(p => p == FitPhase);
            EpochEvents = EventsOfLevel(p => p != FitPhase && !IsBatchLevel(p));
        }

        /// <summary>The ordinal of <paramref name="name"/>, or -1 when it is not an event.</summary>
        public static int IndexOf(string name)
        {
            for (int i = 0; i < Names.Length; i++)
            {
                if (string.Equals(Names[i], name, System.StringComparison.Ordinal))
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>The v2 name for a seed name, or null when <paramref name="name"/> is not a seed name.</summary>
        public static string? ModernNameOf(string name)
        {
            foreach (string[] pair in SeedAliases)
            {
                if (string.Equals(pair[0], name, System.StringComparison.Ordinal))
                {
                    return pair[1];
                }
            }

            return null;
        }

        /// <summary>The index of the phase named <paramref name="name"/>, or -1.</summary>
        public static int PhaseIndexOf(string name)
        {
            for (int i = 0; i < Phases.Length; i++)
            {
                if (string.Equals(Phases[i].Name, name, System.StringComparison.Ordinal))
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>The index of the phase whose cancel exception has the simple name <paramref name="exceptionName"/>, or -1.</summary>
        public static int PhaseOfCancel(string exceptionName)
        {
            for (int i = 0; i < Phases.Length; i++)
            {
                if (string.Equals(Phases[i].CancelException, exceptionName, System.StringComparison.Ordinal))
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>
        /// True when a cancel exception of phase <paramref name="phase"/> thrown by a handler of
        /// <paramref name="eventIndex"/> can be caught: the event fires inside that phase's scope in
        /// at least one place (for example <c>BeforeBatch</c> inside a training batch for
        /// <c>CancelTrainException</c>). Where it cannot, the runtime reports a usage error (CBG0010).
        /// </summary>
        public static bool IsCaught(int phase, int eventIndex)
        {
            foreach (Occurrence o in Walk)
            {
                if (o.Event == eventIndex && o.IsInScope(phase))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The events from which a cancel exception of <paramref name="phase"/> is caught, in loop order.</summary>
        public static string[] EventsCatching(int phase)
        {
            var result = new List<string>();
            foreach (Occurrence o in LoopOrder)
            {
                if (IsCaught(phase, o.Event))
                {
                    result.Add(Names[o.Event]);
                }
            }

            return result.ToArray();
        }

        /// <summary>The state named <paramref name="name"/>, or null.</summary>
        public static StateInfo? StateNamed(string name)
        {
            foreach (StateInfo s in States)
            {
                if (string.Equals(s.Name, name, System.StringComparison.Ordinal))
                {
                    return s;
                }
            }

            return null;
        }

        /// <summary>
        /// True when <paramref name="state"/> holds its current value at <paramref name="eventIndex"/>
        /// in at least one place the event fires: at or after the event that sets it, within the
        /// same run of the phase it belongs to.
        /// </summary>
        public static bool HoldsCurrentValue(StateInfo state, int eventIndex)
        {
            int lifetime = PhaseIndexOf(state.Lifetime);
            int from = IndexOf(state.ValidFrom);
            for (int i = 0; i < Walk.Length; i++)
            {
                if (Walk[i].Event != eventIndex)
                {
                    continue;
                }

                for (int j = 0; j <= i; j++)
                {
                    if (Walk[j].Event == from && Walk[j].Instances[lifetime] >= 0 && Walk[j].Instances[lifetime] == Walk[i].Instances[lifetime])
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>
        /// True when <paramref name="eventIndex"/> fires only outside every run of the phase that
        /// <paramref name="state"/> belongs to (<c>Xb</c> in <c>AfterEpoch</c>: there is no batch).
        /// </summary>
        public static bool IsOutsideLifetime(StateInfo state, int eventIndex)
        {
            int lifetime = PhaseIndexOf(state.Lifetime);
            foreach (Occurrence o in Walk)
            {
                if (o.Event == eventIndex && o.Instances[lifetime] >= 0)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>True when a handler's write to <paramref name="state"/> at <paramref name="eventIndex"/> changes what the loop uses.</summary>
        public static bool WriteTakesEffect(StateInfo state, int eventIndex)
        {
            foreach (string e in state.WritableAt)
            {
                if (IndexOf(e) == eventIndex)
                {
                    return true;
                }
            }

            return false;
        }

        // Walks one run of a phase: Before and the body inside its scope, then AfterCancel and After
        // outside it. instances[p] is the run of phase p this point belongs to (-1: none).
        private static void WalkPhase(int phase, int depth, bool? training, int[] instances, int scopes, List<Occurrence> walk, ref int runs)
        {
            PhaseInfo p = Phases[phase];
            var mine = (int[])instances.Clone();
            mine[phase] = runs++;
            int inScope = scopes | (1 << phase);
            if (p.Name == "Train")
            {
                training = true;
            }
            else if (p.Name == "Validate")
            {
                training = false;
            }

            walk.Add(new Occurrence(IndexOf(p.Before), depth, inScope, mine, training));
            foreach (string item in p.Body)
            {
                if (item[0] == '@')
                {
                    int child = PhaseIndexOf(item.Substring(1));
                    if (Phases[child].TrainingOnly && training != true)
                    {
                        continue;
                    }

                    WalkPhase(child, depth + 1, training, mine, inScope, walk, ref runs);
                }
                else
                {
                    walk.Add(new Occurrence(IndexOf(item), depth + 1, inScope, mine, training));
                }
            }

            walk.Add(new Occurrence(IndexOf(p.AfterCancel), depth, scopes, mine, training));
            walk.Add(new Occurrence(IndexOf(p.After), depth, scopes, mine, training));
        }

        private static bool IsBatchLevel(int phase)
        {
            for (int p = phase; p >= 0; p = ParentOf(p))
            {
                if (Phases[p].Name == "Batch")
                {
                    return true;
                }
            }

            return false;
        }

        private static int ParentOf(int phase)
        {
            string item = "@" + Phases[phase].Name;
            for (int p = 0; p < Phases.Length; p++)
            {
                if (System.Array.IndexOf(Phases[p].Body, item) >= 0)
                {
                    return p;
                }
            }

            return -1;
        }

        // The events fired by phases matching the predicate, themselves or in their bodies.
        private static string[] EventsOfLevel(System.Func<int, bool> level)
        {
            var result = new List<string>();
            foreach (Occurrence o in LoopOrder)
            {
                int owner = OwnerOf(o.Event);
                if (owner >= 0 && level(owner))
                {
                    result.Add(Names[o.Event]);
                }
            }

            return result.ToArray();
        }

        // The phase that fires an event: its own Before/After/AfterCancel, or a body event.
        private static int OwnerOf(int eventIndex)
        {
            string name = Names[eventIndex];
            for (int p = 0; p < Phases.Length; p++)
            {
                PhaseInfo info = Phases[p];
                if (info.Before == name || info.After == name || info.AfterCancel == name || System.Array.IndexOf(info.Body, name) >= 0)
                {
                    return p;
                }
            }

            return -1;
        }
    }

    /// <summary>One phase of the loop: its events, its cancel exception and what its body runs.</summary>
    internal sealed class PhaseInfo
    {
        public PhaseInfo(string name, string cancelException, bool trainingOnly, params string[] body)
        {
            Name = name;
            CancelException = cancelException;
            TrainingOnly = trainingOnly;
            Body = body;
        }

        /// <summary>The phase's name (<c>Batch</c>); its events are named after it.</summary>
        public string Name { get; }

        /// <summary>The event fired first, inside the cancel scope.</summary>
        public string Before => "Before" + Name;

        /// <summary>The event fired last, outside the cancel scope, also after a cancel.</summary>
        public string After => "After" + Name;

        /// <summary>The event fired when the phase's cancel exception was caught, before <see cref="After"/>.</summary>
        public string AfterCancel => "AfterCancel" + Name;

        /// <summary>The simple name of the exception type that cancels the phase (namespace <c>CallbackGen</c>).</summary>
        public string CancelException { get; }

        /// <summary>True when the phase runs in training batches only (not in validation).</summary>
        public bool TrainingOnly { get; }

        /// <summary>Events the phase fires itself and nested phases (<c>"@Name"</c>), in firing order.</summary>
        public string[] Body { get; }
    }

    /// <summary>One place an event fires in a fit: where it is nested, and which cancel scopes are open there.</summary>
    internal sealed class Occurrence
    {
        public Occurrence(int eventIndex, int depth, int scopes, int[] instances, bool? training)
        {
            Event = eventIndex;
            Depth = depth;
            Scopes = scopes;
            Instances = instances;
            Training = training;
        }

        /// <summary>The event's ordinal.</summary>
        public int Event { get; }

        /// <summary>How deeply it is nested (0: fit level), for the dispatch plan.</summary>
        public int Depth { get; }

        /// <summary>A bit per phase whose cancel scope is open here.</summary>
        public int Scopes { get; }

        /// <summary>Per phase, which run of it this occurrence belongs to (-1: none), counting its After events.</summary>
        public int[] Instances { get; }

        /// <summary>True in the training phase, false in validation, null at fit and epoch level.</summary>
        public bool? Training { get; }

        /// <summary>True when the cancel scope of <paramref name="phase"/> is open here.</summary>
        public bool IsInScope(int phase) => (Scopes & (1 << phase)) != 0;
    }

    /// <summary>A piece of learner state tied to a moment of the loop (see <see cref="EventCatalog.States"/>).</summary>
    internal sealed class StateInfo
    {
        public StateInfo(string name, string description, string validFrom, string lifetime, params string[] writableAt)
        {
            Name = name;
            Description = description;
            ValidFrom = validFrom;
            Lifetime = lifetime;
            WritableAt = writableAt;
        }

        /// <summary>The member's name (<c>Loss</c>, on <c>Callback</c> and <c>Learner</c>; <c>grad</c> on a tensor).</summary>
        public string Name { get; }

        /// <summary>What the current value is, for messages ("the current batch's loss").</summary>
        public string Description { get; }

        /// <summary>The event from which it holds the current value.</summary>
        public string ValidFrom { get; }

        /// <summary>The phase whose run the value belongs to: it is current until that run ends.</summary>
        public string Lifetime { get; }

        /// <summary>The events at which a write changes what the loop uses next; empty when not checked.</summary>
        public string[] WritableAt { get; }
    }
}
