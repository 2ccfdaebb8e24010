using System;
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
        var heads = outcome.Output.GetTypeByMetadataName("Samples.Variants.VariantNet+HeadOutputs");
        Assert.NotNull(heads);
        Assert.Equal(new[] { "Level2", "Level3", "Main" }, heads!.GetMembers().OfType<Microsoft.CodeAnalysis.IPropertySymbol>().Select(p => p.Name).OrderBy(n => n, System.StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Conditioning_needs_same_padding_and_group_norm()
    {
        var outcome = GeneratorHarness.Run(Declarations.With(
            "1, 1, Padding = ConvPadding.Valid", "[Conditioning(ContextChannels = 8)]", "[Level(16)]", "[Bottleneck(32)]"));

        var diagnostics = outcome.GeneratorDiagnostics.OrderBy(d => d.Location.SourceSpan.Length).ToList();
        Assert.Equal(new[] { "UNET0014", "UNET0014" }, diagnostics.Select(d => d.Id).ToArray());
        Assert.Equal("Padding = ConvPadding.Valid", GeneratorHarness.LocatedText(diagnostics[0]));
        Assert.Equal("Padding is Valid; a conditional U-Net ([Conditioning]) needs Padding = ConvPadding.Same", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));

        // Normalization was not written: the diagnostic stands on the whole [UNet] attribute.
        Assert.StartsWith("UNet(", GeneratorHarness.LocatedText(diagnostics[1]));
        Assert.Contains("Normalization = Normalization.Group", diagnostics[1].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Heads_that_do_not_divide_the_channels_are_UNET0015_on_Heads()
    {
        var outcome = GeneratorHarness.Run(Declarations.With(
            "1, 1, Normalization = Normalization.Group, NormGroups = 4",
            "[Conditioning(Heads = 3, AttentionLevels = new[] { 1 })]",
            "[Level(16)]",
            "[Bottleneck(32)]"));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET0015", diagnostic.Id);
        Assert.Equal("Heads = 3", GeneratorHarness.LocatedText(diagnostic));
        Assert.Equal(
            "Encoder level 1 has 16 channels, which 3 attention heads cannot split evenly; use a head count that divides 16, such as 2",
            diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Attention_at_a_level_that_does_not_exist_is_UNET0012_on_the_element()
    {
        var outcome = GeneratorHarness.Run(Declarations.With(
            "1, 1, Normalization = Normalization.Group",
            "[Conditioning(AttentionLevels = new[] { 1, 3 })]",
            "[Level(16)]",
            "[Level(32)]",
            "[Bottleneck(64)]"));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET0012", diagnostic.Id);
        Assert.Equal("3", GeneratorHarness.LocatedText(diagnostic));
        Assert.Contains("there are levels 1 to 2", diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void An_attention_level_named_twice_is_UNET0012_on_the_second_element()
    {
        var outcome = GeneratorHarness.Run(Declarations.With(
            "1, 1, Normalization = Normalization.Group",
            "[Conditioning(AttentionLevels = new[] { 2, 1, 2 })]",
            "[Level(16)]",
            "[Level(32)]",
            "[Bottleneck(64)]"));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET0012", diagnostic.Id);
        Assert.Equal("2", GeneratorHarness.LocatedText(diagnostic));
        var source = diagnostic.Location.SourceTree!.GetText().ToString();
        Assert.Equal(source.IndexOf("2 })]", StringComparison.Ordinal), diagnostic.Location.SourceSpan.Start);
        Assert.Contains("level 2 is named twice; name each level once", diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void SkipFrom_on_a_level_without_a_skip_is_UNET0012()
    {
        var outcome = GeneratorHarness.Run(Declarations.With("1, 2", "[Level(8, Skip = SkipKind.None, SkipFrom = 1)]", "[Bottleneck(16)]"));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET0012", diagnostic.Id);
        Assert.Equal("SkipFrom = 1", GeneratorHarness.LocatedText(diagnostic));
        Assert.Contains("level 1 has no skip (Skip = SkipKind.None); remove SkipFrom or give the level a skip", diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Odd_time_channels_are_UNET0012()
    {
        var outcome = GeneratorHarness.Run(Declarations.With(
            "1, 1, Normalization = Normalization.Group", "[Conditioning(TimeChannels = 33)]", "[Level(16)]", "[Bottleneck(32)]"));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET0012", diagnostic.Id);
        Assert.Equal("TimeChannels = 33", GeneratorHarness.LocatedText(diagnostic));
    }

    [Fact]
    public void Conditional_declaration_compiles_with_a_three_argument_forward()
    {
        var outcome = GeneratorHarness.Run(Declarations.Denoiser);

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompileErrors);
        var type = outcome.Output.GetTypeByMetadataName("Samples.Diffusion.Denoiser")!;
        var forward = type.GetMembers("forward").OfType<Microsoft.CodeAnalysis.IMethodSymbol>().Single();
        Assert.Equal(new[] { "input", "timestep", "context" }, forward.Parameters.Select(p => p.Name).ToArray());
    }
}
