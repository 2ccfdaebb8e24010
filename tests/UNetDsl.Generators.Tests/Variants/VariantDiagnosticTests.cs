using System.Globalization;
using System.Linq;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Variants;

public class VariantDiagnosticTests
{
    [Fact]
    public void Per_axis_kernel_with_the_wrong_arity_is_UNET0013_on_the_argument()
    {
        var outcome = GeneratorHarness.Run(Declarations.With("1, 2, Dimensions = 3", "[Level(8, Kernel = new[] { 3, 3 })]", "[Bottleneck(16)]"));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET0013", diagnostic.Id);
        Assert.Equal("Kernel = new[] { 3, 3 }", GeneratorHarness.LocatedText(diagnostic));
        Assert.Equal("level 1 Kernel has 2 values; a 3D U-Net needs one per axis (3)", diagnostic.GetMessage(CultureInfo.InvariantCulture));
        Assert.Empty(outcome.HintNames);
    }

    [Fact]
    public void Zero_pooling_factor_is_UNET0006_on_the_element()
    {
        var outcome = GeneratorHarness.Run(Declarations.With("1, 2", "[Level(8, Pool = new[] { 2, 0 })]", "[Bottleneck(16)]"));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET0006", diagnostic.Id);
        Assert.Equal("0", GeneratorHarness.LocatedText(diagnostic));
        Assert.Contains("pooling factor 2", diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Gate_channels_without_a_gate_is_UNET0012()
    {
        var outcome = GeneratorHarness.Run(Declarations.With("1, 2", "[Level(8, GateChannels = 4)]", "[Bottleneck(16)]"));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET0012", diagnostic.Id);
        Assert.Equal("GateChannels = 4", GeneratorHarness.LocatedText(diagnostic));
        Assert.Contains("SkipKind.AttentionGate", diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Deep_supervision_on_level_1_is_UNET0012()
    {
        var outcome = GeneratorHarness.Run(Declarations.With("1, 2", "[Level(8, DeepSupervision = true)]", "[Bottleneck(16)]"));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET0012", diagnostic.Id);
        Assert.Equal("DeepSupervision = true", GeneratorHarness.LocatedText(diagnostic));
    }

    [Fact]
    public void Even_per_axis_kernel_with_same_padding_is_UNET0007_on_the_element()
    {
        var outcome = GeneratorHarness.Run(Declarations.With("1, 2, Kernel = new[] { 3, 4 }", "[Level(8)]", "[Bottleneck(16)]"));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET0007", diagnostic.Id);
        Assert.Equal("4", GeneratorHarness.LocatedText(diagnostic));
        Assert.Contains("use 3 or 5", diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Variant_declaration_compiles_and_has_typed_heads()
    {
        var outcome = GeneratorHarness.Run(Declarations.Variants);

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompileErrors);
        var heads = outcome.Output.GetTypeByMetadataName("Samples.Variants.VariantNetHeads");
        Assert.NotNull(heads);
        Assert.Equal(new[] { "Level2", "Level3", "Main" }, heads!.GetMembers().OfType<Microsoft.CodeAnalysis.IPropertySymbol>().Select(p => p.Name).OrderBy(n => n, System.StringComparer.Ordinal).ToArray());
    }
}
