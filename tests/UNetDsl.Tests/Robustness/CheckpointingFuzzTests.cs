using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Reflection;
using CsCheck;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Robustness;

/// <summary>
/// Activation checkpointing never changes results: random small valid declarations (drawn as the run-time fuzz test
/// draws them, plus conditional denoisers) each get a twin with <c>Checkpoint = true</c> on a random non-empty set of
/// levels; both are compiled, the twin takes the plain network's state_dict, and one training step of each, from the
/// same random state, at a valid input size up to two periods above the smallest on each axis, must give the same
/// output and heads, and the same gradient for every parameter (and for the input and context where they ask for
/// one). The declarations come from a fixed seed; to explore, set UNETDSL_CHECKPOINT_FUZZ_SEED (any unsigned number)
/// and UNETDSL_CHECKPOINT_FUZZ_COUNT (pairs per run). A failure prints the seed and every failing pair.
/// </summary>
public class CheckpointingFuzzTests : IClassFixture<CheckpointingFuzzTests.CompiledFixedCases>
{
    /// <summary>Pairs per run: enough to meet every feature, few enough for a busy 2-core machine.</summary>
    private const int DefaultPairs = 36;

    /// <summary>A seed whose 36 pairs meet every feature counted (the run-time fuzz test's and this test's) at least three times.</summary>
    private const ulong DefaultSeed = 10;

    /// <summary>Outputs must agree to this, absolutely: recomputation runs the same operations on the same values.</summary>
    private const float OutputTolerance = 1e-5f;

    /// <summary>Gradients must agree to this, absolutely or relative to the gradient's largest magnitude.</summary>
    private const float GradientTolerance = 1e-4f;

    private readonly ITestOutputHelper _output;
    private readonly CompiledFixedCases _fixed;

    public CheckpointingFuzzTests(ITestOutputHelper output, CompiledFixedCases compiled)
    {
        _output = output;
        _fixed = compiled;
    }

    /// <summary>
    /// One pair to compare: the plain declaration, which of its levels (bit 0 = level 1) the twin checkpoints, how many
    /// periods above the smallest valid size the input is on each axis, the batch, whether the input asks for a
    /// gradient, and the seed of the input and the parameters.
    /// </summary>
    public sealed record Trial(NetworkDeclaration Plain, int CheckpointMask, int[] Steps, int Batch, bool InputGradient, int Seed)
    {
        /// <summary>The twin: the same declaration, named apart, with the chosen levels checkpointed.</summary>
        public NetworkDeclaration Checkpointed => Plain with
        {
            Name = Plain.Name + "Ckpt",
            Levels = Plain.Levels.Select((l, i) => (CheckpointMask & (1 << i)) != 0 ? l with { Checkpoint = true } : l).ToArray(),
        };

        public override string ToString() =>
            Checkpointed.Source() + "at " + string.Join("+", Steps) + " periods above the smallest size, batch " + Batch + (InputGradient ? ", input needing a gradient" : string.Empty);
    }

    private static Gen<T> Pick<T>(params T[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    /// <summary>
    /// A conditional denoiser from a drawn 'Same', group-norm declaration: no deep supervision (the compiler forbids
    /// it), heads that divide every attended map (each channel count is a multiple of the groups), a random set of
    /// attention levels and small widths.
    /// </summary>
    private static Gen<NetworkDeclaration> Conditional(NetworkDeclaration plain) =>
        from timeChannels in Pick(4, 8)
        from contextChannels in Gen.Int[2, 5]
        from heads in Pick(1, plain.NormGroups)
        from attention in Gen.Int[0, (1 << plain.Levels.Length) - 1]
        from bottleneckAttention in Gen.Bool
        select plain with
        {
            Levels = plain.Levels.Select(l => l with { DeepSupervision = false }).ToArray(),
            Conditioning = new ConditioningDeclaration(timeChannels, contextChannels, heads)
            {
                AttentionLevels = Enumerable.Range(1, plain.Levels.Length).Where(n => (attention & (1 << (n - 1))) != 0).ToArray(),
                BottleneckAttention = bottleneckAttention,
            },
        };

    private static readonly Gen<GeneratedNetworkRuntimeFuzzTests.Candidate> s_conditionalCandidate =
        from candidate in GeneratedNetworkRuntimeFuzzTests.Candidates.Where(c => c.Declaration.Padding == ConvPadding.Same && c.Declaration.Normalization == Normalization.Group)
        from declaration in Conditional(candidate.Declaration)
        select candidate with { Declaration = declaration };

    /// <summary>
    /// Takes deeper levels' skips from finer ones more often than the run-time fuzz test does ('Valid' only, as there):
    /// a checkpointed encoder whose skip only a deeper level joins crops it for that level.
    /// </summary>
    /// <remarks>With <paramref name="dropFirstSkip"/>, level 1 keeps no skip of its own, so that a deeper level alone joins it.</remarks>
    private static NetworkDeclaration Rewire(NetworkDeclaration declaration, int from, bool dropFirstSkip)
    {
        if (declaration.Padding != ConvPadding.Valid || from == 0 || declaration.Levels.Length < 2 || declaration.Levels.Any(l => l.SkipFrom != 0))
        {
            return declaration;
        }

        var levels = LevelDeclaration.RewiredAtOneResolution(declaration.Levels.Select((l, i) => i > 0 && l.Skip != SkipKind.None ? l with { SkipFrom = Math.Min(from, i) } : l).ToArray(), declaration.Dimensions);
        if (dropFirstSkip)
        {
            levels[0] = levels[0] with { Skip = SkipKind.None, GateChannels = 0, UpChannels = 0 };
        }

        return declaration with { Levels = levels };
    }

    /// <summary>The pairs to compare.</summary>
    private static Gen<(GeneratedNetworkRuntimeFuzzTests.Candidate Candidate, Trial Trial)> Trials() =>
        from drawn in Gen.Frequency((4, GeneratedNetworkRuntimeFuzzTests.Candidates), (1, s_conditionalCandidate))
        from rewire in Gen.Frequency((2, Gen.Const(0)), (1, Gen.Int[1, 2]))
        from dropFirstSkip in Gen.Frequency((2, Gen.Const(false)), (1, Gen.Const(true)))
        let candidate = drawn with { Declaration = Rewire(drawn.Declaration, rewire, dropFirstSkip) }
        from mask in Gen.Int[1, (1 << candidate.Declaration.Levels.Length) - 1]
        from steps in Gen.Int[0, 2].Array[candidate.Declaration.Dimensions]
        from batch in Gen.Int[1, 2]
        from inputGradient in Gen.Frequency((3, Gen.Const(false)), (1, Gen.Const(true)))
        from seed in Gen.Int[0, 1_000_000]
        let trial = new Trial(candidate.Declaration, mask, steps, batch, inputGradient, seed)
        select (candidate, trial);

    /// <summary>The decoder levels that join level <paramref name="number"/>'s skip.</summary>
    private static int[] Joiners(NetworkDeclaration declaration, int number) =>
        Enumerable.Range(1, declaration.Levels.Length)
            .Where(m => declaration.Levels[m - 1].Skip != SkipKind.None && (declaration.Levels[m - 1].SkipFrom == 0 ? m : declaration.Levels[m - 1].SkipFrom) == number)
            .ToArray();

    /// <summary>What the run's output counts besides the run-time fuzz test's features, to show what a seed covered.</summary>
    private static readonly (string Name, Func<Trial, bool> Present)[] s_trialFeatures =
    {
        ("conditional", t => t.Plain.Conditioning is not null),
        ("conditional with attention", t => t.Plain.Conditioning is { } c && (c.AttentionLevels.Length > 0 || c.BottleneckAttention)),
        ("all levels checkpointed", t => t.CheckpointMask == (1 << t.Plain.Levels.Length) - 1),
        ("some levels checkpointed", t => t.CheckpointMask != (1 << t.Plain.Levels.Length) - 1),
        ("checkpointed skip cropped in the encoder", t => t.Plain.Padding == ConvPadding.Valid && t.Checkpointed.Levels.Select((l, i) => (Level: l, Number: i + 1)).Any(e => e.Level.Checkpoint && Joiners(t.Plain, e.Number).Length == 1)),
        ("checkpointed skip joined twice", t => t.Checkpointed.Levels.Select((l, i) => (Level: l, Number: i + 1)).Any(e => e.Level.Checkpoint && Joiners(t.Plain, e.Number).Length == 2)),
        ("checkpointed skip from a finer level", t => t.Checkpointed.Levels.Any(l => l.Checkpoint && l.SkipFrom != 0)),
        ("checkpointed deep supervision", t => t.Checkpointed.Levels.Any(l => l.Checkpoint && l.DeepSupervision)),
        ("larger than the smallest size", t => t.Steps.Any(s => s > 0)),
        ("batch 2", t => t.Batch == 2),
        ("input gradient", t => t.InputGradient),
    };

    [Fact]
    public void Checkpointed_twins_of_random_networks_give_the_same_outputs_and_gradients()
    {
        var seedText = Environment.GetEnvironmentVariable("UNETDSL_CHECKPOINT_FUZZ_SEED");
        var seed = string.IsNullOrEmpty(seedText) ? DefaultSeed : ulong.Parse(seedText, CultureInfo.InvariantCulture);
        var countText = Environment.GetEnvironmentVariable("UNETDSL_CHECKPOINT_FUZZ_COUNT");
        var pairCount = string.IsNullOrEmpty(countText) ? DefaultPairs : int.Parse(countText, CultureInfo.InvariantCulture);
        string Failure(string what) => "UNETDSL_CHECKPOINT_FUZZ_SEED=" + seed + ": " + what;
        var trialGen = Trials();
        var random = new PCG(1, seed);
        var clock = Stopwatch.StartNew();
        var drawn = Enumerable.Range(0, pairCount)
            .Select(i => trialGen.Generate(random, null, out _))
            .Select((d, i) => (d.Candidate, Trial: d.Trial with { Plain = d.Trial.Plain with { Name = "Pair" + i.ToString("000", CultureInfo.InvariantCulture) } }))
            .ToList();

        // First pass: the plain declarations, built to be valid, and each one's valid sizes, to declare an input size
        // now and then (it moves the reference size at which the checkpointed encoders' skip crops are derived).
        var first = InProcessGenerator.Run(drawn.Select(d => d.Trial.Plain));
        Assert.True(first.GeneratorException is null, Failure("the generator threw " + first.GeneratorException));
        var rejected = drawn.Where(d => !first.Accepted(d.Trial.Plain)).ToList();
        Assert.True(
            rejected.Count <= pairCount / 5,
            Failure(rejected.Count + " of " + pairCount + " declarations rejected, e.g.\n" + string.Join("\n", rejected.Take(3).Select(d => d.Trial.Plain.Source() + string.Join("\n", first.Diagnostics(d.Trial.Plain))))));
        var trials = drawn.Where(d => first.Accepted(d.Trial.Plain)).Select(d =>
        {
            if (!d.Candidate.DeclareInput)
            {
                return d.Trial;
            }

            var sizes = first.SizeRules(d.Trial.Plain).Select(r => r.MinInput + (d.Candidate.InputSteps * r.Step)).ToArray();
            return d.Trial with { Plain = d.Trial.Plain with { InputSize = d.Candidate.OneValue && sizes.Distinct().Count() == 1 ? new[] { sizes[0] } : sizes } };
        }).ToList();

        // Second pass: each plain declaration and its checkpointed twin, in one compilation.
        var second = InProcessGenerator.Run(trials.SelectMany(t => new[] { t.Plain, t.Checkpointed }));
        Assert.True(second.GeneratorException is null, Failure("the generator threw " + second.GeneratorException));
        var refused = trials.SelectMany(t => new[] { t.Plain, t.Checkpointed }).Where(d => !second.Accepted(d)).ToList();
        Assert.True(refused.Count == 0, Failure("declarations refused:\n" + string.Join("\n", refused.Select(d => d.Source() + string.Join("\n", second.Diagnostics(d))))));
        var compileErrors = second.CompileErrors();
        Assert.True(compileErrors.Count == 0, Failure("the generated networks do not compile: " + string.Join("\n", compileErrors.Take(5))));
        _output.WriteLine($"seed {seed}: {trials.Count} of {pairCount} pairs accepted; generated in {clock.Elapsed.TotalSeconds:0.0} s");
        _output.WriteLine(string.Join(", ", GeneratedNetworkRuntimeFuzzTests.Features.Select(f => f.Name + " " + trials.Count(t => f.Present(t.Plain)))));
        _output.WriteLine(string.Join(", ", s_trialFeatures.Select(f => f.Name + " " + trials.Count(f.Present))));

        var failures = new List<string>();
        var notTrainable = new List<string>();
        using (RuntimeAgreement.OneIntraOpThread())
        using (var networks = second.Load())
        {
            foreach (var trial in trials)
            {
                var outcome = Compare(networks.Type(trial.Plain), networks.Type(trial.Checkpointed), second.SizeRules(trial.Plain), trial);
                if (outcome.PlainFailure is not null)
                {
                    notTrainable.Add(trial + "\n  " + outcome.PlainFailure);
                }
                else if (outcome.Problems.Count > 0)
                {
                    failures.Add(trial + "\n" + string.Join("\n", outcome.Problems.Select(p => "  " + p)));
                }
            }
        }

        _output.WriteLine($"compared {trials.Count - notTrainable.Count} pairs in {clock.Elapsed.TotalSeconds:0.0} s in all");
        foreach (var skipped in notTrainable)
        {
            _output.WriteLine("the plain network cannot train at any size tried, so the pair was not compared:\n" + skipped);
        }

        Assert.True(failures.Count == 0, Failure(failures.Count + " checkpointed networks differ from their plain twins:\n\n" + string.Join("\n\n", failures)));
        Assert.True(notTrainable.Count <= pairCount / 10, Failure(notTrainable.Count + " plain networks could not train:\n\n" + string.Join("\n\n", notTrainable)));

        // The default run must keep meeting every feature, whatever changes in the generators above.
        var missed = GeneratedNetworkRuntimeFuzzTests.Features.Where(f => !trials.Any(t => f.Present(t.Plain))).Select(f => f.Name)
            .Concat(s_trialFeatures.Where(f => !trials.Any(f.Present)).Select(f => f.Name))
            .ToList();
        Assert.True(seed != DefaultSeed || pairCount != DefaultPairs || missed.Count == 0, Failure("no pair has " + string.Join(", ", missed) + "; choose a default seed that covers every feature"));
    }

    private static Trial Fixed(NetworkDeclaration plain, int checkpointMask, int[] steps, int batch = 2, bool inputGradient = false) =>
        new(plain, checkpointMask, steps, batch, inputGradient, 7);

    private static LevelDeclaration L(params int[] channels) => new(channels);

    /// <summary>Named pairs for the combinations where checkpointing has the most to get wrong.</summary>
    internal static readonly Dictionary<string, Trial> FixedCases = new(StringComparer.Ordinal)
    {
        // Every level's skip is cropped inside its checkpointed encoder by the amount derived at the smallest size.
        ["valid_all_levels_two_periods_up"] = Fixed(new("CkValidAll", 1, 2, new[] { L(4), L(6), L(8) }, new[] { 8 }) { Padding = ConvPadding.Valid, Dropout = 0.5 }, 0b111, new[] { 2, 1 }),

        // The declared input size moves the reference size the crops are derived at; the run is at another size.
        ["valid_declared_input_size"] = Fixed(new("CkValidDeclared", 1, 2, new[] { L(4), L(6) }, new[] { 8 }) { Padding = ConvPadding.Valid, InputSize = new[] { 60 } }, 0b011, new[] { 0, 2 }),

        // Level 1's own skip is not joined: level 2 takes it (level 1 pools by 1, so both are at one resolution), and
        // the skip leaves the checkpointed encoder whole for level 2 to crop (see DeeperJoinCases).
        ["valid_skip_taken_by_a_deeper_level"] = Fixed(new("CkRewired", 1, 2, new[] { L(4) with { Skip = SkipKind.None, Pool = new[] { 1, 1 } }, L(6) with { SkipFrom = 1 } }, new[] { 8 }) { Padding = ConvPadding.Valid }, 0b001, new[] { 1, 2 }),

        // Two decoder levels join level 1's skip: the checkpointed encoder hands it on whole.
        ["valid_skip_joined_twice"] = Fixed(new("CkJoinedTwice", 1, 2, new[] { L(4) with { Pool = new[] { 1, 1 } }, L(6) with { SkipFrom = 1, Skip = SkipKind.AttentionGate } }, new[] { 8 }) { Padding = ConvPadding.Valid }, 0b011, new[] { 2, 2 }, inputGradient: true),

        ["valid_3d_anisotropic_gate_trilinear"] = Fixed(new("CkAniso3D", 1, 2, new[] { L(3) with { Pool = new[] { 1, 2, 2 }, Skip = SkipKind.AttentionGate }, L(4) with { Pool = new[] { 2, 2, 1 } } }, new[] { 4 }) { Dimensions = 3, Padding = ConvPadding.Valid, UpSampling = UpSampling.Bilinear }, 0b001, new[] { 1, 0, 2 }, batch: 1),

        ["same_pool_by_3_group_norm_residual"] = Fixed(new("CkPoolBy3", 2, 3, new[] { L(4) with { Pool = new[] { 3, 3 } }, L(6, 4) with { Pool = new[] { 2, 3 } } }, new[] { 6 }) { Normalization = Normalization.Group, NormGroups = 2, Block = BlockKind.Residual }, 0b010, new[] { 2, 1 }),

        ["deep_supervision_add_and_no_skip"] = Fixed(new("CkSupervised", 1, 3, new[] { L(4) with { Skip = SkipKind.Add }, L(4) with { Skip = SkipKind.None, DeepSupervision = true }, L(6) with { DeepSupervision = true } }, new[] { 8 }) { Normalization = Normalization.Batch, Activation = Activation.GELU }, 0b110, new[] { 1, 2 }),

        ["conditional_attention_in_a_checkpointed_level"] = Fixed(new("CkDenoiser", 1, 1, new[] { L(4), L(8) with { Skip = SkipKind.AttentionGate } }, new[] { 8 }) { Normalization = Normalization.Group, NormGroups = 2, Activation = Activation.SiLU, Conditioning = new ConditioningDeclaration(8, 3, 2) { AttentionLevels = new[] { 1 } } }, 0b001, new[] { 2, 1 }, inputGradient: true),
    };

    /// <summary>
    /// Minimal pairs that once differed: a checkpointed level whose skip only a deeper decoder level joins (here level 1's,
    /// taken by level 2 with SkipFrom = 1) is cropped inside the segment by the amount the shape engine derived at the
    /// reference size. (Now the encoder hands such a skip on whole.) That join's crop grows with the input (level 1's map grows by a period per period, the map it
    /// is joined to by a period over level 1's pooling), so at other sizes the pre-cropped skip is too large (the
    /// decoder crops the rest, centred on the wrong pixel when the growth is odd) or too small (the crop throws).
    /// Level 1 pooled then, so the skip crossed resolutions; that is UNET1004 now, and the pairs keep the pattern with
    /// level 1 pooling by 1 (the comments below give the sizes of the old, pooled form).
    /// </summary>
    internal static readonly Dictionary<string, Trial> DeeperJoinCases = new(StringComparer.Ordinal)
    {
        // At 12x12, one period above the smallest: the skip is pre-cropped by 3 where the join needs 6, and the
        // decoder's centre crop of the remaining 3 starts one pixel off, so output and gradients differ.
        ["deeper_join_off_by_one_pixel"] = Fixed(new("CkBugOffset", 1, 2, new[] { L(4) with { Skip = SkipKind.None, Pool = new[] { 1, 1 } }, L(6) with { SkipFrom = 1, Pool = new[] { 3, 3 } } }, new[] { 8 }) { Padding = ConvPadding.Valid, KernelSize = 1 }, 0b001, new[] { 1, 1 }, batch: 1),

        // Declared 8x8, run at 4x4, the smallest valid size: the skip is pre-cropped by 4, derived at 8x8, and
        // CenterCropCopy throws "Cannot crop 4 from spatial axis 0 of a tensor of shape [1, 1, 4, 4]".
        ["deeper_join_below_the_declared_size_throws"] = Fixed(new("CkBugThrows", 1, 1, new[] { L(1) with { Skip = SkipKind.None, Pool = new[] { 1, 1 } }, L(1) with { SkipFrom = 1 } }, new[] { 1 }) { Padding = ConvPadding.Valid, KernelSize = 1, InputSize = new[] { 8 } }, 0b001, new[] { 0, 0 }, batch: 1),
    };

    [Fact]
    public void A_checkpointed_skip_joined_by_a_deeper_level_is_cropped_at_the_right_offset() => AssertSameStep(DeeperJoinCases["deeper_join_off_by_one_pixel"]);

    [Fact]
    public void A_checkpointed_skip_joined_by_a_deeper_level_is_cropped_below_the_declared_size() => AssertSameStep(DeeperJoinCases["deeper_join_below_the_declared_size_throws"]);

    public static TheoryData<string> FixedCaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in FixedCases.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FixedCaseNames))]
    public void Checkpointed_twin_gives_the_same_outputs_and_gradients(string name) => AssertSameStep(FixedCases[name]);

    private void AssertSameStep(Trial trial)
    {
        foreach (var declaration in new[] { trial.Plain, trial.Checkpointed })
        {
            Assert.True(_fixed.Generator.Accepted(declaration), declaration.Source() + string.Join("\n", _fixed.Generator.Diagnostics(declaration)));
        }

        Outcome outcome;
        using (RuntimeAgreement.OneIntraOpThread())
        {
            outcome = Compare(_fixed.Networks.Type(trial.Plain), _fixed.Networks.Type(trial.Checkpointed), _fixed.Generator.SizeRules(trial.Plain), trial);
        }

        Assert.True(outcome.PlainFailure is null, trial + "\nthe plain network cannot train: " + outcome.PlainFailure);
        Assert.True(outcome.Problems.Count == 0, trial + "\n" + string.Join("\n", outcome.Problems));
    }

    /// <summary>What one comparison found: why the plain network could not train (then nothing was compared), or the differences.</summary>
    internal sealed record Outcome(string? PlainFailure, List<string> Problems);

    /// <summary>
    /// Builds both networks, copies the plain one's state into the twin and runs one training step of each from the
    /// same random state; compares outputs and gradients. Should the plain network itself fail to train at the drawn
    /// size (a norm over a single value, say), the sizes move one period up, twice at most.
    /// </summary>
    internal static Outcome Compare(Type plainType, Type checkpointedType, IReadOnlyList<ValidSizeRule> rules, Trial trial)
    {
        string? plainFailure = null;
        for (var extra = 0; extra < 3; extra++)
        {
            var sizes = rules.Select((r, axis) => (long)(r.MinInput + ((trial.Steps[axis] + extra) * r.Step))).ToArray();
            using var scope = NewDisposeScope();
            torch.manual_seed(trial.Seed);
            var input = randn(new long[] { trial.Batch, trial.Plain.InChannels }.Concat(sizes).ToArray());
            if (trial.InputGradient)
            {
                input.requires_grad_(true);
            }

            Tensor? timestep = null;
            Tensor? context = null;
            if (trial.Plain.Conditioning is { } conditioning)
            {
                timestep = randint(0, 1000, new long[] { trial.Batch }, dtype: ScalarType.Int64);
                context = randn(trial.Batch, 1 + (trial.Seed % 3), conditioning.ContextChannels).requires_grad_(true);
            }

            using var plain = (nn.Module)plainType.GetConstructors().Single().Invoke(new object?[] { null, null });
            using var checkpointed = (nn.Module)checkpointedType.GetConstructors().Single().Invoke(new object?[] { null, null });
            var inputs = new[] { input, context }.OfType<Tensor>().Where(t => t.requires_grad).ToArray();

            Step expected;
            try
            {
                expected = Run(plain, input, timestep, context, inputs, trial.Seed);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.Runtime.InteropServices.ExternalException or TargetInvocationException)
            {
                plainFailure = "at " + string.Join("x", sizes) + ": " + (e is TargetInvocationException { InnerException: { } inner } ? inner.Message : e.Message).Split('\n')[0];
                continue;
            }

            var problems = new List<string>();
            Step actual;
            try
            {
                checkpointed.load_state_dict(plain.state_dict());
                actual = Run(checkpointed, input, timestep, context, inputs, trial.Seed);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.Runtime.InteropServices.ExternalException or TargetInvocationException)
            {
                var thrown = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
                problems.Add("at input " + string.Join("x", sizes) + " the checkpointed network threw " + thrown.GetType().Name + ": " + thrown.Message.Split('\n')[0]);
                return new Outcome(null, problems);
            }

            Agree(problems, expected, actual, string.Join("x", sizes));
            return new Outcome(null, problems);
        }

        return new Outcome(plainFailure, new List<string>());
    }

    /// <summary>Outputs (main first, then deep-supervision heads) and gradients (parameters by name, then the inputs that ask for one).</summary>
    private sealed record Step(Tensor[] Outputs, List<(string Name, Tensor? Gradient)> Gradients);

    private static Step Run(nn.Module module, Tensor input, Tensor? timestep, Tensor? context, Tensor[] inputs, int seed)
    {
        module.train();
        module.zero_grad();
        foreach (var tensor in inputs)
        {
            tensor.grad?.zero_();
        }

        // The same random state before each forward: the dropout masks match, and checkpointing must redraw them alike.
        torch.manual_seed(seed + 1);
        Tensor[] outputs;
        if (timestep is not null && context is not null)
        {
            outputs = new[] { ((nn.Module<Tensor, Tensor, Tensor, Tensor>)module).call(input, timestep, context) };
        }
        else if (module.GetType().GetMethod("ForwardWithHeads") is { } withHeads)
        {
            using var heads = (DeepSupervisionOutputs)withHeads.Invoke(module, new object[] { input })!;
            outputs = heads.Heads.Select(h => h.alias()).ToArray();
        }
        else
        {
            outputs = new[] { ((nn.Module<Tensor, Tensor>)module).call(input) };
        }

        var loss = outputs.Select(o => o.square().sum()).Aggregate((a, b) => a + b);
        loss.backward();
        var gradients = module.named_parameters().Select(p => (p.name, p.parameter.grad?.clone()))
            .Concat(inputs.Select((t, i) => ("input " + i, t.grad?.clone())))
            .ToList();
        return new Step(outputs.Select(o => o.detach()).ToArray(), gradients);
    }

    private static void Agree(List<string> problems, Step expected, Step actual, string size)
    {
        if (expected.Outputs.Length != actual.Outputs.Length)
        {
            problems.Add("at input " + size + " the plain network gives " + expected.Outputs.Length + " outputs, the checkpointed one " + actual.Outputs.Length);
            return;
        }

        for (var i = 0; i < expected.Outputs.Length; i++)
        {
            var what = i == 0 ? "the output" : "deep-supervision head " + i;
            if (!expected.Outputs[i].shape.SequenceEqual(actual.Outputs[i].shape))
            {
                problems.Add(what + " is [" + string.Join(", ", actual.Outputs[i].shape) + "], the plain network's [" + string.Join(", ", expected.Outputs[i].shape) + "]");
                continue;
            }

            var difference = (expected.Outputs[i] - actual.Outputs[i]).abs().max().item<float>();
            if (!(difference <= OutputTolerance))
            {
                problems.Add(what + " differs by up to " + difference.ToString("G3", CultureInfo.InvariantCulture));
            }
        }

        var actualGradients = actual.Gradients.ToDictionary(g => g.Name, g => g.Gradient, StringComparer.Ordinal);
        foreach (var (name, gradient) in expected.Gradients)
        {
            if (!actualGradients.TryGetValue(name, out var other))
            {
                problems.Add(name + " is missing from the checkpointed network");
                continue;
            }

            if (gradient is null || other is null)
            {
                if (gradient is not null || other is not null)
                {
                    problems.Add(name + (gradient is null ? " gets a gradient only when checkpointed" : " gets no gradient when checkpointed"));
                }

                continue;
            }

            var largest = gradient.abs().max().item<float>();
            var difference = (gradient - other).abs().max().item<float>();
            if (!(difference <= GradientTolerance * Math.Max(1f, largest)))
            {
                problems.Add("the gradient of " + name + " differs by up to " + difference.ToString("G3", CultureInfo.InvariantCulture) + " (its largest magnitude is " + largest.ToString("G3", CultureInfo.InvariantCulture) + ")");
            }
        }
    }

    /// <summary>Every fixed pair generated and compiled once, in one compilation, for all cases.</summary>
    public sealed class CompiledFixedCases : IDisposable
    {
        public CompiledFixedCases()
        {
            Generator = InProcessGenerator.Run(FixedCases.Values.Concat(DeeperJoinCases.Values).SelectMany(t => new[] { t.Plain, t.Checkpointed }));
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
