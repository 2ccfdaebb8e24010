using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace UNetDsl.Tests.Robustness;

/// <summary>
/// One small declaration per feature of the attribute language, generated, compiled and run as the fuzz test does:
/// when a feature's compile-time parameter count, shapes or multiply-accumulates drift from what TorchSharp runs,
/// the failing case names the feature. Each case also names a fragment the generated code must contain, so that it
/// keeps exercising its feature.
/// </summary>
public class FeatureRuntimeTests : IClassFixture<FeatureRuntimeTests.CompiledFeatures>
{
    private readonly CompiledFeatures _compiled;

    public FeatureRuntimeTests(CompiledFeatures compiled) => _compiled = compiled;

    private static LevelDeclaration L(params int[] channels) => new(channels);

    /// <summary>Feature name to its declaration and a fragment of the generated source that shows the feature.</summary>
    internal static readonly Dictionary<string, (NetworkDeclaration Declaration, string Shows)> Features = new(StringComparer.Ordinal)
    {
        ["same_2d"] = (new("Same2D", 1, 2, new[] { L(4), L(8) }, new[] { 16 }), "ConvPadding.Same"),
        ["valid_2d"] = (new("Valid2D", 1, 2, new[] { L(4), L(8) }, new[] { 16 }) { Padding = ConvPadding.Valid }, "ConvPadding.Valid, "),
        ["same_3d"] = (new("Same3D", 1, 2, new[] { L(4), L(8) }, new[] { 8 }) { Dimensions = 3 }, "MaxPool(3)"),
        ["valid_3d"] = (new("Valid3D", 1, 2, new[] { L(4) }, new[] { 8 }) { Dimensions = 3, Padding = ConvPadding.Valid }, "ConvBlock(\"enc1\", 3, 1, new int[] { 4, 4 }, new int[] { 3, 3, 3 }, global::UNetDsl.ConvPadding.Valid"),
        ["three_levels"] = (new("ThreeLevels", 1, 2, new[] { L(2), L(4), L(8) }, new[] { 8 }), "dec3"),
        ["three_convs_per_level"] = (new("ThreeConvs", 1, 2, new[] { L(2, 4, 6), L(8, 8, 8) }, new[] { 4, 8 }), "new int[] { 2, 4, 6 }"),
        ["kernel_1"] = (new("Kernel1", 1, 2, new[] { L(4), L(8) }, new[] { 8 }) { KernelSize = 1 }, "new int[] { 1, 1 }"),
        ["kernel_5_same"] = (new("Kernel5Same", 1, 2, new[] { L(4), L(8) }, new[] { 8 }) { KernelSize = 5 }, "new int[] { 5, 5 }"),
        ["kernel_5_valid"] = (new("Kernel5Valid", 1, 2, new[] { L(4) }, new[] { 8 }) { KernelSize = 5, Padding = ConvPadding.Valid }, "new int[] { 5, 5 }"),
        ["level_kernel_override"] = (new("LevelKernel", 1, 2, new[] { L(4) with { KernelSize = 5 }, L(8) with { KernelSize = 1 } }, new[] { 8 }), "new int[] { 5, 5 }"),
        ["per_axis_kernel_3d"] = (new("PerAxisKernel", 1, 2, new[] { L(4), L(8) with { Kernel = new[] { 3, 1, 3 } } }, new[] { 8 }) { Dimensions = 3, Kernel = new[] { 1, 3, 3 }, Padding = ConvPadding.Valid }, "new int[] { 1, 3, 3 }"),
        ["bottleneck_kernel"] = (new("BottleneckKernel", 1, 2, new[] { L(4) }, new[] { 8 }) { BottleneckKernelSize = 1 }, "new int[] { 8, 8 }, new int[] { 1, 1 }"),
        ["batch_norm"] = (new("BatchNorm", 1, 2, new[] { L(4), L(8) }, new[] { 16 }) { Normalization = Normalization.Batch }, "Normalization.Batch"),
        ["instance_norm"] = (new("InstanceNorm", 1, 2, new[] { L(4), L(8) }, new[] { 16 }) { Normalization = Normalization.Instance }, "Normalization.Instance"),
        ["group_norm"] = (new("GroupNorm", 1, 2, new[] { L(4), L(6, 8) }, new[] { 8 }) { Normalization = Normalization.Group, NormGroups = 2 }, "Normalization.Group, 2,"),
        ["group_norm_3d"] = (new("GroupNorm3D", 1, 2, new[] { L(3, 6) }, new[] { 6 }) { Dimensions = 3, Normalization = Normalization.Group, NormGroups = 3 }, "Normalization.Group, 3,"),
        ["leaky_relu"] = (new("LeakyReLUNet", 1, 2, new[] { L(4) }, new[] { 8 }) { Activation = Activation.LeakyReLU }, "Activation.LeakyReLU"),
        ["silu"] = (new("SiLUNet", 1, 2, new[] { L(4) }, new[] { 8 }) { Activation = Activation.SiLU }, "Activation.SiLU"),
        ["gelu"] = (new("GELUNet", 1, 2, new[] { L(4) }, new[] { 8 }) { Activation = Activation.GELU }, "Activation.GELU"),
        ["bilinear_2d"] = (new("Bilinear2D", 1, 2, new[] { L(4), L(8) }, new[] { 16 }) { UpSampling = UpSampling.Bilinear }, "UpsampleConv(\"up1\", 2,"),
        ["trilinear_3d"] = (new("Trilinear3D", 1, 2, new[] { L(4) }, new[] { 8 }) { Dimensions = 3, UpSampling = UpSampling.Bilinear, Padding = ConvPadding.Valid }, "UpsampleConv(\"up1\", 3,"),
        ["attention_gate"] = (new("Gate", 1, 2, new[] { L(4) with { Skip = SkipKind.AttentionGate }, L(8) with { Skip = SkipKind.AttentionGate } }, new[] { 16 }), "AttentionGate(\"gate2\""),
        ["attention_gate_channels"] = (new("GateChannels", 1, 2, new[] { L(4) with { Skip = SkipKind.AttentionGate, GateChannels = 3 } }, new[] { 8 }), "AttentionGate(\"gate1\", 2, 4, 8, 3,"),
        ["attention_gate_valid"] = (new("GateValid", 1, 2, new[] { L(4) with { Skip = SkipKind.AttentionGate }, L(8) }, new[] { 8 }) { Padding = ConvPadding.Valid }, "DecoderJoin.Gated(up1, gate1, x, skip1)"),
        ["attention_gate_3d"] = (new("Gate3D", 1, 2, new[] { L(4) with { Skip = SkipKind.AttentionGate } }, new[] { 8 }) { Dimensions = 3 }, "AttentionGate(\"gate1\", 3,"),
        ["skip_add"] = (new("SkipAdd", 1, 2, new[] { L(4) with { Skip = SkipKind.Add }, L(8) }, new[] { 16 }), "DecoderJoin.Add(up1, x, skip1)"),
        ["skip_none"] = (new("SkipNone", 1, 2, new[] { L(4) with { Skip = SkipKind.None }, L(8) }, new[] { 16 }), "x = Consume(x, up1.call(x));"),
        ["convnext_same"] = (new("ConvNeXtSame", 1, 2, new[] { L(4), L(8) }, new[] { 8 }) { Block = BlockKind.ConvNeXt }, "ConvNeXtBlock(\"enc1\", 2, 1, new int[] { 4, 4 }, new int[] { 7, 7 }"),
        ["convnext_valid"] = (new("ConvNeXtValid", 1, 2, new[] { L(4), L(8) }, new[] { 8 }) { Block = BlockKind.ConvNeXt, Padding = ConvPadding.Valid, KernelSize = 3 }, "ConvNeXtBlock(\"dec1\", 2, 8, new int[] { 4, 4 }, new int[] { 3, 3 }, global::UNetDsl.ConvPadding.Valid"),
        ["residual_same"] = (new("ResidualSame", 1, 2, new[] { L(4), L(8) }, new[] { 8 }) { Block = BlockKind.Residual }, "true, device, dtype"),
        ["residual_valid"] = (new("ResidualValid", 1, 2, new[] { L(4), L(8) }, new[] { 16 }) { Block = BlockKind.Residual, Padding = ConvPadding.Valid }, "true, device, dtype"),
        ["residual_group_norm_3d"] = (new("ResidualGroup3D", 1, 2, new[] { L(4) }, new[] { 8 }) { Dimensions = 3, Block = BlockKind.Residual, Normalization = Normalization.Group, NormGroups = 4 }, "Normalization.Group, 4,"),
        ["decoder_channels"] = (new("DecoderChannels", 1, 2, new[] { L(4) with { DecoderChannels = new[] { 6, 3 } }, L(8) with { DecoderChannels = new[] { 5 } } }, new[] { 16 }), "new int[] { 6, 3 }"),
        ["up_channels"] = (new("UpChannels", 1, 2, new[] { L(4) with { UpChannels = 3 }, L(8) with { UpChannels = 2 } }, new[] { 16 }), "UpConv(2, 8, 3,"),
        ["anisotropic_pool_3d"] = (new("Anisotropic3D", 1, 2, new[] { L(4) with { Pool = new[] { 1, 2, 2 } }, L(8) with { Pool = new[] { 2, 2, 1 } } }, new[] { 8 }) { Dimensions = 3 }, "MaxPool(3, new int[] { 1, 2, 2 })"),
        ["anisotropic_pool_3d_gate_trilinear"] = (new("AnisotropicGate3D", 1, 2, new[] { L(4) with { Pool = new[] { 1, 2, 2 }, Skip = SkipKind.AttentionGate } }, new[] { 8 }) { Dimensions = 3, UpSampling = UpSampling.Bilinear, Padding = ConvPadding.Valid }, "AttentionGate(\"gate1\", 3, 4, 8, 2, new int[] { 1, 2, 2 }"),
        ["anisotropic_pool_2d"] = (new("Anisotropic2D", 1, 2, new[] { L(4) with { Pool = new[] { 2, 1 } } }, new[] { 8 }) { Padding = ConvPadding.Valid }, "MaxPool(2, new int[] { 2, 1 })"),
        ["pool_by_3"] = (new("PoolBy3", 1, 2, new[] { L(4) with { Pool = new[] { 3, 3 }, Skip = SkipKind.AttentionGate } }, new[] { 8 }) { UpSampling = UpSampling.Bilinear }, "MaxPool(2, new int[] { 3, 3 })"),
        ["deep_supervision"] = (new("Supervised", 1, 3, new[] { L(4), L(8) with { DeepSupervision = true }, L(8) with { DeepSupervision = true } }, new[] { 16 }), "ForwardWithHeads"),
        ["deep_supervision_valid"] = (new("SupervisedValid", 1, 2, new[] { L(4), L(8) with { DeepSupervision = true } }, new[] { 8 }) { Padding = ConvPadding.Valid }, "ForwardWithHeads"),
        ["deep_supervision_3d"] = (new("Supervised3D", 1, 2, new[] { L(4), L(4) with { DeepSupervision = true, Pool = new[] { 1, 2, 2 } } }, new[] { 8 }) { Dimensions = 3 }, "ForwardWithHeads"),
        ["declared_input_size"] = (new("DeclaredInput", 1, 2, new[] { L(4), L(8) }, new[] { 16 }) { InputSize = new[] { 16, 24 } }, "HasDeclaredInputSize = true"),
        ["declared_input_size_one_value"] = (new("DeclaredInputOne", 1, 2, new[] { L(4) }, new[] { 8 }) { Dimensions = 3, InputSize = new[] { 6 } }, "InputSize { get; } = new int[] { 6, 6, 6 }"),
        ["declared_input_size_valid"] = (new("DeclaredInputValid", 1, 2, new[] { L(4) }, new[] { 8 }) { Padding = ConvPadding.Valid, InputSize = new[] { 20, 22 } }, "InputSize { get; } = new int[] { 20, 22 }"),
        ["dropout"] = (new("DropoutNet", 1, 2, new[] { L(4) }, new[] { 8 }) { Dropout = 0.5 }, "Dropout(0.5)"),
        ["channels_in_and_out"] = (new("ThreeInFourOut", 3, 4, new[] { L(4) }, new[] { 8 }), "public const int InputChannels = 3;"),
    };

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in Features.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Feature_runs_as_the_compiler_says(string feature)
    {
        var (declaration, shows) = Features[feature];
        var diagnostics = _compiled.Generator.Diagnostics(declaration);
        Assert.True(_compiled.Generator.Accepted(declaration), declaration.Source() + string.Join("\n", diagnostics));
        Assert.Contains(shows, _compiled.Generator.GeneratedSource(declaration), StringComparison.Ordinal);

        List<string> problems;
        using (RuntimeAgreement.OneIntraOpThread())
        {
            problems = RuntimeAgreement.Check(_compiled.Networks.Type(declaration), _compiled.Generator.GeneratedSource(declaration), batch: 2, checkLargerSize: declaration.Dimensions == 2);
        }

        Assert.True(problems.Count == 0, declaration.Source() + string.Join("\n", problems));
    }

    /// <summary>Every feature's declaration generated and compiled once, in one compilation, for all cases.</summary>
    public sealed class CompiledFeatures : IDisposable
    {
        public CompiledFeatures()
        {
            Generator = InProcessGenerator.Run(Features.Values.Select(f => f.Declaration));
            if (Generator.GeneratorException is not null)
            {
                throw new InvalidOperationException("The generator threw.", Generator.GeneratorException);
            }

            Networks = Generator.Load();
        }

        public InProcessGenerator Generator { get; }

        public LoadedNetworks Networks { get; }

        public void Dispose() => Networks.Dispose();
    }
}
