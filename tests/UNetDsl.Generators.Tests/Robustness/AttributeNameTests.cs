using System.Linq;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Robustness;

/// <summary>The parser knows its attributes by namespace and name, compared part by part: look-alikes are ignored.</summary>
public class AttributeNameTests
{
    [Fact]
    public void Attributes_named_like_ours_in_other_namespaces_or_types_are_not_read()
    {
        var outcome = GeneratorHarness.Run(
            """
            using UNetDsl;
            namespace Other
            {
                [System.AttributeUsage(System.AttributeTargets.Class, AllowMultiple = true)]
                public sealed class LevelAttribute(int channels) : System.Attribute { }

                public static class Outer
                {
                    [System.AttributeUsage(System.AttributeTargets.Class, AllowMultiple = true)]
                    public sealed class BottleneckAttribute(int channels) : System.Attribute { }
                }
            }

            namespace UNetDsl.Inner
            {
                [System.AttributeUsage(System.AttributeTargets.Class, AllowMultiple = true)]
                public sealed class LevelAttribute(int channels) : System.Attribute { }
            }

            namespace Test
            {
                [UNet(1, 2)]
                [Level(8)]
                [Other.Level(99)]
                [UNetDsl.Inner.Level(77)]
                [Other.Outer.Bottleneck(55)]
                [Bottleneck(16)]
                public partial class Net { }
            }
            """);

        Assert.Empty(outcome.CompileErrors);
        var module = outcome.GeneratedSource("Test.Net.g.cs");
        Assert.Contains("enc1", module);
        Assert.DoesNotContain("enc2", module);
        Assert.DoesNotContain(outcome.GeneratorDiagnostics, d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        Assert.Contains("bottleneck = new global::UNetDsl.Layers.ConvBlock(\"bottleneck\", 2, 8, new int[] { 16, 16 }", module);
        Assert.DoesNotContain(new[] { "99", "77", "55" }, v => module.Contains("new int[] { " + v));
    }
}
