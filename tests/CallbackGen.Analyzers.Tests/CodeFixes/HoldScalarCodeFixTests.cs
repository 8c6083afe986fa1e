using CallbackGen.CodeFixes;
using Xunit.Abstractions;
using static CallbackGen.Analyzers.Tests.Infrastructure.CodeFixHarness;

namespace CallbackGen.Analyzers.Tests.CodeFixes;

/// <summary>CBG0015 fixes: hold the number in a disposed Scalar; read with item&lt;T&gt;().</summary>
public sealed class HoldScalarCodeFixTests(ITestOutputHelper output)
{
    private readonly HoldScalarCodeFixProvider provider = new();

    [Fact]
    public async Task A_number_passed_as_alpha_becomes_a_held_Scalar_before_the_statement()
    {
        const string before = """
            using CallbackGen;
            public partial class Blend : Callback
            {
                [Callback]
                private void BeforeBatch()
                {
                    // Mix the batch with itself.
                    Xb.add_(Xb, alpha: 0.5);
                }
            }
            """;
        const string after = """
            using CallbackGen;
            using TorchSharp;

            public partial class Blend : Callback
            {
                [Callback]
                private void BeforeBatch()
                {
                    // Mix the batch with itself.
                    using var alpha = 0.5.ToScalar();
                    Xb.add_(Xb, alpha: alpha);
                }
            }
            """;

        string fixedSource = await FixOneAsync(provider, before, "CBG0015");
        output.WriteLine(fixedSource);

        Assert.Equal(after, fixedSource);
        AssertCompilesClean(fixedSource);
    }

    [Fact]
    public async Task An_expression_bodied_handler_becomes_a_block_and_the_name_does_not_collide()
    {
        const string before = """
            using CallbackGen;
            using TorchSharp;
            public partial class Blend : Callback
            {
                private readonly double alpha = 0.5;

                [Callback] private void BeforeBatch() => Xb.add_(Xb, alpha: alpha);
            }
            """;

        string fixedSource = await FixOneAsync(provider, before, "CBG0015");
        output.WriteLine(fixedSource);

        Assert.Contains("using var alpha2 = alpha.ToScalar();", fixedSource, StringComparison.Ordinal);
        Assert.Contains("Xb.add_(Xb, alpha: alpha2);", fixedSource, StringComparison.Ordinal);
        AssertCompilesClean(fixedSource);
    }

    [Fact]
    public async Task A_read_through_a_Scalar_becomes_item()
    {
        const string before = """
            using CallbackGen;
            using TorchSharp;
            public partial class Meter : Callback
            {
                [Transient] public float Last { get; private set; }

                [Callback] private void AfterLoss() => Last = Loss.ToSingle();
            }
            """;

        string fixedSource = await FixOneAsync(provider, before, "CBG0015");

        Assert.Contains("Last = Loss.item<float>();", fixedSource, StringComparison.Ordinal);
        AssertCompilesClean(fixedSource);
    }
}
