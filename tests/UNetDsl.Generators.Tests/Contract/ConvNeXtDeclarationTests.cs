using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Contract;

/// <summary>
/// <c>Block = BlockKind.ConvNeXt</c> as the declaration checks and the parser see it: its default kernel, UNET0019 and
/// UNET0020, and UNET0007 for its depthwise kernel. Only the declaration's rules are asserted here (by ID), not what the
/// shape engine or the emitters make of a valid ConvNeXt network.
/// </summary>
public class ConvNeXtDeclarationTests
{
    private const string Prefix = "using UNetDsl;\n\nnamespace Test;\n\n";

    /// <summary>The IDs of the declaration rules about ConvNeXt, and of those a valid ConvNeXt declaration must not raise.</summary>
    private static readonly string[] s_ruleIds = { "UNET0007", "UNET0012", "UNET0019", "UNET0020" };

    private static Diagnostic[] Rules(GeneratorOutcome outcome) => outcome.GeneratorDiagnostics.Where(d => s_ruleIds.Contains(d.Id)).ToArray();

    [Fact]
    public void ConvNeXt_takes_a_kernel_of_7_when_the_network_sets_none()
    {
        var spec = ParsedSpecs.Parse("[UNet(1, 2, Block = BlockKind.ConvNeXt)]\n[Level(8)]\n[Bottleneck(16)]\npublic partial class Net { }");

        Assert.Equal(UNetDsl.Generators.Model.BlockKind.ConvNeXt, spec.Block);
        Assert.Equal(7, spec.KernelSize);
        Assert.Equal(DeclarationDefaults.ConvNeXtKernelSize, spec.KernelSize);
        Assert.True(spec.Kernel.IsEmpty);

        // A level without its own kernel takes the network's.
        Assert.Equal(0, spec.Levels[0].KernelSize);
    }

    [Theory]
    [InlineData("Block = BlockKind.ConvNeXt, KernelSize = 5", 5)]
    [InlineData("Block = BlockKind.ConvNeXt, KernelSize = 3", 3)]
    [InlineData("Block = BlockKind.ConvNeXt, Kernel = new[] { 3, 7 }", 3)]
    [InlineData("Block = BlockKind.Residual", 3)]
    [InlineData("Block = BlockKind.Plain", 3)]
    public void A_declared_kernel_or_another_block_keeps_the_declared_or_usual_kernel(string arguments, int kernelSize)
    {
        var spec = ParsedSpecs.Parse("[UNet(1, 2, " + arguments + ")]\n[Level(8)]\n[Bottleneck(16)]\npublic partial class Net { }");

        Assert.Equal(kernelSize, spec.KernelSize);
    }

    [Fact]
    public void A_valid_ConvNeXt_declaration_breaks_no_declaration_rule()
    {
        var outcome = GeneratorHarness.Run(Prefix + "[UNet(1, 2, Block = BlockKind.ConvNeXt)]\n[Level(8)]\n[Level(16, KernelSize = 5)]\n[Bottleneck(32)]\npublic partial class Net { }");

        Assert.Empty(Rules(outcome));
        Assert.Null(outcome.GeneratorException);
    }

    [Fact]
    public void ConvNeXt_with_Conditioning_is_UNET0019_on_the_Block_argument()
    {
        var outcome = GeneratorHarness.Run(Prefix + "[UNet(1, 2, Normalization = Normalization.Group, Block = BlockKind.ConvNeXt)]\n[Conditioning(ContextChannels = 8)]\n[Level(16)]\n[Bottleneck(32)]\npublic partial class Net { }");

        // The arguments UNET0020 would name are the conditional U-Net's own: no warning comes with the error.
        var diagnostic = Assert.Single(Rules(outcome));
        Assert.Equal("UNET0019", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal("Block = BlockKind.ConvNeXt", GeneratorHarness.LocatedText(diagnostic));
        Assert.Equal(new LinePosition(4, 49), diagnostic.Location.GetLineSpan().StartLinePosition);
        Assert.Contains("[Conditioning]", diagnostic.GetMessage(CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
        Assert.Empty(outcome.HintNames);
    }

    [Fact]
    public void Normalization_NormGroups_and_Activation_with_ConvNeXt_are_each_UNET0020_on_the_argument()
    {
        var outcome = GeneratorHarness.Run(Prefix + "[UNet(1, 2, Block = BlockKind.ConvNeXt, Normalization = Normalization.Batch, NormGroups = 4, Activation = Activation.GELU)]\n[Level(8)]\n[Bottleneck(16)]\npublic partial class Net { }");

        var warnings = Rules(outcome);
        Assert.Equal(new[] { "UNET0020", "UNET0020", "UNET0020" }, warnings.Select(d => d.Id));
        Assert.All(warnings, d => Assert.Equal(DiagnosticSeverity.Warning, d.Severity));
        Assert.Equal(
            new[] { "Normalization = Normalization.Batch", "NormGroups = 4", "Activation = Activation.GELU" },
            warnings.Select(GeneratorHarness.LocatedText));
        Assert.Equal(
            new[] { new LinePosition(4, 40), new LinePosition(4, 77), new LinePosition(4, 93) },
            warnings.Select(d => d.Location.GetLineSpan().StartLinePosition));
        Assert.Equal(
            new[]
            {
                "Normalization has no effect with Block = BlockKind.ConvNeXt: the block normalises with its own layer norm over the channels; remove Normalization",
                "NormGroups has no effect with Block = BlockKind.ConvNeXt: the block normalises with its own layer norm over the channels; remove NormGroups",
                "Activation has no effect with Block = BlockKind.ConvNeXt: the block uses GELU; remove Activation",
            },
            warnings.Select(d => d.GetMessage(CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void An_argument_set_to_its_default_value_is_UNET0020_too()
    {
        var outcome = GeneratorHarness.Run(Prefix + "[UNet(1, 2, Block = BlockKind.ConvNeXt, Activation = Activation.ReLU)]\n[Level(8)]\n[Bottleneck(16)]\npublic partial class Net { }");

        var diagnostic = Assert.Single(Rules(outcome));
        Assert.Equal("UNET0020", diagnostic.Id);
        Assert.Equal("Activation = Activation.ReLU", GeneratorHarness.LocatedText(diagnostic));
    }

    [Theory]
    [InlineData("Block = BlockKind.Residual, Normalization = Normalization.Batch, Activation = Activation.GELU")]
    [InlineData("Normalization = Normalization.Group, NormGroups = 4")]
    public void Other_blocks_use_the_arguments_and_get_no_UNET0020(string arguments)
    {
        var outcome = GeneratorHarness.Run(Prefix + "[UNet(1, 2, " + arguments + ")]\n[Level(8)]\n[Bottleneck(16)]\npublic partial class Net { }");

        Assert.DoesNotContain(outcome.GeneratorDiagnostics, d => d.Id is "UNET0019" or "UNET0020");
    }

    [Theory]
    [InlineData("[UNet(1, 2, Block = BlockKind.ConvNeXt, KernelSize = 6)]\n[Level(8)]", "KernelSize = 6", "Kernel size 6 of the network is not allowed: 'Same' padding needs an odd kernel to keep the size; use 5 or 7")]
    [InlineData("[UNet(1, 2, Block = BlockKind.ConvNeXt)]\n[Level(8, KernelSize = 4)]", "KernelSize = 4", "Kernel size 4 of level 1 is not allowed: 'Same' padding needs an odd kernel to keep the size; use 3 or 5")]
    [InlineData("[UNet(1, 2, Block = BlockKind.ConvNeXt, Kernel = new[] { 7, 6 })]\n[Level(8)]", "6", "Kernel size 6 of the network (axis 2) is not allowed: 'Same' padding needs an odd kernel to keep the size; use 5 or 7")]
    public void An_even_depthwise_kernel_with_Same_padding_is_UNET0007(string declaration, string locatedText, string message)
    {
        var outcome = GeneratorHarness.Run(Prefix + declaration + "\n[Bottleneck(16)]\npublic partial class Net { }");

        var diagnostic = Assert.Single(Rules(outcome));
        Assert.Equal("UNET0007", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(locatedText, GeneratorHarness.LocatedText(diagnostic));
        Assert.Equal(message, diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void An_even_depthwise_kernel_with_Valid_padding_is_allowed_as_for_other_blocks()
    {
        var outcome = GeneratorHarness.Run(Prefix + "[UNet(1, 2, Block = BlockKind.ConvNeXt, Padding = ConvPadding.Valid, KernelSize = 6)]\n[Level(8)]\n[Bottleneck(16)]\npublic partial class Net { }");

        Assert.DoesNotContain(outcome.GeneratorDiagnostics, d => d.Id == "UNET0007");
    }
}
