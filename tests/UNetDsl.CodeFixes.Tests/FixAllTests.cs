using System.Linq;
using System.Threading.Tasks;
using UNetDsl.CodeFixes.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.CodeFixes.Tests;

/// <summary>Fix All: one equivalence key applies the same kind of fix to every matching diagnostic of the document.</summary>
public class FixAllTests
{
    private const string Levels = "[Level(64)] [Level(128)] [Level(256)] [Level(512)]\n[Bottleneck(1024)]\n";

    [Fact]
    public async Task Every_class_in_the_document_becomes_partial()
    {
        const string Source = "using UNetDsl;\n\nnamespace Test;\n\n[UNet(1, 2)]\n[Level(8)]\n[Bottleneck(16)]\npublic class First { }\n\n"
            + "[UNet(1, 2)]\n[Level(8)]\n[Bottleneck(16)]\ninternal sealed class Second { }\n";
        using var scenario = FixScenario.Create(Source);
        Assert.Equal(2, (await FixScenario.GeneratorDiagnosticsAsync(scenario.Document)).Count(d => d.Id == "UNET0001"));

        var fixedDocument = await scenario.FixAllInDocumentAsync(new MakePartialCodeFixProvider(), "UNET0001", MakePartialCodeFixProvider.EquivalenceKey);

        Assert.Equal(Source.Replace("public class First", "public partial class First").Replace("sealed class Second", "sealed partial class Second"), await FixScenario.TextAsync(fixedDocument));
        Assert.Empty(await FixScenario.GeneratorDiagnosticsAsync(fixedDocument));
    }

    [Fact]
    public async Task Nearest_above_fixes_each_class_on_its_own_axis()
    {
        var source = "using UNetDsl;\n\nnamespace Test;\n\n[UNet(1, 2, Padding = ConvPadding.Valid, InputSize = new[] { 572, 570 })]\n" + Levels + "public partial class Wide { }\n\n"
            + "[UNet(1, 2, Padding = ConvPadding.Valid, InputSize = new[] { 190, 188 })]\n" + Levels + "public partial class Tall { }\n";
        using var scenario = FixScenario.Create(source);

        var fixedDocument = await scenario.FixAllInDocumentAsync(new InputSizeCodeFixProvider(), "UNET1002", InputSizeCodeFixProvider.NearestAboveKey);

        Assert.Equal(source.Replace("{ 572, 570 }", "{ 572, 572 }").Replace("{ 190, 188 }", "{ 204, 188 }"), await FixScenario.TextAsync(fixedDocument));
        Assert.Empty(await FixScenario.GeneratorDiagnosticsAsync(fixedDocument));
    }
}
