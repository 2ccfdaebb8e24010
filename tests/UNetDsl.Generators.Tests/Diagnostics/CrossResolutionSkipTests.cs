using System.Linq;
using Microsoft.CodeAnalysis;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Diagnostics;

/// <summary>
/// A skip joins maps of one resolution: with 'Valid' padding a skip from a level at another resolution would be
/// centre-cropped to the right size but not the right scale, so it is UNET1004, as with 'Same' padding.
/// </summary>
public class CrossResolutionSkipTests
{
    private static GeneratorOutcome Run(string declaration) => GeneratorHarness.Run("using UNetDsl;\n\nnamespace Test;\n\n" + declaration);

    [Fact]
    public void A_valid_skip_from_a_finer_level_is_UNET1004_naming_both_resolutions()
    {
        var outcome = Run("[UNet(1, 2, Padding = ConvPadding.Valid)]\n[Level(16)]\n[Level(32, SkipFrom = 1)]\n[Bottleneck(64)]\npublic partial class Net { }");

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET1004", diagnostic.Id);
        Assert.Equal("SkipFrom = 1", GeneratorHarness.LocatedText(diagnostic));
        Assert.Equal(
            new object[] { "2", "1", "[16, 40x40]", "[16, 8x8]", "level 1 is at full resolution and level 2 at 1/2x1/2 of full resolution, and a centre crop cannot join maps of different scales", "take the skip from a level at level 2's resolution (remove SkipFrom) or use Skip = SkipKind.None without SkipFrom" },
            MessageArguments(diagnostic));
        Assert.Empty(outcome.HintNames);
    }

    [Fact]
    public void An_anisotropic_skip_across_resolutions_names_each_axis()
    {
        var outcome = Run("[UNet(1, 2, Dimensions = 3, Padding = ConvPadding.Valid)]\n[Level(4, Pool = new[] { 1, 2, 2 })]\n[Level(8)]\n[Level(8, SkipFrom = 2)]\n[Bottleneck(8)]\npublic partial class Net { }");

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET1004", diagnostic.Id);
        Assert.Equal("level 2 is at 1x1/2x1/2 of full resolution and level 3 at 1/2x1/4x1/4 of full resolution, and a centre crop cannot join maps of different scales", MessageArguments(diagnostic)[4]);
    }

    [Theory]
    [InlineData("ConvPadding.Valid")]
    [InlineData("ConvPadding.Same")]
    public void A_skip_from_another_level_at_the_same_resolution_is_valid(string padding)
    {
        // Level 1 does not pool, so level 2 sees the input at level 1's resolution: its skip can come from level 1.
        var outcome = Run("[UNet(1, 2, Padding = " + padding + ")]\n[Level(4, Pool = new[] { 1, 1 })]\n[Level(8, SkipFrom = 1)]\n[Bottleneck(8)]\npublic partial class Net { }");

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompileErrors);
        Assert.Equal(3, outcome.HintNames.Count());
    }

    internal static object?[] MessageArguments(Diagnostic diagnostic) =>
        ((System.Collections.IEnumerable)typeof(Diagnostic).GetProperty("Arguments", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(diagnostic)!).Cast<object?>().ToArray();
}
