using System;

namespace CallbackGen.Analyzers
{
    /// <summary>Name look-ups over the shared <see cref="EventCatalog"/>.</summary>
    internal static class EventNames
    {
        /// <summary>True when <paramref name="name"/> is a (v2) training event.</summary>
        public static bool IsEvent(string name) => EventCatalog.IndexOf(name) >= 0;

        /// <summary>
        /// The event nearest to <paramref name="name"/>: edit distance with transpositions, ignoring case
        /// and underscores (so <c>after_batch</c> and <c>AfterBtach</c> both find <c>AfterBatch</c>); ties
        /// go to the smaller case-sensitive distance, then to the earlier event.
        /// </summary>
        public static string Nearest(string name)
        {
            string folded = Fold(name);
            string best = EventCatalog.Names[0];
            int bestFolded = int.MaxValue;
            int bestExact = int.MaxValue;
            foreach (string candidate in EventCatalog.Names)
            {
                int d = Distance(folded, Fold(candidate));
                int exact = Distance(name, candidate);
                if (d < bestFolded || (d == bestFolded && exact < bestExact))
                {
                    best = candidate;
                    bestFolded = d;
                    bestExact = exact;
                }
            }

            return best;
        }

        /// <summary>Optimal string alignment distance: insertions, deletions, substitutions, adjacent transpositions.</summary>
        internal static int Distance(string a, string b)
        {
            var d = new int[a.Length + 1, b.Length + 1];
            for (int i = 0; i <= a.Length; i++)
            {
                d[i, 0] = i;
            }

            for (int j = 0; j <= b.Length; j++)
            {
                d[0, j] = j;
            }

            for (int i = 1; i <= a.Length; i++)
            {
                for (int j = 1; j <= b.Length; j++)
                {
                    int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                    int value = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    {
                        value = Math.Min(value, d[i - 2, j - 2] + 1);
                    }

                    d[i, j] = value;
                }
            }

            return d[a.Length, b.Length];
        }

        private static string Fold(string s) => s.Replace("_", string.Empty).ToUpperInvariant();
    }
}
