using System.Linq;
using System.Threading.Tasks;
using UNetDsl.CodeFixes.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.CodeFixes.Tests;

/// <summary>UNET0008 and UNET0015: the fix sets NormGroups or Heads to the nearest divisor of the channels.</summary>
public class DivisorCountFixTests
{
    private static string Grouped(string unet, string levels) =>
        "using UNetDsl;\n\nnamespace Test;\n\n[UNet(" + unet + ")]\n" + levels + "\npublic partial class Net { }\n";

    // Conditional U-Net: attention at level 1 (16 channels) and the bottleneck (32): heads must divide 16.
    private static string Denoiser(string conditioning) =>
        "using UNetDsl;\n\nnamespace Test;\n\n[UNet(1, 1, Normalization = Normalization.Group, NormGroups = 4)]\n"
        + "[Conditioning(" + conditioning + ")]\n[Level(16)]\n[Bottleneck(32)]\npublic partial class Denoiser { }\n";

    private const string GroupNorm = "1, 2, Normalization = Normalization.Group";

    // The first value of a row says what the case is; the test does not read it.
    [Theory]
    [InlineData("3 groups over 64 and 128 channels become 2", ", NormGroups = 3", "[Level(64)]\n[Bottleneck(128)]", 2, 0, "Use NormGroups = 2 (nearest divisor below)", ", NormGroups = 2")]
    [InlineData("3 groups over 64 and 128 channels become 4", ", NormGroups = 3", "[Level(64)]\n[Bottleneck(128)]", 2, 1, "Use NormGroups = 4 (nearest divisor above)", ", NormGroups = 4")]
    // Every convolution has a multiple of 32 channels; 48 groups is more than 32, so only 32 (below) works.
    [InlineData("more groups than divisors: only the one below", ", NormGroups = 48", "[Level(32)]\n[Bottleneck(64)]", 1, 0, "Use NormGroups = 32 (nearest divisor below)", ", NormGroups = 32")]
    // NormGroups is left at its default 8, which does not divide 12: the diagnostic is on [UNet], the fix adds the argument.
    [InlineData("default group count written as named argument", "", "[Level(12)]\n[Bottleneck(24)]", 2, 0, "Use NormGroups = 6 (nearest divisor below)", ", NormGroups = 6")]
    public async Task Group_count_becomes_the_chosen_divisor(string _, string declared, string levels, int actionCount, int choice, string title, string written)
    {
        await AssertFix(
            Grouped(GroupNorm + declared, levels),
            "UNET0008", new DivisorCountCodeFixProvider(), actionCount, choice, title,
            Grouped(GroupNorm + written, levels));
    }

    [Theory]
    [InlineData(0, "Use Heads = 2 (nearest divisor below)", "Heads = 2")]
    [InlineData(1, "Use Heads = 4 (nearest divisor above)", "Heads = 4")]
    public async Task Three_heads_over_16_channels_become_2_or_4(int choice, string title, string written)
    {
        await AssertFix(
            Denoiser("Heads = 3, AttentionLevels = new[] { 1 }"),
            "UNET0015", new DivisorCountCodeFixProvider(), 2, choice, title,
            Denoiser(written + ", AttentionLevels = new[] { 1 }"));
    }

    private static async Task AssertFix(string source, string id, Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider provider, int actionCount, int choice, string title, string expected)
    {
        using var scenario = FixScenario.Create(source);
        var diagnostic = await scenario.DiagnosticAsync(id);
        var actions = await scenario.ActionsAsync(provider, diagnostic);

        Assert.Equal(actionCount, actions.Count);
        var action = actions[choice];
        Assert.Equal(title, action.Title);

        var fixedDocument = await scenario.ApplyAsync(action);
        Assert.Equal(expected, await FixScenario.TextAsync(fixedDocument));

        var after = await FixScenario.GeneratorDiagnosticsAsync(fixedDocument);
        Assert.DoesNotContain(after, d => d.Id == id);
        Assert.Empty(after.Select(d => d.Id + ": " + d.GetMessage()));
    }
}
