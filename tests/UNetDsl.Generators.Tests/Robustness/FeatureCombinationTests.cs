using System;
using System.Collections.Generic;
using System.Linq;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Robustness;

/// <summary>
/// Declarations that combine features the layer graph's folds treat specially (checkpointed segments, skips taken
/// from another level or joined twice, gated and added joins, deep supervision, conditioning, ConvNeXt blocks with
/// 'Valid' padding): each must generate without a diagnostic and compile.
/// </summary>
public class FeatureCombinationTests
{
    public static readonly Dictionary<string, string> Accepted = new(StringComparer.Ordinal)
    {
        ["ckpt_skipfrom_valid_level1_none"] = Declarations.With("1, 2, Padding = ConvPadding.Valid", "[Level(8, Pool = new[] { 1, 1 }, Skip = SkipKind.None, Checkpoint = true)]", "[Level(8, SkipFrom = 1, Checkpoint = true)]", "[Bottleneck(16)]"),
        ["ckpt_skip_joined_twice_enc_only"] = Declarations.With("1, 2, Padding = ConvPadding.Valid", "[Level(8, Pool = new[] { 1, 1 }, Checkpoint = true)]", "[Level(8, SkipFrom = 1, Skip = SkipKind.AttentionGate)]", "[Bottleneck(16)]"),
        ["ckpt_skip_joined_twice_dec2_only"] = Declarations.With("1, 2, Padding = ConvPadding.Valid", "[Level(8, Pool = new[] { 1, 1 })]", "[Level(8, SkipFrom = 1, Skip = SkipKind.Add, Checkpoint = true)]", "[Bottleneck(16)]"),
        ["ckpt_coarser_skipfrom"] = Declarations.With("1, 2, Padding = ConvPadding.Valid", "[Level(8, Pool = new[] { 1, 1 }, SkipFrom = 2, Checkpoint = true)]", "[Level(8, Skip = SkipKind.None, Checkpoint = true)]", "[Bottleneck(16)]"),
        ["ckpt_coarser_skipfrom_joined_twice"] = Declarations.With("1, 2, Padding = ConvPadding.Valid", "[Level(8, Pool = new[] { 1, 1 }, SkipFrom = 2)]", "[Level(8, Checkpoint = true)]", "[Bottleneck(16)]"),
        ["ckpt_skip_none"] = Declarations.With("1, 2", "[Level(8, Skip = SkipKind.None, Checkpoint = true)]", "[Level(16, Checkpoint = true)]", "[Bottleneck(32)]"),
        ["ckpt_all_none"] = Declarations.With("1, 2", "[Level(8, Skip = SkipKind.None, Checkpoint = true)]", "[Bottleneck(16)]"),
        ["ckpt_add_valid"] = Declarations.With("1, 2, Padding = ConvPadding.Valid", "[Level(8, Skip = SkipKind.Add, Checkpoint = true)]", "[Level(16, Skip = SkipKind.Add, Checkpoint = true)]", "[Bottleneck(32)]"),
        ["ckpt_gate_valid"] = Declarations.With("1, 2, Padding = ConvPadding.Valid", "[Level(8, Skip = SkipKind.AttentionGate, Checkpoint = true)]", "[Level(16, Skip = SkipKind.AttentionGate)]", "[Bottleneck(32)]"),
        ["ckpt_deep_supervision_valid"] = Declarations.With("1, 3, Padding = ConvPadding.Valid", "[Level(8, Checkpoint = true)]", "[Level(16, DeepSupervision = true, Checkpoint = true)]", "[Level(16, DeepSupervision = true, Skip = SkipKind.None, Checkpoint = true)]", "[Bottleneck(32, Dropout = 0.25)]"),
        ["ckpt_conditioning_attention"] = Declarations.With("1, 1, Normalization = Normalization.Group, NormGroups = 4", "[Conditioning(ContextChannels = 8, Heads = 2, AttentionLevels = new[] { 1, 2 })]", "[Level(16, Checkpoint = true)]", "[Level(32, Skip = SkipKind.None, Checkpoint = true)]", "[Bottleneck(32)]"),
        ["ckpt_conditioning_gate_add"] = Declarations.With("1, 1, Normalization = Normalization.Group, NormGroups = 4", "[Conditioning(ContextChannels = 8, Heads = 2, AttentionLevels = new[] { 2 }, BottleneckAttention = false)]", "[Level(16, Skip = SkipKind.AttentionGate, Checkpoint = true)]", "[Level(32, Skip = SkipKind.Add, Checkpoint = true)]", "[Bottleneck(32)]"),
        ["conditioning_skipfrom"] = Declarations.With("1, 1, Normalization = Normalization.Group, NormGroups = 4", "[Conditioning(ContextChannels = 8, Heads = 2, AttentionLevels = new[] { 1, 2 })]", "[Level(16, Pool = new[] { 1, 1 }, Checkpoint = true)]", "[Level(16, SkipFrom = 1, Checkpoint = true)]", "[Bottleneck(32)]"),
        ["convnext_valid_per_axis_3d_ckpt"] = Declarations.With("1, 2, Dimensions = 3, Block = BlockKind.ConvNeXt, Padding = ConvPadding.Valid, Kernel = new[] { 1, 3, 3 }", "[Level(4, Pool = new[] { 1, 2, 2 }, Checkpoint = true)]", "[Level(8, Kernel = new[] { 3, 1, 3 }, Checkpoint = true)]", "[Bottleneck(8)]"),
        ["convnext_valid_gate_add_bilinear"] = Declarations.With("1, 2, Block = BlockKind.ConvNeXt, Padding = ConvPadding.Valid, KernelSize = 3, UpSampling = UpSampling.Bilinear", "[Level(4, Skip = SkipKind.AttentionGate, Checkpoint = true)]", "[Level(8, Skip = SkipKind.Add, DeepSupervision = true)]", "[Bottleneck(8, Dropout = 0.1)]"),
        ["convnext_default_kernel_valid"] = Declarations.With("1, 2, Block = BlockKind.ConvNeXt, Padding = ConvPadding.Valid", "[Level(4, 6, Checkpoint = true)]", "[Bottleneck(8)]"),
        ["convnext_skipfrom_valid"] = Declarations.With("1, 2, Block = BlockKind.ConvNeXt, Padding = ConvPadding.Valid, KernelSize = 3", "[Level(4, Pool = new[] { 1, 1 }, Checkpoint = true)]", "[Level(4, SkipFrom = 1, Checkpoint = true)]", "[Bottleneck(8)]"),
        ["one_level_ckpt_valid_3d_bilinear"] = Declarations.With("1, 2, Dimensions = 3, Padding = ConvPadding.Valid, UpSampling = UpSampling.Bilinear", "[Level(4, Checkpoint = true)]", "[Bottleneck(8, Dropout = 0.5)]"),
        ["residual_ckpt_valid_decoder_channels"] = Declarations.With("1, 2, Block = BlockKind.Residual, Padding = ConvPadding.Valid", "[Level(4, DecoderChannels = new[] { 6, 3 }, UpChannels = 5, Checkpoint = true)]", "[Level(8, Skip = SkipKind.AttentionGate, GateChannels = 3, Checkpoint = true)]", "[Bottleneck(8)]"),
        ["skip_joined_twice_three_levels"] = Declarations.With("1, 2, Padding = ConvPadding.Valid", "[Level(4, Pool = new[] { 1, 1 }, Checkpoint = true)]", "[Level(4, Pool = new[] { 1, 1 }, SkipFrom = 1, Checkpoint = true)]", "[Level(4, SkipFrom = 1, Skip = SkipKind.AttentionGate, Checkpoint = true)]", "[Bottleneck(8)]"),
        ["declared_size_ckpt_valid"] = Declarations.With("1, 2, Padding = ConvPadding.Valid, InputSize = new[] { 60, 44 }", "[Level(4, Checkpoint = true)]", "[Level(8, Checkpoint = true)]", "[Bottleneck(8)]"),
    };

    public static TheoryData<string> AcceptedNames() => new(Accepted.Keys);

    [Theory]
    [MemberData(nameof(AcceptedNames))]
    public void Combination_generates_and_compiles(string name)
    {
        var outcome = GeneratorHarness.Run(Accepted[name]);
        Assert.Contains(outcome.HintNames, h => h.EndsWith(".PyTorch.g.cs", StringComparison.Ordinal));
        Assert.Null(outcome.GeneratorException);
        Assert.True(outcome.GeneratorDiagnostics.IsEmpty, string.Join("\n", outcome.GeneratorDiagnostics));
        Assert.True(outcome.CompileErrors.IsEmpty, string.Join("\n", outcome.CompileErrors.Take(10)));
    }
}
