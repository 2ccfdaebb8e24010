using System.Linq;
using System.Threading.Tasks;
using UNetDsl.CodeFixes.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.CodeFixes.Tests;

/// <summary>UNET0001: the fix adds 'partial' right before 'class' and the generator then accepts the class.</summary>
public class MakePartialFixTests
{
    private const string Attributes = "[UNet(1, 2, Padding = ConvPadding.Valid, InputSize = new[] { 44, 44 })]\n[Level(8)]\n[Level(16)]\n[Bottleneck(32)]\n";

    [Fact]
    public async Task Public_class_becomes_public_partial()
    {
        await AssertFixed(
            "using UNetDsl;\n\nnamespace Test;\n\n" + Attributes + "public class Net\n{\n}\n",
            "using UNetDsl;\n\nnamespace Test;\n\n" + Attributes + "public partial class Net\n{\n}\n");
    }

    [Fact]
    public async Task Partial_goes_after_every_other_modifier_and_attributes_stay()
    {
        await AssertFixed(
            "using UNetDsl;\n\nnamespace Test;\n\n" + Attributes + "internal sealed class Net { }\n",
            "using UNetDsl;\n\nnamespace Test;\n\n" + Attributes + "internal sealed partial class Net { }\n");
    }

    [Fact]
    public async Task Class_without_modifiers_keeps_its_indentation_in_a_block_namespace()
    {
        await AssertFixed(
            "using UNetDsl;\n\nnamespace Test\n{\n    [UNet(1, 2)] [Level(8)]\n    [Bottleneck(16)]\n    class Net\n    {\n    }\n}\n",
            "using UNetDsl;\n\nnamespace Test\n{\n    [UNet(1, 2)] [Level(8)]\n    [Bottleneck(16)]\n    partial class Net\n    {\n    }\n}\n");
    }

    private static async Task AssertFixed(string source, string expected)
    {
        using var scenario = FixScenario.Create(source);
        var diagnostic = await scenario.DiagnosticAsync("UNET0001");
        var actions = await scenario.ActionsAsync(new MakePartialCodeFixProvider(), diagnostic);

        var action = Assert.Single(actions);
        Assert.Equal("Make 'Net' partial", action.Title);
        Assert.Equal(MakePartialCodeFixProvider.EquivalenceKey, action.EquivalenceKey);

        var fixedDocument = await scenario.ApplyAsync(action);
        Assert.Equal(expected, await FixScenario.TextAsync(fixedDocument));

        // The class now passes: no UNET0001, and nothing else from the generator either.
        var after = await FixScenario.GeneratorDiagnosticsAsync(fixedDocument);
        Assert.Empty(after.Select(d => d.Id + ": " + d.GetMessage()));
    }
}
