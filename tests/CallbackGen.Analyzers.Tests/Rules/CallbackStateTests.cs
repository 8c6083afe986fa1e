using static CallbackGen.Analyzers.Tests.Infrastructure.DiagnosticVerifier;

namespace CallbackGen.Analyzers.Tests.Rules;

/// <summary>CBG0013: state a handler writes that nothing checkpoints; CBG0014: [Checkpointed] state that cannot be stored.</summary>
public sealed class CallbackStateTests
{
    private const string Lost = "is neither [Checkpointed] nor [Transient]: it will not survive a resume";

    [Fact]
    public void A_field_and_an_auto_property_written_by_handlers_are_warnings_once_each()
    {
        Verify(
            """
            using CallbackGen;
            public partial class Meter : Callback
            {
                private int [|batches|];
                public double [|Best|] { get; private set; }

                [Callback] private void AfterBatch() { batches++; batches += 1; Best = batches; }
                [Callback] private void AfterFit() => Reset();
                private void Reset() => batches = 0;
            }
            """,
            Diagnostic("CBG0013", $"'batches' is written by 'AfterBatch' but {Lost}"),
            Diagnostic("CBG0013", $"'Best' is written by 'AfterBatch' but {Lost}"));
    }

    [Fact]
    public void Annotated_constructor_only_readonly_and_transient_class_members_give_nothing()
    {
        VerifyClean(
            """
            using System.Collections.Generic;
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Checkpointed] private int batches;
                [Transient] private string? lastLine;
                private readonly List<double> seen = new();
                private readonly int every;
                private int setOnce;

                public Meter(int every) { this.every = every; setOnce = every; }

                [Callback] private void AfterBatch() { batches++; lastLine = batches.ToString(); seen.Add(every); }
            }

            [Transient]
            public partial class Display : Callback
            {
                private int lines;
                [Callback] private void AfterEpoch() => lines++;
            }

            public partial class HandWritten : Callback, ICheckpointable
            {
                private int n;
                [Callback] private void AfterEpoch() => n++;
                public void SaveState(System.IO.BinaryWriter w) => w.Write(n);
                public void LoadState(System.IO.BinaryReader r) => n = r.ReadInt32();
            }

            public class NotACallback
            {
                private int n;
                public void Bump() => n++;
            }
            """);
    }

    [Fact]
    public void Writes_through_a_tuple_deconstruction_count()
    {
        Verify(
            """
            using CallbackGen;
            public partial class Pair : Callback
            {
                private int [|a|];
                [Checkpointed] private int b;
                [Callback] private void BeforeFit() => (a, b) = (1, 2);
            }
            """,
            Diagnostic("CBG0013", $"'a' is written by 'BeforeFit' but {Lost}"));
    }

    [Fact]
    public void An_unsupported_checkpointed_type_is_an_error_naming_the_member_and_suggesting_ICheckpointable()
    {
        Verify(
            """
            using System.Collections.Generic;
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Checkpointed] private Dictionary<string, int> [|counts|] = new();
                [Callback] private void AfterBatch() => counts["a"] = 1;
            }
            """,
            Diagnostic("CBG0014", "[Checkpointed] member 'counts' cannot be stored: its type 'System.Collections.Generic.Dictionary<string, int>' is not one generated state can store. Store a supported type, or implement ICheckpointable to write this state by hand."));
    }

    [Fact]
    public void A_record_with_an_unsupported_member_names_that_member()
    {
        Verify(
            """
            using CallbackGen;
            public record Stats(double Mean, object Tag);
            public partial class Meter : Callback
            {
                [Checkpointed] private Stats? [|stats|];
                [Callback] private void AfterBatch() => stats = new Stats(1, "x");
            }
            """,
            Diagnostic("CBG0014", "[Checkpointed] member 'stats' cannot be stored: 'Stats.Tag': its type 'object' is not one generated state can store. Store a supported type, or implement ICheckpointable to write this state by hand."));
    }

    [Fact]
    public void A_readonly_checkpointed_field_and_a_non_partial_class_are_errors()
    {
        Verify(
            """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Checkpointed] private readonly int [|frozen|] = 1;
                public int Frozen => frozen;
            }
            public class Plain : Callback
            {
                [Checkpointed] private int [|lost|];
                public int Lost => lost;
            }
            """,
            Diagnostic("CBG0014", "[Checkpointed] member 'frozen' cannot be stored: it is readonly, so a resumed run could not put the stored value back; remove 'readonly'. Store a supported type, or implement ICheckpointable to write this state by hand."),
            Diagnostic("CBG0014", "[Checkpointed] member 'lost' cannot be stored: its class 'Plain' (or a class containing it) is not partial, so no state code can be generated for it; add 'partial'. Store a supported type, or implement ICheckpointable to write this state by hand."));
    }
}
