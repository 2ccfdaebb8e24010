using System.Globalization;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Diagnostics;

/// <summary>
/// An array argument written empty is not the same as one left out: each gets the error of a wrong count of values
/// on the argument, never the default in silence.
/// </summary>
public class EmptyArrayTests
{
    [Theory]
    [InlineData("1, 2, InputSize = new int[0]", "[Level(8)]", "[Bottleneck(16)]", "UNET0010", "InputSize = new int[0]",
        "InputSize has 0 values; a 2D U-Net needs one value per axis (2) or one for all axes")]
    [InlineData("1, 2, Dimensions = 3, InputSize = new int[] { }", "[Level(8)]", "[Bottleneck(16)]", "UNET0010", "InputSize = new int[] { }",
        "InputSize has 0 values; a 3D U-Net needs one value per axis (3) or one for all axes")]
    [InlineData("1, 2, InputSize = []", "[Level(8)]", "[Bottleneck(16)]", "UNET0010", "InputSize = []",
        "InputSize has 0 values; a 2D U-Net needs one value per axis (2) or one for all axes")]
    [InlineData("1, 2, Kernel = new int[0]", "[Level(8)]", "[Bottleneck(16)]", "UNET0013", "Kernel = new int[0]",
        "Kernel has 0 values; a 2D U-Net needs one per axis (2)")]
    [InlineData("1, 2", "[Level(8, Kernel = new int[0])]", "[Bottleneck(16)]", "UNET0013", "Kernel = new int[0]",
        "level 1 Kernel has 0 values; a 2D U-Net needs one per axis (2)")]
    [InlineData("1, 2", "[Level(8)]\n[Level(16, Pool = new int[0])]", "[Bottleneck(32)]", "UNET0013", "Pool = new int[0]",
        "Level 2 Pool has 0 values; a 2D U-Net needs one per axis (2)")]
    [InlineData("1, 2", "[Level(8)]", "[Bottleneck(16, Kernel = new int[0])]", "UNET0013", "Kernel = new int[0]",
        "the bottleneck Kernel has 0 values; a 2D U-Net needs one per axis (2)")]
    [InlineData("1, 2", "[Level(8, DecoderChannels = new int[0])]", "[Bottleneck(16)]", "UNET0012", "DecoderChannels = new int[0]",
        "an empty list is not a valid value for level 1 DecoderChannels: give at least one value, or leave DecoderChannels out for its default")]
    [InlineData("1, 2", "[Level(new int[0])]", "[Bottleneck(16)]", "UNET0012", "new int[0]",
        "an empty list is not a valid value for Level 1 channels: give at least one channel count, e.g. 64")]
    [InlineData("1, 2", "[Level(8)]", "[Bottleneck()]", "UNET0012", "Bottleneck()",
        "an empty list is not a valid value for Bottleneck channels: give at least one channel count, e.g. 64")]
    public void Empty_array_is_an_error_on_the_argument(string unet, string levels, string bottleneck, string id, string located, string message)
    {
        var outcome = GeneratorHarness.Run(Declarations.With(unet, levels, bottleneck));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(located, GeneratorHarness.LocatedText(diagnostic));
        Assert.Equal(message, diagnostic.GetMessage(CultureInfo.InvariantCulture));
        Assert.Empty(outcome.HintNames);
    }

    [Fact]
    public void Empty_attention_levels_mean_none_as_the_default_does()
    {
        var outcome = GeneratorHarness.Run(Declarations.With(
            "1, 1, Normalization = Normalization.Group, NormGroups = 8", "[Conditioning(AttentionLevels = new int[0])]\n[Level(16)]", "[Bottleneck(32)]"));

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompileErrors);
    }
}
