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

    private static string Network(string network, string inputSize) => network switch
    {
        "paper" => Paper(inputSize),
        "anisotropic" => Anisotropic(inputSize),
        _ => throw new System.ArgumentOutOfRangeException(nameof(network), network, "no such network"),
    };

    // The first value of a row says what the case is; the test does not read it.
    [Theory]
    [InlineData("odd width: nearest below, width only", "paper", "new[] { 572, 570 }", "UNET1002", 2, 0, "Use input size 556 (nearest valid below)", "new[] { 572, 556 }")]
    [InlineData("odd width: nearest above, width only", "paper", "new[] { 572, 570 }", "UNET1002", 2, 1, "Use input size 572 (nearest valid above)", "new[] { 572, 572 }")]
    // D = 8 is valid (period 2); H = 30 halves once to 15, which the second pooling cannot halve (period 4).
    [InlineData("3D height on its own period: nearest below", "anisotropic", "new[] { 8, 30, 32 }", "UNET1002", 2, 0, "Use input size 28 (nearest valid below)", "new[] { 8, 28, 32 }")]
    [InlineData("3D height on its own period: nearest above", "anisotropic", "new[] { 8, 30, 32 }", "UNET1002", 2, 1, "Use input size 32 (nearest valid above)", "new[] { 8, 32, 32 }")]
    // D = 9 is odd; D is pooled once (period 2), so 8 and 10 are its neighbours, not the 4k of H and W.
    [InlineData("3D depth on the depth period: nearest below", "anisotropic", "new[] { 9, 32, 32 }", "UNET1002", 2, 0, "Use input size 8 (nearest valid below)", "new[] { 8, 32, 32 }")]
    [InlineData("3D depth on the depth period: nearest above", "anisotropic", "new[] { 9, 32, 32 }", "UNET1002", 2, 1, "Use input size 10 (nearest valid above)", "new[] { 10, 32, 32 }")]
    [InlineData("collection expression element replaced in place", "paper", "[570, 572]", "UNET1002", 2, 1, "Use input size 572 (nearest valid above)", "[572, 572]")]
    // Valid on D is 2k, on H and W 4k: the single value 30 must become a multiple of 4.
    [InlineData("one value for all axes: valid on every axis", "anisotropic", "new[] { 30 }", "UNET1002", 2, 0, "Use input size 28 (nearest valid below)", "new[] { 28 }")]
    // 100 is below the smallest valid size 188: nothing below it works.
    [InlineData("too small: only the smallest valid size", "paper", "new[] { 100, 572 }", "UNET1001", 1, 0, "Use input size 188 (nearest valid above)", "new[] { 188, 572 }")]
    public async Task Offending_element_becomes_the_chosen_valid_size(string _, string network, string declared, string id, int actionCount, int choice, string title, string fixedInput)
    {
        await AssertFix(Network(network, declared), id, actionCount, choice, title, Network(network, fixedInput));
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
