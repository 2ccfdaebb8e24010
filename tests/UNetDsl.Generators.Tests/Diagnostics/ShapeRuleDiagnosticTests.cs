using System.Globalization;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Diagnostics;

/// <summary>UNET1005: the declared levels and skips line up for finitely many input sizes only.</summary>
public class ShapeRuleDiagnosticTests
{
    [Fact]
    public void Skip_from_a_coarser_level_that_would_fit_only_small_inputs_is_UNET1004_on_SkipFrom()
    {
        // Per 4 pixels more input, level 1's up-sampled map grows by 4 and the skip from level 2's encoder by 2: with
        // 'Valid' padding the skip could be cropped to the map only for inputs 44 to 60 (a search that found 44, 48 and
        // 52 valid once took this for the rule 44 + 4k and accepted 64, which fails at run time). A skip from another
        // resolution is refused outright now, so the declaration fails on the argument that causes it.
        var outcome = GeneratorHarness.Run(Declarations.With("1, 2, Padding = ConvPadding.Valid", "[Level(1, SkipFrom = 2)]\n[Level(1)]", "[Bottleneck(1)]"));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET1004", diagnostic.Id);
        Assert.Equal("SkipFrom = 2", GeneratorHarness.LocatedText(diagnostic));
        Assert.Contains("level 2 is at 1/2x1/2 of full resolution and level 1 at full resolution", diagnostic.GetMessage(CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
        Assert.Empty(outcome.HintNames);
    }
}
