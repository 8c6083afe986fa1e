// The one definition of the training events. This file is compiled into the generator, the
// analyzers and the runtime (linked, not copied); a test proves the runtime's Event enum agrees.
#nullable enable

namespace CallbackGen
{
    /// <summary>The training events, their firing order, and the seed's names for some of them.</summary>
    internal static class EventCatalog
    {
        /// <summary>Every event, in the order of the runtime's <c>Event</c> enum (its ordinal is the index).</summary>
        public static readonly string[] Names =
        {
            "BeforeFit", "BeforeEpoch", "BeforeTrain", "BeforeBatch", "AfterPred", "AfterLoss",
            "BeforeBackward", "AfterBackward", "BeforeStep", "AfterStep", "AfterBatch", "AfterTrain",
            "BeforeValidate", "AfterValidate", "AfterEpoch", "AfterFit",
            "AfterCancelBatch", "AfterCancelTrain", "AfterCancelValidate", "AfterCancelEpoch",
            "AfterCancelFit", "AfterCancelBackward", "AfterCancelStep",
        };

        /// <summary>Names used by the seed lesson (fastai v1 era) and the v2 event each one became.</summary>
        public static readonly string[][] SeedAliases =
        {
            new[] { "BeginFit", "BeforeFit" },
            new[] { "BeginEpoch", "BeforeEpoch" },
            new[] { "BeginValidate", "BeforeValidate" },
            new[] { "BeginBatch", "BeforeBatch" },
        };

        /// <summary>Events that fire once per fit: a period (<c>Every</c>) means nothing for them.</summary>
        public static readonly string[] FitEvents = { "BeforeFit", "AfterFit", "AfterCancelFit" };

        /// <summary>
        /// Events that fire once per epoch (the epoch and its train and validate phases): a period
        /// counts epochs. Every other event fires once per batch, and its period counts batches.
        /// </summary>
        public static readonly string[] EpochEvents =
        {
            "BeforeEpoch", "BeforeTrain", "AfterTrain", "BeforeValidate", "AfterValidate", "AfterEpoch",
            "AfterCancelTrain", "AfterCancelValidate", "AfterCancelEpoch",
        };

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
    }
}
