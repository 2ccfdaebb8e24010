using System.Linq;
using System.Threading.Tasks;
using UNetDsl.CodeFixes.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.CodeFixes.Tests;

/// <summary>UNET0001: the fix adds 'partial' right before 'class' and the generator then accepts the class.</summary>
public class MakePartialFixTests
{
    private const string Attributes = "[UNet(1, 2, Padding = ConvPadding.Valid, InputSize = new[] { 44, 44 })]\n[Level(8)]\n[Level(16)]\n[Bottleneck(32)]\n";

    private const string Head = "using UNetDsl;\n\nnamespace Test;\n\n" + Attributes;

    // The first value of a row says what the case is; the test does not read it.
    [Theory]
    [InlineData("public class becomes public partial", Head + "public class Net\n{\n}\n", Head + "public partial class Net\n{\n}\n")]
    [InlineData("partial after other modifiers, attributes stay", Head + "internal sealed class Net { }\n", Head + "internal sealed partial class Net { }\n")]
    [InlineData(
        "no modifiers: indentation kept in block namespace",
        "using UNetDsl;\n\nnamespace Test\n{\n    [UNet(1, 2)] [Level(8)]\n    [Bottleneck(16)]\n    class Net\n    {\n    }\n}\n",
        "using UNetDsl;\n\nnamespace Test\n{\n    [UNet(1, 2)] [Level(8)]\n    [Bottleneck(16)]\n    partial class Net\n    {\n    }\n}\n")]
    public async Task Partial_is_added_right_before_class(string _, string source, string expected)
    {
        await AssertFixed(source, expected);
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
