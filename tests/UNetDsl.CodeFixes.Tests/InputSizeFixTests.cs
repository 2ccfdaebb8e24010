using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using UNetDsl.CodeFixes.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.CodeFixes.Tests;

/// <summary>
/// UNET1002 and UNET1001: the fix replaces the one offending InputSize element with the nearest valid size below or
/// above, and the generator accepts the result.
/// </summary>
public class InputSizeFixTests
{
    // The paper's network: with 'Valid' padding and four 2x2 poolings the valid sizes are 188 + 16k on each axis.
    private static string Paper(string inputSize) =>
        "using UNetDsl;\n\nnamespace Test;\n\n[UNet(1, 2, Padding = ConvPadding.Valid, InputSize = " + inputSize + ")]\n"
        + "[Level(64)] [Level(128)] [Level(256)] [Level(512)]\n[Bottleneck(1024)]\npublic partial class Net { }\n";

    // 3D, 'Same' padding, level 1 pools only H and W, level 2 every axis: valid D are 2k, valid H and W are 4k.
    private static string Anisotropic(string inputSize) =>
        "using UNetDsl;\n\nnamespace Test;\n\n[UNet(1, 2, Dimensions = 3, InputSize = " + inputSize + ")]\n"
        + "[Level(8, Pool = new[] { 1, 2, 2 })]\n[Level(16)]\n[Bottleneck(32)]\npublic partial class Net3D { }\n";

    [Theory]
    [InlineData(0, "Use input size 556 (nearest valid below)", "new[] { 572, 556 }")]
    [InlineData(1, "Use input size 572 (nearest valid above)", "new[] { 572, 572 }")]
    public async Task Odd_width_offers_both_neighbours_and_changes_only_the_width(int choice, string title, string fixedInput)
    {
        await AssertFix(Paper("new[] { 572, 570 }"), "UNET1002", 2, choice, title, Paper(fixedInput));
    }

    [Theory]
    [InlineData(0, "Use input size 28 (nearest valid below)", "new[] { 8, 28, 32 }")]
    [InlineData(1, "Use input size 32 (nearest valid above)", "new[] { 8, 32, 32 }")]
    public async Task Three_d_height_not_divisible_by_its_own_pooling_period_is_fixed_on_that_axis(int choice, string title, string fixedInput)
    {
        // D = 8 is valid (period 2); H = 30 halves once to 15, which the second pooling cannot halve (period 4).
        await AssertFix(Anisotropic("new[] { 8, 30, 32 }"), "UNET1002", 2, choice, title, Anisotropic(fixedInput));
    }

    [Theory]
    [InlineData(0, "Use input size 8 (nearest valid below)", "new[] { 8, 32, 32 }")]
    [InlineData(1, "Use input size 10 (nearest valid above)", "new[] { 10, 32, 32 }")]
    public async Task Three_d_depth_uses_the_depth_period_not_the_height_period(int choice, string title, string fixedInput)
    {
        // D = 9 is odd; D is pooled once (period 2), so 8 and 10 are its neighbours, not the 4k of H and W.
        await AssertFix(Anisotropic("new[] { 9, 32, 32 }"), "UNET1002", 2, choice, title, Anisotropic(fixedInput));
    }

    [Fact]
    public async Task Collection_expression_element_is_replaced_in_place()
    {
        await AssertFix(Paper("[570, 572]"), "UNET1002", 2, 1, "Use input size 572 (nearest valid above)", Paper("[572, 572]"));
    }

    [Fact]
    public async Task One_value_for_every_axis_is_replaced_by_a_size_valid_on_every_axis()
    {
        // Valid on D is 2k, on H and W 4k: the single value 30 must become a multiple of 4.
        await AssertFix(Anisotropic("new[] { 30 }"), "UNET1002", 2, 0, "Use input size 28 (nearest valid below)", Anisotropic("new[] { 28 }"));
    }

    [Fact]
    public async Task Too_small_input_offers_only_the_smallest_valid_size()
    {
        // 100 is below the smallest valid size 188: nothing below it works.
        await AssertFix(Paper("new[] { 100, 572 }"), "UNET1001", 1, 0, "Use input size 188 (nearest valid above)", Paper("new[] { 188, 572 }"));
    }

    [Fact]
    public async Task A_diagnostic_without_the_axis_gets_no_action()
    {
        // The fix relies on the generator's data alone; without it (an older generator) it offers nothing rather than guess.
        using var scenario = FixScenario.Create(Paper("new[] { 572, 570 }"));
        var diagnostic = await scenario.DiagnosticAsync("UNET1002");
        var withoutAxis = Diagnostic.Create(diagnostic.Descriptor, diagnostic.Location, diagnostic.Properties.Remove("Axis"));

        Assert.Equal(2, (await scenario.ActionsAsync(new InputSizeCodeFixProvider(), diagnostic)).Count);
        Assert.Empty(await scenario.ActionsAsync(new InputSizeCodeFixProvider(), withoutAxis));
    }

    private static async Task AssertFix(string source, string id, int actionCount, int choice, string title, string expected)
    {
        using var scenario = FixScenario.Create(source);
        var diagnostic = await scenario.DiagnosticAsync(id);
        var actions = await scenario.ActionsAsync(new InputSizeCodeFixProvider(), diagnostic);

        Assert.Equal(actionCount, actions.Count);
        var action = actions[choice];
        Assert.Equal(title, action.Title);
        Assert.Equal(title.Contains("below") ? InputSizeCodeFixProvider.NearestBelowKey : InputSizeCodeFixProvider.NearestAboveKey, action.EquivalenceKey);

        var fixedDocument = await scenario.ApplyAsync(action);
        var text = await FixScenario.TextAsync(fixedDocument);
        Assert.Equal(expected, text);

        // The size written is the size the title names, at the place the diagnostic pointed to.
        var named = int.Parse(Regex.Match(action.Title, "size ([0-9]+)").Groups[1].Value, CultureInfo.InvariantCulture);
        var written = text.Substring(diagnostic.Location.SourceSpan.Start, named.ToString(CultureInfo.InvariantCulture).Length);
        Assert.Equal(named.ToString(CultureInfo.InvariantCulture), written);

        var after = await FixScenario.GeneratorDiagnosticsAsync(fixedDocument);
        Assert.DoesNotContain(after, d => d.Id == id);
        Assert.Empty(after.Select(d => d.Id + ": " + d.GetMessage()));
    }
}
