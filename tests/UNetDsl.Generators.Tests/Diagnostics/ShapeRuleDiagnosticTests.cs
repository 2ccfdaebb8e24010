using System.Globalization;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Diagnostics;

/// <summary>UNET1005: the declared levels and skips line up for finitely many input sizes only.</summary>
public class ShapeRuleDiagnosticTests
{
    [Fact]
    public void Skip_from_a_coarser_level_that_fits_only_small_inputs_is_UNET1005_on_the_UNet_attribute()
    {
        // Per 4 pixels more input, level 1's up-sampled map grows by 4 and the skip from level 2's encoder by 2: with
        // 'Valid' padding the skip is large enough to be cropped to the map only for inputs 44 to 60. (A search that
        // found 44, 48 and 52 valid took this for the rule 44 + 4k and accepted 64, which fails at run time.)
        var outcome = GeneratorHarness.Run(Declarations.With("1, 2, Padding = ConvPadding.Valid", "[Level(1, SkipFrom = 2)]\n[Level(1)]", "[Bottleneck(1)]"));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET1005", diagnostic.Id);
        Assert.StartsWith("UNet(", GeneratorHarness.LocatedText(diagnostic));
        Assert.Equal(
            "No input size works for 'the network': level 1's skip from level 2 grows more slowly with the input than the decoder map on axis H, so only the sizes 44 to 60 (every 4) line up and larger ones cannot be cropped to it; a U-Net needs valid sizes that repeat",
            diagnostic.GetMessage(CultureInfo.InvariantCulture));
        Assert.Empty(outcome.HintNames);
    }
}
