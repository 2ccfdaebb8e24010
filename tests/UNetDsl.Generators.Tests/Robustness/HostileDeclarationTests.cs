using System;
using System.Collections.Generic;
using System.Linq;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Robustness;

/// <summary>
/// Legal C# that no network should come of (enum values out of range, zero, negative and huge sizes, many levels,
/// conflicting features): the generator answers with diagnostics, never with UNET0900 or an exception, and what it
/// does accept compiles.
/// </summary>
public class HostileDeclarationTests
{
    private static string Levels(int count, string extra = "") => string.Join("\n", Enumerable.Range(0, count).Select(_ => "[Level(1" + extra + ")]"));

    public static readonly Dictionary<string, string> Hostile = new(StringComparer.Ordinal)
    {
        ["block_7"] = Declarations.With("1, 2, Block = (BlockKind)7", "[Level(4)]", "[Bottleneck(8)]"),
        ["block_minus1"] = Declarations.With("1, 2, Block = (BlockKind)(-1)", "[Level(4)]", "[Bottleneck(8)]"),
        ["skip_9"] = Declarations.With("1, 2", "[Level(4, Skip = (SkipKind)9)]", "[Bottleneck(8)]"),
        ["padding_5"] = Declarations.With("1, 2, Padding = (ConvPadding)5", "[Level(4)]", "[Bottleneck(8)]"),
        ["upsampling_3"] = Declarations.With("1, 2, UpSampling = (UpSampling)3", "[Level(4)]", "[Bottleneck(8)]"),
        ["norm_9"] = Declarations.With("1, 2, Normalization = (Normalization)9", "[Level(4)]", "[Bottleneck(8)]"),
        ["activation_9"] = Declarations.With("1, 2, Activation = (Activation)9", "[Level(4)]", "[Bottleneck(8)]"),
        ["convnext_conditioning"] = Declarations.With("1, 1, Block = BlockKind.ConvNeXt, Normalization = Normalization.Group, NormGroups = 4", "[Conditioning(ContextChannels = 8, Heads = 2, AttentionLevels = new[] { 1 })]", "[Level(16)]", "[Bottleneck(16)]"),
        ["convnext_conditioning_ckpt"] = Declarations.With("1, 1, Block = BlockKind.ConvNeXt, Normalization = Normalization.Group, NormGroups = 4", "[Conditioning]", "[Level(16, Checkpoint = true)]", "[Bottleneck(16)]"),
        ["huge_channels"] = Declarations.With("1, 2", "[Level(int.MaxValue)]", "[Bottleneck(int.MaxValue)]"),
        ["huge_in_and_classes"] = Declarations.With("int.MaxValue, int.MaxValue", "[Level(65536)]", "[Bottleneck(65536)]"),
        ["huge_convnext"] = Declarations.With("1, 2, Block = BlockKind.ConvNeXt", "[Level(1 << 29)]", "[Bottleneck(1 << 29)]"),
        ["huge_gate"] = Declarations.With("1, 2", "[Level(1 << 30, Skip = SkipKind.AttentionGate, GateChannels = int.MaxValue)]", "[Bottleneck(1 << 30)]"),
        ["huge_kernel_valid"] = Declarations.With("1, 2, Padding = ConvPadding.Valid, KernelSize = int.MaxValue", "[Level(4)]", "[Bottleneck(8)]"),
        ["huge_kernel_same"] = Declarations.With("1, 2, KernelSize = 2147483647", "[Level(4)]", "[Bottleneck(8)]"),
        ["huge_kernel_convnext_valid"] = Declarations.With("1, 2, Block = BlockKind.ConvNeXt, Padding = ConvPadding.Valid, Kernel = new[] { 1, 1073741823 }", "[Level(4)]", "[Bottleneck(8)]"),
        ["huge_pool"] = Declarations.With("1, 2", "[Level(4, Pool = new[] { int.MaxValue, int.MaxValue })]", "[Bottleneck(8)]"),
        ["huge_pool_valid"] = Declarations.With("1, 2, Padding = ConvPadding.Valid", "[Level(4, Pool = new[] { 65536, 65536 })]", "[Level(4, Pool = new[] { 65536, 65536 })]", "[Bottleneck(8)]"),
        ["huge_input"] = Declarations.With("1, 2, InputSize = new[] { int.MaxValue, int.MaxValue }", "[Level(4)]", "[Bottleneck(8)]"),
        ["huge_input_3d_valid"] = Declarations.With("1, 2, Dimensions = 3, Padding = ConvPadding.Valid, InputSize = new[] { 2147483644 }", "[Level(4)]", "[Bottleneck(8)]"),
        ["zero_channels"] = Declarations.With("0, 0", "[Level(0)]", "[Bottleneck(0)]"),
        ["negative_channels"] = Declarations.With("-1, -2", "[Level(-4)]", "[Bottleneck(-8)]"),
        ["empty_level"] = Declarations.With("1, 2", "[Level]", "[Bottleneck]"),
        ["empty_level_array"] = Declarations.With("1, 2", "[Level(new int[0])]", "[Bottleneck(new int[0])]"),
        ["zero_kernel"] = Declarations.With("1, 2, KernelSize = 0", "[Level(4)]", "[Bottleneck(8)]"),
        ["negative_kernel"] = Declarations.With("1, 2, Kernel = new[] { -3, 3 }", "[Level(4, Kernel = new[] { 0, 0 })]", "[Bottleneck(8, Kernel = new[] { -1 })]"),
        ["kernel_wrong_length"] = Declarations.With("1, 2, Kernel = new[] { 3, 3, 3, 3 }", "[Level(4, Kernel = new int[0])]", "[Bottleneck(8)]"),
        ["zero_pool"] = Declarations.With("1, 2", "[Level(4, Pool = new[] { 0, 2 })]", "[Bottleneck(8)]"),
        ["negative_pool"] = Declarations.With("1, 2", "[Level(4, Pool = new[] { -2, -2 })]", "[Bottleneck(8)]"),
        ["pool_wrong_length"] = Declarations.With("1, 2", "[Level(4, Pool = new[] { 2, 2, 2 })]", "[Bottleneck(8)]"),
        ["dimensions_0"] = Declarations.With("1, 2, Dimensions = 0", "[Level(4)]", "[Bottleneck(8)]"),
        ["dimensions_1"] = Declarations.With("1, 2, Dimensions = 1", "[Level(4)]", "[Bottleneck(8)]"),
        ["dimensions_4"] = Declarations.With("1, 2, Dimensions = 4", "[Level(4)]", "[Bottleneck(8)]"),
        ["dimensions_min"] = Declarations.With("1, 2, Dimensions = int.MinValue", "[Level(4)]", "[Bottleneck(8)]"),
        ["no_levels"] = Declarations.With("1, 2", "[Bottleneck(8)]"),
        ["no_bottleneck"] = Declarations.With("1, 2", "[Level(4)]"),
        ["many_levels_same"] = Declarations.With("1, 2", Levels(40), "[Bottleneck(1)]"),
        ["many_levels_valid"] = Declarations.With("1, 2, Padding = ConvPadding.Valid", Levels(40), "[Bottleneck(1)]"),
        ["many_levels_pool1_valid"] = Declarations.With("1, 2, Padding = ConvPadding.Valid", Levels(200, ", Pool = new[] { 1, 1 }, Checkpoint = true"), "[Bottleneck(1)]"),
        ["many_levels_3d_pool3"] = Declarations.With("1, 2, Dimensions = 3", Levels(25, ", Pool = new[] { 3, 3, 3 }, DeepSupervision = true"), "[Bottleneck(1)]"),
        ["many_levels_skipfrom"] = Declarations.With("1, 2, Padding = ConvPadding.Valid", Levels(30, ", Pool = new[] { 1, 1 }, SkipFrom = 1"), "[Bottleneck(1)]"),
        ["gate_negative"] = Declarations.With("1, 2", "[Level(4, Skip = SkipKind.AttentionGate, GateChannels = -5)]", "[Bottleneck(8)]"),
        ["upchannels_negative"] = Declarations.With("1, 2", "[Level(4, UpChannels = -5)]", "[Bottleneck(8)]"),
        ["decoder_channels_empty"] = Declarations.With("1, 2", "[Level(4, DecoderChannels = new int[0])]", "[Bottleneck(8)]"),
        ["decoder_channels_negative"] = Declarations.With("1, 2", "[Level(4, DecoderChannels = new[] { -1, int.MaxValue })]", "[Bottleneck(8)]"),
        ["skipfrom_self"] = Declarations.With("1, 2", "[Level(4, SkipFrom = 1)]", "[Bottleneck(8)]"),
        ["skipfrom_negative"] = Declarations.With("1, 2", "[Level(4, SkipFrom = int.MinValue)]", "[Bottleneck(8)]"),
        ["skipfrom_none_skip"] = Declarations.With("1, 2, Padding = ConvPadding.Valid", "[Level(4, Pool = new[] { 1, 1 })]", "[Level(4, SkipFrom = 1, Skip = SkipKind.None)]", "[Bottleneck(8)]"),
        ["skipfrom_add_mismatch"] = Declarations.With("1, 2", "[Level(4, Pool = new[] { 1, 1 })]", "[Level(8, SkipFrom = 1, Skip = SkipKind.Add)]", "[Bottleneck(8)]"),
        ["dropout_nan"] = Declarations.With("1, 2", "[Level(4)]", "[Bottleneck(8, Dropout = double.NaN)]"),
        ["dropout_one"] = Declarations.With("1, 2", "[Level(4)]", "[Bottleneck(8, Dropout = 1.0)]"),
        ["dropout_negative_infinity"] = Declarations.With("1, 2", "[Level(4)]", "[Bottleneck(8, Dropout = double.NegativeInfinity)]"),
        ["dropout_epsilon"] = Declarations.With("1, 2", "[Level(4)]", "[Bottleneck(8, Dropout = double.Epsilon)]"),
        ["norm_groups_zero"] = Declarations.With("1, 2, Normalization = Normalization.Group, NormGroups = 0", "[Level(4)]", "[Bottleneck(8)]"),
        ["norm_groups_negative"] = Declarations.With("1, 2, Normalization = Normalization.Group, NormGroups = -4", "[Level(4)]", "[Bottleneck(8)]"),
        ["norm_groups_minvalue"] = Declarations.With("1, 2, Normalization = Normalization.Group, NormGroups = int.MinValue", "[Level(4)]", "[Bottleneck(8)]"),
        ["conditioning_zero"] = Declarations.With("1, 1, Normalization = Normalization.Group, NormGroups = 4", "[Conditioning(TimeChannels = 0, ContextChannels = 0, Heads = 0, AttentionLevels = new[] { 0, -1, 5 })]", "[Level(16)]", "[Bottleneck(16)]"),
        ["conditioning_negative"] = Declarations.With("1, 1, Normalization = Normalization.Group, NormGroups = 4", "[Conditioning(TimeChannels = -2, ContextChannels = -8, Heads = int.MinValue)]", "[Level(16)]", "[Bottleneck(16)]"),
        ["conditioning_odd_time"] = Declarations.With("1, 1, Normalization = Normalization.Group, NormGroups = 4", "[Conditioning(TimeChannels = 7)]", "[Level(16)]", "[Bottleneck(16)]"),
        ["conditioning_huge_time"] = Declarations.With("1, 1, Normalization = Normalization.Group, NormGroups = 4", "[Conditioning(TimeChannels = 1 << 30, ContextChannels = int.MaxValue, Heads = 1)]", "[Level(16)]", "[Bottleneck(16)]"),
        ["conditioning_duplicate_levels"] = Declarations.With("1, 1, Normalization = Normalization.Group, NormGroups = 4", "[Conditioning(Heads = 2, AttentionLevels = new[] { 1, 1, 1 })]", "[Level(16)]", "[Bottleneck(16)]"),
        ["conditioning_valid"] = Declarations.With("1, 1, Normalization = Normalization.Group, NormGroups = 4, Padding = ConvPadding.Valid", "[Conditioning]", "[Level(16)]", "[Bottleneck(16)]"),
        ["conditioning_null_levels"] = Declarations.With("1, 1, Normalization = Normalization.Group, NormGroups = 4", "[Conditioning(AttentionLevels = null)]", "[Level(16)]", "[Bottleneck(16)]"),
        ["input_size_null_and_empty"] = Declarations.With("1, 2, InputSize = new int[0], Kernel = null", "[Level(4, Kernel = null, Pool = null, DecoderChannels = null)]", "[Bottleneck(8, Kernel = null)]"),
        ["input_size_negative"] = Declarations.With("1, 2, InputSize = new[] { -16, 0 }", "[Level(4)]", "[Bottleneck(8)]"),
        ["deep_supervision_level1"] = Declarations.With("1, 2", "[Level(4, DeepSupervision = true)]", "[Bottleneck(8)]"),
        ["even_kernel_same"] = Declarations.With("1, 2, KernelSize = 4", "[Level(4)]", "[Bottleneck(8)]"),
        ["even_kernel_convnext_valid"] = Declarations.With("1, 2, Block = BlockKind.ConvNeXt, Padding = ConvPadding.Valid, Kernel = new[] { 2, 4 }", "[Level(4, Checkpoint = true)]", "[Bottleneck(8)]"),
        ["conditioning_deep_supervision"] = Declarations.With("1, 1, Normalization = Normalization.Group, NormGroups = 4", "[Conditioning(ContextChannels = 8, Heads = 2, AttentionLevels = new[] { 2 })]", "[Level(16)]", "[Level(32, DeepSupervision = true, Checkpoint = true)]", "[Bottleneck(32)]"),
        ["convnext_norm_ignored"] = Declarations.With("1, 2, Block = BlockKind.ConvNeXt, Normalization = Normalization.Group, NormGroups = 3", "[Level(4)]", "[Bottleneck(8)]"),
    };

    public static TheoryData<string> HostileNames() => new(Hostile.Keys);

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void Hostile_declaration_gets_diagnostics_never_a_generator_failure(string name)
    {
        var outcome = GeneratorHarness.Run(Hostile[name]);
        Assert.Null(outcome.GeneratorException);
        Assert.DoesNotContain(outcome.GeneratorDiagnostics, d => d.Id == "UNET0900");

        // What the generator accepts must compile.
        if (!outcome.GeneratorDiagnostics.Any(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error))
        {
            Assert.True(outcome.CompileErrors.IsEmpty, string.Join("\n", outcome.CompileErrors.Take(10)));
        }
    }
}
