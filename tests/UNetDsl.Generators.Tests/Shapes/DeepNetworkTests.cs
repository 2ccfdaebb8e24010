using System.Globalization;
using System.Linq;
using UNetDsl.Generators.Model;
using UNetDsl.Generators.Shapes;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Shapes;

/// <summary>
/// Valid sizes of deep networks: the rule is worked out arithmetically, so it has no size limit, and a valid declared
/// size is never rejected however large its period.
/// </summary>
public class DeepNetworkTests
{
    private static string Levels(int count) => string.Join("\n", Enumerable.Repeat("[Level(2)]", count));

    [Fact]
    public void Eleven_valid_levels_accept_their_valid_declared_size()
    {
        // Each level loses 4 pixels to its two 3x3 convolutions: A = 4 (2^11 - 1) = 8188, so sizes are 8188 mod 2048.
        // The bottleneck's input is (x - 8188) / 2048 and its output 4 less; each decoder level maps d to 2 d - 4, which
        // stays positive all the way up only from d = 4: the bottleneck's input is 8 and x = 8188 + 8 * 2048 = 24572.
        var outcome = GeneratorHarness.Run(Declarations.With("1, 2, Padding = ConvPadding.Valid, InputSize = new[] { 24572, 24572 }", Levels(11), "[Bottleneck(2)]"));

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompileErrors);
        var source = outcome.GeneratedSource("Test.Net.g.cs");
        Assert.Contains("new global::UNetDsl.ValidSizeRule(24572, 2048, ", source);
    }

    [Fact]
    public void Fifteen_same_levels_accept_32768()
    {
        var outcome = GeneratorHarness.Run(Declarations.With("1, 2, InputSize = new[] { 32768, 32768 }", Levels(15), "[Bottleneck(2)]"));

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompileErrors);
        Assert.Contains("new global::UNetDsl.ValidSizeRule(32768, 32768, 0),", outcome.GeneratedSource("Test.Net.g.cs"));
    }

    [Theory]
    [InlineData(1, 12)]
    [InlineData(6, 15)]
    [InlineData(11, 12)]
    [InlineData(15, 16)]
    public void Deep_rule_agrees_with_a_trace_at_and_around_its_sizes(int levels, int stepsToTry)
    {
        foreach (var padding in new[] { PaddingKind.Valid, PaddingKind.Same })
        {
            var spec = ShapeEngineTests.Spec(padding, Enumerable.Repeat(new[] { 2 }, levels).ToArray(), new[] { 2 });
            var network = ResolvedNetwork.From(spec);
            var rule = ShapeEngine.FindRule(network, 0)!.Value;
            Assert.Equal(1 << levels, rule.Step);
            for (var k = 0; k < stepsToTry; k++)
            {
                foreach (var size in new[] { rule.MinInput + (k * rule.Step) - 1, rule.MinInput + (k * rule.Step), rule.MinInput + (k * rule.Step) + 1 })
                {
                    var trace = ShapeEngine.Propagate(LayerGraph.Build(network), new[] { size }, new[] { 0 });
                    var valid = trace.Problems.Count == 0 && trace.Output is not null;
                    Assert.True(rule.IsValid(size) == valid, string.Create(CultureInfo.InvariantCulture, $"{padding} {levels} levels: size {size}, rule {rule}"));
                    if (valid)
                    {
                        Assert.Equal(size - rule.Shrink, trace.Output![0]);
                    }
                }
            }
        }
    }
}
