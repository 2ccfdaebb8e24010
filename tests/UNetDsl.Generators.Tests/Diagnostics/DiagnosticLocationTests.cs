using System.Linq;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Diagnostics;

/// <summary>Each diagnostic lands on the attribute argument (or the class name) that causes it, and comes alone.</summary>
public class DiagnosticLocationTests
{
    private const string Paper = "[Level(64)]\n[Level(128)]\n[Level(256)]\n[Level(512)]\n[Bottleneck(1024)]";

    [Theory]
    [InlineData("UNET0001", "[UNet(1, 2)]\n[Level(8)]\n[Bottleneck(16)]\npublic class Net { }", "Net")]
    [InlineData("UNET0002", "public partial class Outer\n{\n[UNet(1, 2)]\n[Level(8)]\n[Bottleneck(16)]\npublic partial class Net { }\n}", "Net")]
    [InlineData("UNET0003", "[UNet(1, 2)]\n[Level(8)]\n[Bottleneck(16)]\npublic partial class Net<T> { }", "Net")]
    [InlineData("UNET0004", "[UNet(1, 2)]\n[Level(8)]\n[Bottleneck(16)]\npublic static partial class Net { }", "Net")]
    [InlineData("UNET0005", "[UNet(1, 2)]\n[Bottleneck(16)]\npublic partial class Net { }", "Net")]
    [InlineData("UNET0006", "[UNet(0, 2)]\n[Level(8)]\n[Bottleneck(16)]\npublic partial class Net { }", "0")]
    [InlineData("UNET0006", "[UNet(1, 2, InputSize = new[] { 64, -4 })]\n[Level(8)]\n[Bottleneck(16)]\npublic partial class Net { }", "-4")]
    [InlineData("UNET0007", "[UNet(1, 2)]\n[Level(8, KernelSize = 2)]\n[Bottleneck(16)]\npublic partial class Net { }", "KernelSize = 2")]
    [InlineData("UNET0008", "[UNet(1, 2, Normalization = Normalization.Group, NormGroups = 3)]\n[Level(8)]\n[Bottleneck(16)]\npublic partial class Net { }", "NormGroups = 3")]
    [InlineData("UNET0009", "[UNet(1, 2, Dimensions = 1)]\n[Level(8)]\n[Bottleneck(16)]\npublic partial class Net { }", "Dimensions = 1")]
    [InlineData("UNET0010", "[UNet(1, 2, InputSize = new[] { 64, 64, 64 })]\n[Level(8)]\n[Bottleneck(16)]\npublic partial class Net { }", "InputSize = new[] { 64, 64, 64 }")]
    [InlineData("UNET0011", "[UNet(1, 2)]\n[Level(8)]\n[Bottleneck(16, Dropout = 1.0)]\npublic partial class Net { }", "Dropout = 1.0")]
    [InlineData("UNET0012", "[UNet(1, 2, Padding = (ConvPadding)5)]\n[Level(8)]\n[Bottleneck(16)]\npublic partial class Net { }", "Padding = (ConvPadding)5")]
    [InlineData("UNET0012", "[UNet(1, 2, Dimensions = 2, Dimensions = 3)]\n[Level(8)]\n[Bottleneck(16)]\npublic partial class Net { }", "Dimensions = 3")]
    [InlineData("UNET1001", "[UNet(1, 2, Padding = ConvPadding.Valid, InputSize = new[] { 572, 100 })]\n" + Paper + "\npublic partial class Net { }", "100")]
    [InlineData("UNET1002", "[UNet(1, 2, Padding = ConvPadding.Valid, InputSize = new[] { 570, 572 })]\n" + Paper + "\npublic partial class Net { }", "570")]
    [InlineData("UNET1002", "[UNet(1, 2, InputSize = new[] { 100 })]\n" + Paper + "\npublic partial class Net { }", "100")]
    [InlineData("UNET1003", "[UNet(1, 2)]\n[Level(8, Skip = SkipKind.Add, UpChannels = 4)]\n[Bottleneck(16)]\npublic partial class Net { }", "UpChannels = 4")]
    [InlineData("UNET1004", "[UNet(1, 2)]\n[Level(8)]\n[Level(16, SkipFrom = 1)]\n[Bottleneck(32)]\npublic partial class Net { }", "SkipFrom = 1")]
    public void Diagnostic_stands_on_its_cause_and_alone(string id, string declaration, string locatedText)
    {
        var outcome = GeneratorHarness.Run("using UNetDsl;\n\nnamespace Test;\n\n" + declaration);

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(locatedText, GeneratorHarness.LocatedText(diagnostic));
        Assert.Null(outcome.GeneratorException);
        Assert.Empty(outcome.HintNames);
    }

    [Fact]
    public void Non_constant_argument_is_UNET0012_on_the_attribute_besides_the_compilers_error()
    {
        var outcome = GeneratorHarness.Run("using UNetDsl;\n\nnamespace Test;\n\nstatic class Sizes { public static readonly int Value = 8; }\n\n[UNet(1, 2)]\n[Level(Sizes.Value)]\n[Bottleneck(16)]\npublic partial class Net { }");

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET0012", diagnostic.Id);
        Assert.Equal("Level(Sizes.Value)", GeneratorHarness.LocatedText(diagnostic));
        Assert.Contains(outcome.CompileErrors, d => d.Id == "CS0182");
    }
}
