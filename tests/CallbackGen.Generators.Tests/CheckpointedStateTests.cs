extern alias Generators;

using System.Reflection;
using CallbackGen.Generators.Tests.Infrastructure;
using CallbackGenerator = Generators::CallbackGen.Generators.CallbackGenerator;

namespace CallbackGen.Generators.Tests;

/// <summary>
/// The generated checkpoint state of [Checkpointed] members: one file per class, compared with the
/// approved files, compiling with no warning; members the analyzers refuse are left out silently.
/// </summary>
public class CheckpointedStateTests
{
    [Fact]
    public void Every_supported_kind_of_member_including_a_nested_record_and_a_tensor() => Verify("CheckpointedEveryKind", """
        using System;
        using System.Collections.Generic;
        using CallbackGen;
        using TorchSharp;

        namespace User;

        public enum Phase : byte { Warmup, Main }

        public record Point(double X, double Y);

        public record Segment(Point Start, Point? End, string Label, int[] Marks);

        public struct Window
        {
            public int Size;
            public double? Weight { get; set; }
        }

        public partial class EveryKind : Callback
        {
            [Checkpointed] private bool flag;
            [Checkpointed] private byte b;
            [Checkpointed] private sbyte sb;
            [Checkpointed] private short s;
            [Checkpointed] private ushort us;
            [Checkpointed] private int count;
            [Checkpointed] private uint ui;
            [Checkpointed] private long total;
            [Checkpointed] private ulong ul;
            [Checkpointed] private float f;
            [Checkpointed] private double best;
            [Checkpointed] private string name = "";
            [Checkpointed] private string? note;
            [Checkpointed] private Phase phase;
            [Checkpointed] private TimeSpan elapsed;
            [Checkpointed] private int? lastEpoch;
            [Checkpointed] private Phase? lastPhase;
            [Checkpointed] private double[] weights = Array.Empty<double>();
            [Checkpointed] private List<double> history = new();
            [Checkpointed] private List<string?>? labels;
            [Checkpointed] private List<double>[][] perGroup = Array.Empty<List<double>[]>();
            [Checkpointed] private IReadOnlyList<KeyValuePair<string, double>> metrics = Array.Empty<KeyValuePair<string, double>>();
            [Checkpointed] private torch.Tensor? ema;
            [Checkpointed] private Segment? segment;
            [Checkpointed] private Window window;
            [Checkpointed] public double Smoothed { get; private set; }

            [Callback] private void AfterBatch() => count++;
        }
        """);

    [Fact]
    public void Members_the_analyzers_refuse_are_left_out_and_a_class_with_none_gets_no_file()
    {
        var (result, output) = GeneratorHarness.Run("""
            using System.Collections.Generic;
            using CallbackGen;

            namespace User;

            public partial class Mixed : Callback
            {
                [Checkpointed] private int kept;
                [Checkpointed] private readonly int frozen = 1;
                [Checkpointed] private Dictionary<string, int> table = new();
                [Checkpointed] public int GetOnly { get; } = 2;
            }

            public partial class Nothing : Callback
            {
                [Checkpointed] private object? anything;
            }
            """);

        Assert.Equal(new[] { "User.Mixed.State.g.cs" }, GeneratorHarness.HintNames(result));
        string text = GeneratorHarness.Generated(result, "User.Mixed.State.g.cs");
        Assert.Contains("BeginMember(\"kept\", \"int\")", text, StringComparison.Ordinal);
        Assert.DoesNotContain("frozen", text, StringComparison.Ordinal);
        Assert.DoesNotContain("table", text, StringComparison.Ordinal);
        Assert.DoesNotContain("GetOnly", text, StringComparison.Ordinal);
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void A_derived_callback_writes_its_base_state_first_and_a_class_without_partial_gets_nothing()
    {
        var (result, output) = GeneratorHarness.Run("""
            using CallbackGen;

            namespace User;

            public partial class Base : Callback
            {
                [Checkpointed] protected int seen;
            }

            public partial class Derived : Base
            {
                [Checkpointed] private double best;
            }

            public class NotPartial : Callback
            {
                [Checkpointed] private int lost;

                public int Lost { get => lost; set => lost = value; }
            }
            """);

        GeneratorHarness.AssertCleanCompile(result, output);
        Assert.Equal(new[] { "User.Base.State.g.cs", "User.Derived.State.g.cs" }, GeneratorHarness.HintNames(result));
        Assert.Contains("base.SaveCheckpointedState(writer);", GeneratorHarness.Generated(result, "User.Derived.State.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_generated_code_attribute_carries_the_generator_version()
    {
        var (result, _) = GeneratorHarness.Run("""
            using CallbackGen;
            public partial class C : Callback { [Checkpointed] private int n; [Callback] private void AfterBatch() => n++; }
            """);
        string version = typeof(CallbackGenerator).Assembly.GetName().Version!.ToString(3);

        Assert.All(
            result.Results.SelectMany(r => r.GeneratedSources),
            s => Assert.Contains($"GeneratedCode(\"CallbackGen.Generators\", \"{version}\")", s.SourceText.ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(Snapshot.VersionPlaceholder, string.Concat(result.Results.SelectMany(r => r.GeneratedSources).Select(s => s.SourceText.ToString())), StringComparison.Ordinal);
    }

    private static void Verify(string name, string source)
    {
        var (result, output) = GeneratorHarness.Run(source);
        GeneratorHarness.AssertCleanCompile(result, output);
        Snapshot.Verify(GeneratorHarness.AllGenerated(result), name);
    }
}
