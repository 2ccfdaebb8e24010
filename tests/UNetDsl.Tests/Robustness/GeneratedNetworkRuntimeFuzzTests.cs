using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using CsCheck;
using Xunit;
using Xunit.Abstractions;

namespace UNetDsl.Tests.Robustness;

/// <summary>
/// Random small valid declarations, generated, compiled and run: the compile-time parameter count, output and head
/// shapes and multiply-accumulates must be what TorchSharp reports at run time (see <see cref="RuntimeAgreement"/>). The declarations come from a fixed seed; to explore, set
/// UNETDSL_RUNTIME_FUZZ_SEED (any unsigned number) and UNETDSL_RUNTIME_FUZZ_COUNT (networks per run). A failure
/// prints the seed and every failing declaration with what disagreed.
/// </summary>
public class GeneratedNetworkRuntimeFuzzTests
{
    /// <summary>Networks per run: enough to meet every feature several times, few enough for a busy 2-core machine.</summary>
    private const int DefaultNetworks = 36;

    /// <summary>A seed whose 36 networks meet every feature of <see cref="s_features"/> at least twice.</summary>
    private const ulong DefaultSeed = 4;

    private readonly ITestOutputHelper _output;

    public GeneratedNetworkRuntimeFuzzTests(ITestOutputHelper output) => _output = output;

    /// <summary>A declaration and, when it should declare its input size, which valid size to declare.</summary>
    public sealed record Candidate(NetworkDeclaration Declaration, int InputSteps, bool DeclareInput, bool OneValue);

    private static Gen<T> Pick<T>(params T[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    /// <summary>Channel counts 2 to 8; with group norm, multiples of the group count so that it divides every conv.</summary>
    private static Gen<int> Channel(Normalization normalization, int groups) =>
        normalization == Normalization.Group
            ? Pick(Enumerable.Range(1, 8 / groups).Select(k => k * groups).Where(c => c >= 2).ToArray())
            : Gen.Int[2, 8];

    /// <summary>
    /// Kernel sizes: odd for 'Same' (the generator rejects even ones); 'Valid' and 3D keep to 1 and 3 (5 only in
    /// shallow 2D networks) so that the smallest valid input, and the run, stay small.
    /// </summary>
    private static int[] Kernels(int dimensions, ConvPadding padding, int levels) =>
        dimensions == 3 ? new[] { 1, 3 } : padding == ConvPadding.Same || levels <= 2 ? new[] { 1, 3, 5 } : new[] { 1, 3 };

    /// <summary>A per-axis kernel (e.g. 1x3x3 for thick slices) now and then; null keeps the size-based kernel.</summary>
    private static Gen<int[]?> PerAxisKernel(int dimensions, int[] kernels) =>
        Gen.Frequency((8, Gen.Const((int[]?)null)), (1, Pick(kernels).Array[dimensions].Select(k => (int[]?)k)));

    /// <summary>Pooling factors: anisotropic in 3D as for thick slices; in 2D now and then uneven or by 3.</summary>
    private static Gen<int[]?> Pool(int dimensions) =>
        dimensions == 3
            ? Gen.Frequency((1, Gen.Const((int[]?)null)), (1, Pick<int[]?>(new[] { 1, 2, 2 }, new[] { 2, 2, 1 }, new[] { 2, 1, 2 }, new[] { 2, 2, 2 })))
            : Gen.Frequency((8, Gen.Const((int[]?)null)), (2, Pick<int[]?>(new[] { 2, 1 }, new[] { 1, 2 })), (1, Pick<int[]?>(new[] { 3, 3 }, new[] { 2, 3 })));

    private static Gen<LevelDeclaration> Level(int dimensions, int[] kernels, Gen<int> channel, int maxConvs) =>
        from channels in channel.Array[1, maxConvs]
        from kernel in Gen.Frequency((5, Gen.Const(0)), (1, Pick(kernels)))
        from perAxisKernel in PerAxisKernel(dimensions, kernels)
        from pool in Pool(dimensions)
        from skip in Gen.Frequency((5, Gen.Const(SkipKind.Concat)), (3, Gen.Const(SkipKind.AttentionGate)), (1, Gen.Const(SkipKind.Add)), (1, Gen.Const(SkipKind.None)))
        from gateChannels in skip == SkipKind.AttentionGate ? Gen.Frequency((2, Gen.Const(0)), (1, Gen.Int[1, 4])) : Gen.Const(0)
        from deepSupervision in Gen.Frequency((2, Gen.Const(false)), (1, Gen.Const(true)))
        from decoder in Gen.Frequency((3, Gen.Const((int[]?)null)), (1, channel.Array[1, maxConvs].Select(c => (int[]?)c)))
        from upChannels in skip is SkipKind.Concat or SkipKind.AttentionGate ? Gen.Frequency((4, Gen.Const(0)), (1, channel)) : Gen.Const(0)
        select new LevelDeclaration(channels)
        {
            KernelSize = kernel,
            Kernel = perAxisKernel,
            Pool = pool,
            Skip = skip,
            GateChannels = gateChannels,
            DeepSupervision = deepSupervision,
            DecoderChannels = decoder,
            UpChannels = upChannels,
        };

    private static readonly Gen<Candidate> s_candidate =
        from dimensions in Gen.Frequency((3, Gen.Const(2)), (2, Gen.Const(3)))
        from padding in Pick(ConvPadding.Same, ConvPadding.Valid)
        from levelCount in dimensions == 3 ? Gen.Int[1, 2] : Gen.Int[1, 3]
        from normalization in Pick(Normalization.None, Normalization.Batch, Normalization.Instance, Normalization.Group)
        from groups in Pick(2, 3, 4)
        from activation in Pick(Activation.ReLU, Activation.LeakyReLU, Activation.SiLU, Activation.GELU)
        from upSampling in Pick(UpSampling.TransposedConv, UpSampling.Bilinear)
        from block in Gen.Frequency((4, Gen.Const(BlockKind.Plain)), (2, Gen.Const(BlockKind.Residual)), (1, Gen.Const(BlockKind.ConvNeXt)))
        let kernels = Kernels(dimensions, padding, levelCount)
        let channel = Channel(normalization, groups)
        // A 'Valid' volume shrinks on every axis at every convolution: two per level keep its smallest input small.
        let maxConvs = dimensions == 3 && padding == ConvPadding.Valid ? 2 : 3
        from kernel in Gen.Frequency((5, Gen.Const(0)), (2, Pick(kernels)))
        from perAxisKernel in PerAxisKernel(dimensions, kernels)
        from bottleneckKernel in Gen.Frequency((6, Gen.Const(0)), (1, Pick(kernels)))
        from bottleneckPerAxisKernel in PerAxisKernel(dimensions, kernels)
        from levels in Level(dimensions, kernels, channel, maxConvs).Array[levelCount]
        from bottleneck in channel.Array[1, 2]
        from dropout in Gen.Frequency((4, Gen.Const(0.0)), (1, Gen.Const(0.5)))
        from inChannels in Gen.Int[1, 3]
        from classes in Gen.Int[1, 4]
        from declareInput in Gen.Frequency((2, Gen.Const(false)), (1, Gen.Const(true)))
        from inputSteps in dimensions == 3 ? Gen.Const(0) : Gen.Int[0, 2]
        from oneValue in Gen.Bool
        // With 'Valid' padding a deeper level may take its skip from a finer one at its own resolution (the levels in
        // between pool by 1): the larger map is centre-cropped.
        from rewire in Gen.Frequency((4, Gen.Const(0)), (1, Gen.Int[1, 2]))
        select new Candidate(
            new NetworkDeclaration(
                "Net",
                inChannels,
                classes,
                // Level 1 carries the main head; deep supervision adds heads from level 2 on.
                LevelDeclaration.RewiredAtOneResolution(
                    levels.Select((l, i) => i == 0 ? l with { DeepSupervision = false } : l)
                        .Select((l, i) => padding == ConvPadding.Valid && rewire > 0 && i > 0 && l.Skip != SkipKind.None ? l with { SkipFrom = Math.Min(rewire, i) } : l)
                        .ToArray(),
                    dimensions),
                bottleneck)
            {
                Dimensions = dimensions,
                Padding = padding,
                // ConvNeXt blocks bring their own norm and GELU (a declared one is a warning) and a 7x7 default kernel,
                // which would make 'Valid' volumes large: they are drawn with the kernels of the others.
                KernelSize = block == BlockKind.ConvNeXt && kernel == 0 ? kernels[1] : kernel,
                Kernel = perAxisKernel,
                BottleneckKernelSize = bottleneckKernel,
                BottleneckKernel = bottleneckPerAxisKernel,
                Block = block,
                UpSampling = upSampling,
                Normalization = block == BlockKind.ConvNeXt ? Normalization.None : normalization,
                NormGroups = normalization == Normalization.Group && block != BlockKind.ConvNeXt ? groups : 0,
                Activation = block == BlockKind.ConvNeXt ? Activation.ReLU : activation,
                Dropout = dropout,
            },
            inputSteps,
            declareInput,
            oneValue);

    /// <summary>The random small valid declarations this test draws, for other run-time properties to draw alike.</summary>
    internal static Gen<Candidate> Candidates => s_candidate;

    /// <summary>The features whose presence a run counts, by name.</summary>
    internal static IReadOnlyList<(string Name, Func<NetworkDeclaration, bool> Present)> Features => s_features;

    /// <summary>What the run's output counts, to show what a seed covered.</summary>
    private static readonly (string Name, Func<NetworkDeclaration, bool> Present)[] s_features =
    {
        ("3D", d => d.Dimensions == 3),
        ("Valid", d => d.Padding == ConvPadding.Valid),
        ("3 levels", d => d.Levels.Length == 3),
        ("kernel 1", d => d.KernelSize == 1 || d.Levels.Any(l => l.KernelSize == 1)),
        ("kernel 5", d => d.KernelSize == 5 || d.Levels.Any(l => l.KernelSize == 5)),
        ("per-axis kernel", d => d.Kernel is not null || d.BottleneckKernel is not null || d.Levels.Any(l => l.Kernel is not null)),
        ("batch norm", d => d.Normalization == Normalization.Batch),
        ("instance norm", d => d.Normalization == Normalization.Instance),
        ("group norm", d => d.Normalization == Normalization.Group),
        ("LeakyReLU", d => d.Activation == Activation.LeakyReLU),
        ("SiLU", d => d.Activation == Activation.SiLU),
        ("GELU", d => d.Activation == Activation.GELU),
        ("bilinear", d => d.UpSampling == UpSampling.Bilinear),
        ("residual", d => d.Block == BlockKind.Residual),
        ("ConvNeXt", d => d.Block == BlockKind.ConvNeXt),
        ("gate", d => d.Levels.Any(l => l.Skip == SkipKind.AttentionGate)),
        ("add", d => d.Levels.Any(l => l.Skip == SkipKind.Add)),
        ("no skip", d => d.Levels.Any(l => l.Skip == SkipKind.None)),
        ("skip from a finer level", d => d.Levels.Any(l => l.SkipFrom != 0)),
        ("decoder channels", d => d.Levels.Any(l => l.DecoderChannels is not null)),
        ("up channels", d => d.Levels.Any(l => l.UpChannels != 0)),
        ("anisotropic pool", d => d.Levels.Any(l => l.Pool is not null && l.Pool.Distinct().Count() > 1)),
        ("pool by 3", d => d.Levels.Any(l => l.Pool is not null && l.Pool.Contains(3))),
        ("deep supervision", d => d.Levels.Any(l => l.DeepSupervision)),
        ("input size", d => d.InputSize is not null),
        ("dropout", d => d.Dropout > 0),
    };

    [Fact]
    public void Compile_time_parameter_counts_and_shapes_are_what_TorchSharp_reports()
    {
        var seedText = Environment.GetEnvironmentVariable("UNETDSL_RUNTIME_FUZZ_SEED");
        var seed = string.IsNullOrEmpty(seedText) ? DefaultSeed : ulong.Parse(seedText, CultureInfo.InvariantCulture);
        var countText = Environment.GetEnvironmentVariable("UNETDSL_RUNTIME_FUZZ_COUNT");
        var networkCount = string.IsNullOrEmpty(countText) ? DefaultNetworks : int.Parse(countText, CultureInfo.InvariantCulture);
        var random = new PCG(1, seed);
        var clock = Stopwatch.StartNew();
        var candidates = Enumerable.Range(0, networkCount)
            .Select(i => s_candidate.Generate(random, null, out _))
            .Select((c, i) => c with { Declaration = c.Declaration with { Name = "Net" + i.ToString("000", CultureInfo.InvariantCulture) } })
            .ToList();
        string Failure(string what) => "UNETDSL_RUNTIME_FUZZ_SEED=" + seed + ": " + what;

        // First pass: the generator must accept the declarations, built to be valid, and states each one's valid sizes.
        var first = InProcessGenerator.Run(candidates.Select(c => c.Declaration));
        Assert.True(first.GeneratorException is null, Failure("the generator threw " + first.GeneratorException));
        var rejected = candidates.Where(c => !first.Accepted(c.Declaration)).ToList();
        Assert.True(
            rejected.Count <= networkCount / 5,
            Failure(rejected.Count + " of " + networkCount + " declarations rejected, e.g.\n" + string.Join("\n", rejected.Take(3).Select(c => c.Declaration.Source() + string.Join("\n", first.Diagnostics(c.Declaration))))));

        // Second pass: some declare an input size, a valid one by the first pass's rules, 'InputSteps' periods above the smallest.
        var declarations = candidates.Where(c => first.Accepted(c.Declaration)).Select(c =>
        {
            if (!c.DeclareInput)
            {
                return c.Declaration;
            }

            var sizes = first.SizeRules(c.Declaration).Select(r => r.MinInput + (c.InputSteps * r.Step)).ToArray();
            return c.Declaration with { InputSize = c.OneValue && sizes.Distinct().Count() == 1 ? new[] { sizes[0] } : sizes };
        }).ToList();
        var second = InProcessGenerator.Run(declarations);
        Assert.True(second.GeneratorException is null, Failure("the generator threw " + second.GeneratorException));
        var refused = declarations.Where(d => !second.Accepted(d)).ToList();
        Assert.True(refused.Count == 0, Failure("declared valid input sizes refused:\n" + string.Join("\n", refused.Select(d => d.Source() + string.Join("\n", second.Diagnostics(d))))));
        var compileErrors = second.CompileErrors();
        Assert.True(compileErrors.Count == 0, Failure("the generated networks do not compile: " + string.Join("\n", compileErrors.Take(5))));
        _output.WriteLine($"seed {seed}: {declarations.Count} of {networkCount} accepted, {declarations.Count(d => d.InputSize is not null)} with a declared input size; generated in {clock.Elapsed.TotalSeconds:0.0} s");

        _output.WriteLine(string.Join(", ", s_features.Select(f => f.Name + " " + declarations.Count(f.Present))));

        var failures = new List<string>();
        using (RuntimeAgreement.OneIntraOpThread())
        using (var networks = second.Load())
        {
            foreach (var declaration in declarations)
            {
                var problems = RuntimeAgreement.Check(networks.Type(declaration), second.GeneratedSource(declaration), batch: declaration.Dimensions == 3 ? 1 : 2, checkLargerSize: declaration.Dimensions == 2);
                if (problems.Count > 0)
                {
                    failures.Add(declaration.Source() + string.Join("\n", problems.Select(p => "  " + p)));
                }
            }
        }

        _output.WriteLine($"ran {declarations.Count} networks in {clock.Elapsed.TotalSeconds:0.0} s in all");
        Assert.True(failures.Count == 0, Failure(failures.Count + " networks disagree with the compiler:\n\n" + string.Join("\n\n", failures)));

        // The default run must keep meeting every feature, whatever changes in the generators above.
        var missed = s_features.Where(f => !declarations.Any(f.Present)).Select(f => f.Name).ToList();
        Assert.True(seed != DefaultSeed || networkCount != DefaultNetworks || missed.Count == 0, Failure("no network has " + string.Join(", ", missed) + "; choose a default seed that covers every feature"));
    }
}
