using System.Globalization;
using System.Linq;
using UNetDsl.Generators.Model;
using UNetDsl.Generators.Shapes;
using UNetDsl.Generators.Tests.Infrastructure;
using UNetDsl.Generators.Tests.Shapes;
using Xunit;

namespace UNetDsl.Generators.Tests.Variants;

/// <summary>3D, anisotropic levels, attention gates, residual blocks and deep supervision through the shape engine.</summary>
public class VariantShapeTests
{
    /// <summary>The report the generator emits from for a valid declaration, which must build with no diagnostic.</summary>
    internal static NetworkReport Report(string declaration)
    {
        var outcome = GeneratorHarness.Run(declaration);
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompileErrors);
        var compilation = GeneratorHarness.Compile(declaration);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var input = (EmitInput)driver.GetRunResult().Results.Single().TrackedSteps[UNetGenerator.StepNames.EmitInput].Single().Outputs.Single().Value;
        return input.Report;
    }

    [Fact]
    public void Cicek_3D_unet_declaration_maps_132x132x116_to_44x44x28()
    {
        var report = Report(Declarations.Cicek3D);

        Assert.Equal(new[] { 116, 132, 132 }, report.InputSize.ToArray());
        Assert.Equal(new[] { 28, 44, 44 }, report.OutputSize.ToArray());
        Assert.All(report.Axes, rule => Assert.Equal(new AxisRule(92, 8, 88), rule));

        // The paper reports 19,069,955 parameters: Caffe convolutions with biases, batch norm without learned
        // scale and shift, up-convolutions without bias. Ours drop the conv biases that a norm makes redundant
        // (2,336 channels over 14 convs), learn the norms' scale and shift (2 x 2,336) and keep the up-conv biases
        // (512 + 256 + 128).
        const int ConvChannels = 32 + 64 + 64 + 128 + 128 + 256 + 256 + 512 + 256 + 256 + 128 + 128 + 64 + 64;
        Assert.Equal(19_069_955 - ConvChannels + (2 * ConvChannels) + 896, report.Parameters);
    }

    [Fact]
    public void Anisotropic_pooling_gives_each_axis_its_own_rule()
    {
        // Level 1 keeps the slice axis (pool 1x2x2, kernel 1x3x3); levels 2 and 3 pool all axes.
        var spec = ShapeEngineTests.Spec(
            PaddingKind.Valid,
            new[] { new[] { 8 }, new[] { 16 }, new[] { 32 } },
            new[] { 64 },
            dimensions: 3,
            level: (n, level) => n == 1 ? level with { Kernel = EquatableArray.Create(1, 3, 3), Pool = EquatableArray.Create(1, 2, 2) } : level);

        var result = DeclarationValidator.Validate(spec);

        Assert.Empty(result.Findings);
        var report = result.Report!;
        Assert.Equal(4, report.Axes[0].Step);   // D pools twice (levels 2 and 3)
        Assert.Equal(8, report.Axes[1].Step);   // H and W pool three times
        Assert.Equal(8, report.Axes[2].Step);

        // D: level 1 has 1x3x3 kernels, so D loses nothing there and is not pooled; H loses 4 and is halved.
        var input = report.InputSize;
        Assert.Equal(input[0], report.Layer("enc1").Size[0]);
        Assert.Equal(input[0], report.Layer("pool1").Size[0]);
        Assert.Equal(input[1] - 4, report.Layer("enc1").Size[1]);
        Assert.Equal((input[1] - 4) / 2, report.Layer("pool1").Size[1]);
        Assert.NotEqual(report.Axes[0].MinInput, report.Axes[1].MinInput);
    }

    [Fact]
    public void Anisotropic_odd_size_names_the_axis_and_the_factor()
    {
        var spec = ShapeEngineTests.Spec(
            PaddingKind.Same,
            new[] { new[] { 8 }, new[] { 16 } },
            new[] { 32 },
            new[] { 6, 16, 16 },
            dimensions: 3,
            level: (n, level) => n == 1 ? level with { Pool = EquatableArray.Create(1, 2, 2) } : level with { Pool = EquatableArray.Create(4, 2, 2) });

        var finding = Assert.Single(DeclarationValidator.Validate(spec).Findings);

        Assert.Equal("UNET1002", finding.Id);
        Assert.Equal("UNet.InputSize[0]", finding.Path);
        Assert.Equal("6 is not a multiple of 4 on axis D", finding.Arguments[2]);
        Assert.Equal("divide by 4", finding.Arguments[7]);
        Assert.Equal("4 or 8", finding.Arguments[5]);
    }

    [Fact]
    public void Attention_gate_parameters_are_counted_by_hand()
    {
        // One level of 4 channels with a gate of 2 intermediate channels; g is the bottleneck's 8 channels.
        var spec = ShapeEngineTests.Spec(
            PaddingKind.Same, new[] { new[] { 4 } }, new[] { 8 },
            level: (_, level) => level with { Skip = SkipJoin.AttentionGate, GateChannels = 2 });

        var report = DeclarationValidator.Validate(spec).Report!;

        // W_x: 4 -> 2 with a 2x2 stride-2 kernel, no bias; W_g: 8 -> 2 (1x1) + bias; psi: 2 -> 1 + bias.
        Assert.Equal((4 * 2 * 4) + ((8 * 2) + 2) + (2 + 1), report.Layer("gate1").Parameters);
        Assert.Equal(report.Layers.Sum(l => l.Parameters), report.Parameters);
        Assert.Equal(4 + 4, report.Layer("cat1").Channels);
    }

    [Fact]
    public void Residual_blocks_add_a_projection_where_channels_change()
    {
        var plain = DeclarationValidator.Validate(ShapeEngineTests.Spec(PaddingKind.Same, new[] { new[] { 4 } }, new[] { 8 })).Report!;
        var residual = DeclarationValidator.Validate(ShapeEngineTests.Spec(PaddingKind.Same, new[] { new[] { 4 } }, new[] { 8 }, block: UNetDsl.Generators.Model.BlockKind.Residual)).Report!;

        // Projections (1x1 with bias, no norm here): enc1 1 -> 4, bottleneck 4 -> 8, dec1 8 (concat 4 + 4) -> 4.
        Assert.Equal(plain.Parameters + ((1 * 4) + 4) + ((4 * 8) + 8) + ((8 * 4) + 4), residual.Parameters);
        Assert.Equal(plain.OutputSize, residual.OutputSize);
    }

    [Fact]
    public void Deep_supervision_heads_sit_at_their_levels()
    {
        var spec = ShapeEngineTests.Spec(
            PaddingKind.Same, new[] { new[] { 4 }, new[] { 8 }, new[] { 16 } }, new[] { 32 }, new[] { 32, 32 },
            level: (n, level) => level with { DeepSupervision = n > 1 });

        var report = DeclarationValidator.Validate(spec).Report!;

        Assert.Equal(new[] { 16, 16 }, report.Layer("head2").Size.ToArray());
        Assert.Equal(new[] { 8, 8 }, report.Layer("head3").Size.ToArray());
        Assert.Equal(2, report.Layer("head3").Channels);
        Assert.Equal((8 * 2) + 2, report.Layer("head2").Parameters);
        Assert.Equal(report.Layers.Sum(l => l.Parameters), report.Parameters);
    }

    [Fact]
    public void Receptive_field_grows_with_an_attention_gate()
    {
        var plain = DeclarationValidator.Validate(ShapeEngineTests.Spec(PaddingKind.Same, new[] { new[] { 4 } }, new[] { 8 })).Report!;
        var gated = DeclarationValidator.Validate(ShapeEngineTests.Spec(
            PaddingKind.Same, new[] { new[] { 4 } }, new[] { 8 }, level: (_, level) => level with { Skip = SkipJoin.AttentionGate })).Report!;

        // Worked by hand in ShapeEngineTests: 18 without the gate. The gate's alpha reads the coarse map at
        // neighbouring positions, which already lie inside the up path's field; so the gate must not shrink it.
        Assert.Equal(18, plain.ReceptiveField[0]);
        Assert.True(gated.ReceptiveField[0] >= 18, gated.ReceptiveField[0].ToString(CultureInfo.InvariantCulture));
    }
}
