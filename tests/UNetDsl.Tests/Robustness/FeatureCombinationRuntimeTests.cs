using System;
using System.Collections.Generic;
using System.Linq;
using System.IO;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Robustness;

/// <summary>
/// Combinations the layer graph's folds treat specially, run: ConvNeXt blocks with 'Valid' padding, per-axis and even
/// kernels, skips taken from another level at the same resolution (finer or coarser) or joined by several decoder
/// levels, gated and added joins, deep supervision. Each network must run at its sizes with the shapes, parameter
/// counts and multiply-accumulates the compiler states; the checkpointed pairs must also train to the same outputs and
/// gradients as their plain twins.
/// </summary>
public class FeatureCombinationRuntimeTests : IClassFixture<FeatureCombinationRuntimeTests.Compiled>
{
    private readonly Compiled _compiled;

    public FeatureCombinationRuntimeTests(Compiled compiled) => _compiled = compiled;

    private static LevelDeclaration L(params int[] channels) => new(channels);

    internal static readonly Dictionary<string, NetworkDeclaration> Declarations = new(StringComparer.Ordinal)
    {
        ["convnext_valid_per_axis_3d"] = new("GrConvNeXt3D", 1, 2, new[] { L(4) with { Pool = new[] { 1, 2, 2 } }, L(8) with { Kernel = new[] { 3, 1, 3 } } }, new[] { 8 }) { Dimensions = 3, Block = BlockKind.ConvNeXt, Padding = ConvPadding.Valid, Kernel = new[] { 1, 3, 3 } },
        ["convnext_valid_even_kernel"] = new("GrConvNeXtEven", 1, 2, new[] { L(4), L(6) }, new[] { 8 }) { Block = BlockKind.ConvNeXt, Padding = ConvPadding.Valid, Kernel = new[] { 2, 4 } },
        ["convnext_valid_gate_add_bilinear_supervised"] = new("GrConvNeXtJoins", 1, 3, new[] { L(4) with { Skip = SkipKind.AttentionGate }, L(4) with { Skip = SkipKind.Add, DeepSupervision = true }, L(8) with { Skip = SkipKind.None, DeepSupervision = true } }, new[] { 8 }) { Block = BlockKind.ConvNeXt, Padding = ConvPadding.Valid, KernelSize = 3, UpSampling = UpSampling.Bilinear, Dropout = 0.25 },
        ["convnext_valid_skip_from_finer"] = new("GrConvNeXtRewired", 1, 2, new[] { L(4) with { Pool = new[] { 1, 1 } }, L(4, 6) with { SkipFrom = 1, Skip = SkipKind.AttentionGate } }, new[] { 8 }) { Block = BlockKind.ConvNeXt, Padding = ConvPadding.Valid, KernelSize = 3 },
        ["convnext_default_kernel_one_level"] = new("GrConvNeXtOne", 2, 2, new[] { L(3, 5) }, new[] { 6 }) { Block = BlockKind.ConvNeXt, Padding = ConvPadding.Valid },
        ["skip_joined_by_three_levels"] = new("GrJoinedThrice", 1, 2, new[] { L(4) with { Pool = new[] { 1, 1 } }, L(4) with { Pool = new[] { 1, 1 }, SkipFrom = 1, Skip = SkipKind.Add }, L(6) with { SkipFrom = 1, Skip = SkipKind.AttentionGate } }, new[] { 8 }) { Padding = ConvPadding.Valid },
        ["skip_from_coarser_level"] = new("GrFromCoarser", 1, 2, new[] { L(4) with { Pool = new[] { 1, 1 }, SkipFrom = 2 }, L(6) }, new[] { 8 }) { Padding = ConvPadding.Valid },
        ["residual_valid_gate_decoder_channels"] = new("GrResidualGate", 1, 2, new[] { L(4) with { DecoderChannels = new[] { 6, 3 }, UpChannels = 5 }, L(8) with { Skip = SkipKind.AttentionGate, GateChannels = 3 } }, new[] { 8 }) { Block = BlockKind.Residual, Padding = ConvPadding.Valid },
        ["one_level_trilinear_valid_dropout"] = new("GrOneLevel3D", 1, 2, new[] { L(4) }, new[] { 8 }) { Dimensions = 3, Padding = ConvPadding.Valid, UpSampling = UpSampling.Bilinear, Dropout = 0.5 },
    };

    public static TheoryData<string> NetworkNames() => new(Declarations.Keys);

    [Theory]
    [MemberData(nameof(NetworkNames))]
    public void Network_runs_as_the_compiler_says(string name)
    {
        var declaration = Declarations[name];
        Assert.True(_compiled.Generator.Accepted(declaration), declaration.Source() + string.Join("\n", _compiled.Generator.Diagnostics(declaration)));

        List<string> problems;
        using (RuntimeAgreement.OneIntraOpThread())
        {
            problems = RuntimeAgreement.Check(_compiled.Networks.Type(declaration), _compiled.Generator.GeneratedSource(declaration), batch: 2, checkLargerSize: declaration.Dimensions == 2);
        }

        Assert.True(problems.Count == 0, declaration.Source() + string.Join("\n", problems));
    }

    public static TheoryData<string, bool> ExportCases()
    {
        var data = new TheoryData<string, bool>();
        foreach (var name in Declarations.Keys)
        {
            data.Add(name, false);
            data.Add(name, true);
        }

        return data;
    }

    /// <summary>
    /// The ONNX export, at the reference size or with symbolic sizes run one period above the smallest valid size,
    /// computes what the TorchSharp forward computes.
    /// </summary>
    [Theory]
    [MemberData(nameof(ExportCases))]
    public void Onnx_export_matches_the_forward(string name, bool symbolic)
    {
        var declaration = Declarations[name];
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        using var module = (nn.Module<Tensor, Tensor>)_compiled.Networks.Type(declaration).GetConstructors().Single().Invoke(new object?[] { null, null });
        module.eval();
        var geometry = ((IUNetModule)module).Geometry;
        var sizes = symbolic ? geometry.SizeRules.Select(r => (long)(r.MinInput + r.Step)).ToArray() : geometry.InputSize.Select(s => (long)s).ToArray();
        var input = torch.randn(new long[] { 1, geometry.InputChannels }.Concat(sizes).ToArray());
        var path = Path.Combine(Path.GetTempPath(), "feature-combination-" + name + (symbolic ? "-symbolic" : "-fixed") + "-" + Environment.ProcessId + ".onnx");
        try
        {
            ((dynamic)module).ExportOnnx(path, symbolic ? OnnxInputSize.Symbolic : null);
            Tensor expected;
            using (torch.no_grad())
            {
                expected = module.call(input);
            }

            var actual = UNetDsl.Tests.Interop.OnnxExportTests.RunOnnx(path, input)["output"];
            Assert.Equal(expected.shape, actual.Shape);
            var reference = expected.contiguous().data<float>().ToArray();
            var worst = reference.Zip(actual.Values, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst < 1e-3f, declaration.Source() + "\nmax abs difference " + worst);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static CheckpointingFuzzTests.Trial Pair(NetworkDeclaration plain, int mask, int[] steps, int batch = 1, bool inputGradient = false) =>
        new(plain, mask, steps, batch, inputGradient, 11);

    internal static readonly Dictionary<string, CheckpointingFuzzTests.Trial> Pairs = new(StringComparer.Ordinal)
    {
        // A ConvNeXt decoder in a recomputed segment joins by concatenation (no ConcatInto), and its encoder's skip is
        // cropped inside the segment.
        ["convnext_valid_all_levels"] = Pair(new("GrCkConvNeXt", 1, 2, new[] { L(4), L(6) }, new[] { 8 }) { Block = BlockKind.ConvNeXt, Padding = ConvPadding.Valid, KernelSize = 3 }, 0b11, new[] { 1, 2 }),

        // Even kernels make every crop odd: the segment's copy and the join's centre crop must start at the same pixel.
        ["convnext_valid_even_kernel"] = Pair(new("GrCkConvNeXtEven", 1, 2, new[] { L(4), L(6) }, new[] { 8 }) { Block = BlockKind.ConvNeXt, Padding = ConvPadding.Valid, Kernel = new[] { 2, 4 } }, 0b01, new[] { 2, 1 }),
        ["plain_valid_even_kernel"] = Pair(new("GrCkPlainEven", 1, 2, new[] { L(4), L(6) }, new[] { 8 }) { Padding = ConvPadding.Valid, Kernel = new[] { 2, 4 } }, 0b11, new[] { 1, 3 }),

        ["convnext_3d_per_axis"] = Pair(new("GrCkConvNeXt3D", 1, 2, new[] { L(3) with { Pool = new[] { 1, 2, 2 } }, L(4) with { Kernel = new[] { 3, 1, 3 }, Skip = SkipKind.AttentionGate } }, new[] { 4 }) { Dimensions = 3, Block = BlockKind.ConvNeXt, Padding = ConvPadding.Valid, Kernel = new[] { 1, 3, 3 } }, 0b11, new[] { 1, 0, 1 }),

        // One skip, three joins; the encoder and only some decoder levels recomputed.
        ["skip_joined_by_three_levels"] = Pair(Declarations["skip_joined_by_three_levels"] with { Name = "GrCkJoinedThrice" }, 0b101, new[] { 1, 2 }, inputGradient: true),
        ["skip_joined_by_three_levels_all"] = Pair(Declarations["skip_joined_by_three_levels"] with { Name = "GrCkJoinedThriceAll" }, 0b111, new[] { 2, 1 }),

        // Level 1 joins level 2's skip: level 2's encoder must hand it on whole.
        ["skip_from_coarser_level"] = Pair(Declarations["skip_from_coarser_level"] with { Name = "GrCkFromCoarser" }, 0b10, new[] { 1, 2 }),
        ["skip_from_coarser_level_joined_twice"] = Pair(new("GrCkFromCoarserTwice", 1, 2, new[] { L(4) with { Pool = new[] { 1, 1 }, SkipFrom = 2, Skip = SkipKind.Add, UpChannels = 6 }, L(6) }, new[] { 8 }) { Padding = ConvPadding.Valid }, 0b11, new[] { 2, 2 }),

        ["add_and_gate_valid_dropout"] = Pair(new("GrCkJoins", 1, 2, new[] { L(4) with { Skip = SkipKind.Add }, L(6) with { Skip = SkipKind.AttentionGate } }, new[] { 8 }) { Padding = ConvPadding.Valid, Dropout = 0.3, UpSampling = UpSampling.Bilinear }, 0b11, new[] { 1, 1 }, batch: 2),

        // Each level joins the other's skip.
        ["skips_swapped"] = Pair(new("GrCkSwapped", 1, 2, new[] { L(4) with { Pool = new[] { 1, 1 }, SkipFrom = 2 }, L(4) with { SkipFrom = 1 } }, new[] { 8 }) { Padding = ConvPadding.Valid }, 0b11, new[] { 1, 2 }, inputGradient: true),
        ["skips_swapped_plain_encoder"] = Pair(new("GrCkSwappedDec", 1, 2, new[] { L(4) with { Pool = new[] { 1, 1 }, SkipFrom = 2, Skip = SkipKind.AttentionGate }, L(4) with { SkipFrom = 1, Skip = SkipKind.Add } }, new[] { 8 }) { Padding = ConvPadding.Valid }, 0b01, new[] { 2, 1 }),
        ["residual_valid_batch_norm_concat_into"] = Pair(new("GrCkResidualBatch", 1, 2, new[] { L(4) with { DecoderChannels = new[] { 6, 3 } }, L(6, 8) }, new[] { 8 }) { Padding = ConvPadding.Valid, Block = BlockKind.Residual, Normalization = Normalization.Batch }, 0b11, new[] { 1, 1 }, batch: 2),
        ["conditional_skip_from_finer_attention"] = Pair(new("GrCkDenoiserRewired", 1, 1, new[] { L(4) with { Pool = new[] { 1, 1 } }, L(4) with { SkipFrom = 1 } }, new[] { 8 }) { Normalization = Normalization.Group, NormGroups = 2, Conditioning = new ConditioningDeclaration(8, 3, 2) { AttentionLevels = new[] { 1, 2 } } }, 0b11, new[] { 1, 1 }, inputGradient: true),
    };

    public static TheoryData<string> PairNames() => new(Pairs.Keys);

    [Theory]
    [MemberData(nameof(PairNames))]
    public void Checkpointed_pair_trains_alike(string name)
    {
        var trial = Pairs[name];
        foreach (var declaration in new[] { trial.Plain, trial.Checkpointed })
        {
            Assert.True(_compiled.Generator.Accepted(declaration), declaration.Source() + string.Join("\n", _compiled.Generator.Diagnostics(declaration)));
        }

        CheckpointingFuzzTests.Outcome outcome;
        using (RuntimeAgreement.OneIntraOpThread())
        {
            outcome = CheckpointingFuzzTests.Compare(_compiled.Networks.Type(trial.Plain), _compiled.Networks.Type(trial.Checkpointed), _compiled.Generator.SizeRules(trial.Plain), trial);
        }

        Assert.True(outcome.PlainFailure is null, trial + "\nthe plain network cannot train: " + outcome.PlainFailure);
        Assert.True(outcome.Problems.Count == 0, trial + "\n" + string.Join("\n", outcome.Problems));
    }

    /// <summary>Every declaration generated and compiled once, in one compilation.</summary>
    public sealed class Compiled : IDisposable
    {
        public Compiled()
        {
            Generator = InProcessGenerator.Run(Declarations.Values.Concat(Pairs.Values.SelectMany(t => new[] { t.Plain, t.Checkpointed })));
            if (Generator.GeneratorException is not null)
            {
                throw new InvalidOperationException("The generator threw.", Generator.GeneratorException);
            }

            var errors = Generator.CompileErrors();
            if (errors.Count > 0)
            {
                throw new InvalidOperationException("The generated code does not compile:\n" + string.Join("\n", errors.Take(10)));
            }

            Networks = Generator.Load();
        }

        public InProcessGenerator Generator { get; }

        public LoadedNetworks Networks { get; }

        public void Dispose() => Networks.Dispose();
    }
}
