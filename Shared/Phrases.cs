// Message phrasing shared by the generator and the analyzers (linked from Shared/, never copied).
#nullable enable

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace CallbackGen
{
    /// <summary>Small helpers that build diagnostic messages and properties.</summary>
    internal static class Phrases
    {
        /// <summary>"a", "a and b", "a, b and c".</summary>
        public static string Join(IReadOnlyList<string> parts) => parts.Count == 1
            ? parts[0]
            : string.Join(", ", parts.Take(parts.Count - 1)) + " and " + parts[parts.Count - 1];

        /// <summary>"a", "a or b", "a, b or c" (with the given last conjunction).</summary>
        public static string Join(IReadOnlyList<string> parts, string conjunction) => parts.Count == 1
            ? parts[0]
            : string.Join(", ", parts.Take(parts.Count - 1)) + " " + conjunction + " " + parts[parts.Count - 1];

        /// <summary>The names quoted and joined: "'A' and 'B'".</summary>
        public static string Quote(IEnumerable<string> names) => Join(names.Select(n => "'" + n + "'").ToList());

        /// <summary>A one-entry property bag for a diagnostic.</summary>
        public static ImmutableDictionary<string, string?> Properties(string key, string value) =>
            ImmutableDictionary<string, string?>.Empty.Add(key, value);
    }
}
