using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using UNetDsl.Generators.Diagnostics;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>
/// Propagates channels and every spatial axis through encoder, bottleneck and decoder. Pure: no Roslyn, no
/// TorchSharp; the generator and the tests call it alike.
/// </summary>
internal static class ShapeEngine
{
    /// <summary>Checks a resolved network and, when every shape lines up, reports what the compiler knows about it.</summary>
    /// <param name="network">The network with defaults applied.</param>
    /// <param name="declaredInput">The declared input size, one value per axis; empty when none was declared.</param>
    /// <param name="oneSizeForAllAxes">
    /// The declaration gives a single InputSize value for every axis: a size suggested to replace it must then be valid
    /// on every axis, and it replaces element 0.
    /// </param>
    public static (NetworkReport? Report, IReadOnlyList<Finding> Findings) Analyze(ResolvedNetwork network, IReadOnlyList<int> declaredInput, bool oneSizeForAllAxes = false)
    {
        // Counted before any trace, whose layers count their share: an overflow is the total's.
        var parameters = ShapeOverflowException.Long("The parameter count", Contributors.Channels | Contributors.Kernel | Contributors.Pool | Contributors.Conditioning, () => CountParameters(network));
        var findings = new List<Finding>();
        var axes = network.Dimensions;
        var solutions = new SizeRuleSolution[axes];
        var rules = new AxisRule?[axes];
        for (var axis = 0; axis < axes; axis++)
        {
            // An axis built like an earlier one (the usual isotropic network) has its rule: work each kind out once.
            var twin = EarlierTwin(network, axis);
            (rules[axis], solutions[axis]) = twin < 0 ? SolveAxis(network, axis) : (rules[twin], solutions[twin]);
        }

        // Size-independent problems (channels, rewired skips) show at any size where the poolings are exact; look at
        // the smallest valid one, or, without a rule, at a comfortably large one (see SizeRuleSolution.Probe).
        var probe = new int[axes];
        for (var axis = 0; axis < axes; axis++)
        {
            probe[axis] = rules[axis]?.MinInput ?? solutions[axis].Probe(PoolFactor(network, axis));
        }

        var atProbe = Propagate(network, probe, collectLayers: false);
        foreach (var problem in atProbe.Problems)
        {
            if (problem is SkipChannelsProblem or SkipSpatialProblem)
            {
                findings.Add(problem.ToFinding(network, rules, probe, oneSizeForAllAxes));
            }
        }

        if (findings.Count == 0 && rules.Any(r => r is null))
        {
            var reason = solutions.Select(s => s.Reason).FirstOrDefault(r => r is not null);
            var why = reason ?? (atProbe.Problems.Count > 0 ? atProbe.Problems[0].Explain(network) : "the skips' channels never fit");
            findings.Add(Finding.Create(DiagnosticDescriptors.NoValidInputSize.Id, ArgumentPath.UNet, "the network", why));
        }

        if (findings.Count > 0)
        {
            return (null, findings);
        }

        var validRules = rules.Select(r => r!.Value).ToArray();
        var declared = declaredInput.Count > 0;
        var input = declared ? declaredInput.ToArray() : validRules.Select(r => r.MinInput).ToArray();
        var trace = Propagate(network, input, collectLayers: true);
        foreach (var problem in trace.Problems)
        {
            var finding = problem.ToFinding(network, rules, input, oneSizeForAllAxes);
            if (!findings.Contains(finding))
            {
                findings.Add(finding);
            }
        }

        if (findings.Count > 0 || trace.Output is null)
        {
            return (null, findings);
        }

        var widest = new int[axes];
        var narrowest = new int[axes];
        for (var axis = 0; axis < axes; axis++)
        {
            // With cross-level skips the crops, and so the field, depend on the input size: share it only at the same size.
            var twin = EarlierTwin(network, axis);
            (narrowest[axis], widest[axis]) = twin >= 0 && input[twin] == input[axis]
                ? (narrowest[twin], widest[twin])
                : ReceptiveField.Compute(network, axis, input[axis]);
        }

        var layers = trace.Layers;
        var report = new NetworkReport(
            network,
            validRules.ToEquatableArray(),
            declared,
            input.ToEquatableArray(),
            trace.Output.ToEquatableArray(),
            layers.ToEquatableArray(),
            trace.Rows.OrderBy(r => r.Level).ToEquatableArray(),
            parameters,
            ShapeOverflowException.Long(MacsQuantity, MacsContributors, () => layers.Aggregate(0L, (sum, layer) => checked(sum + layer.MultiplyAccumulates))),
            widest.ToEquatableArray(),
            narrowest.ToEquatableArray());
        return (report, findings);
    }

    /// <summary>
    /// The first axis before <paramref name="axis"/> with the same kernel in every convolution and the same pooling
    /// factor at every level, or -1. Everything the valid-size search and the receptive field read of an axis is in
    /// those, so such an axis has the same rule and the same receptive field.
    /// </summary>
    internal static int EarlierTwin(ResolvedNetwork network, int axis)
    {
        for (var other = 0; other < axis; other++)
        {
            var same = SameKernel(network.Bottleneck, axis, other);
            foreach (var level in network.Levels)
            {
                same &= level.Pool[axis] == level.Pool[other] && SameKernel(level.Encoder, axis, other) && SameKernel(level.Decoder, axis, other);
            }

            if (same)
            {
                return other;
            }
        }

        return -1;

        static bool SameKernel(ConvStack stack, int a, int b) => stack.Kernel[a] == stack.Kernel[b];
    }

    private const string MacsQuantity = "The multiply-accumulate count at the input size";

    private const Contributors MacsContributors = Contributors.Channels | Contributors.Kernel | Contributors.Pool | Contributors.InputSize | Contributors.Conditioning;

    /// <summary>The product of the pooling factors along one axis: valid sizes repeat with this period.</summary>
    public static int PoolFactor(ResolvedNetwork network, int axis) =>
        ShapeOverflowException.Int(
            "The pooling period on axis " + AxisName(network.Dimensions, axis),
            Contributors.Pool,
            () => network.Levels.Aggregate(1L, (product, level) => checked(product * level.Pool[axis])));

    /// <summary>The rule of one axis (see <see cref="FindRule"/>) and what the solver found.</summary>
    private static (AxisRule? Rule, SizeRuleSolution Solution) SolveAxis(ResolvedNetwork network, int axis)
    {
        var solution = SizeRuleSolver.Solve(network, axis);
        return (Verified(network, axis, solution), solution);
    }

    /// <summary>Finds the valid sizes of one axis: the smallest that lines up, repeating every <see cref="PoolFactor"/>.</summary>
    /// <returns>The rule, or null when the sizes that line up do not repeat (see <see cref="SizeRuleSolver"/>) or a skip's channels never fit.</returns>
    public static AxisRule? FindRule(ResolvedNetwork network, int axis) => Verified(network, axis, SizeRuleSolver.Solve(network, axis));

    private static AxisRule? Verified(ResolvedNetwork network, int axis, SizeRuleSolution solution)
    {
        if (solution.Rule is not { } rule)
        {
            return null;
        }

        // The arithmetic is checked against one trace rather than trusted; channels, which it does not look at, may
        // still keep every size from working, as a trace of every size would find.
        var trace = Propagate(network, new[] { rule.MinInput }, collectLayers: false, new[] { axis });
        if (trace.Problems.Any(p => p is SkipChannelsProblem))
        {
            return null;
        }

        if (trace.Problems.Count > 0 || trace.Output is null || trace.Output[0] != rule.MinInput - rule.Shrink)
        {
            throw new InvalidOperationException("The valid-size rule " + rule.Describe() + " of axis " + AxisName(network.Dimensions, axis) + " disagrees with a trace of " + rule.MinInput + ".");
        }

        return rule;
    }

    /// <summary>Parameters as TorchSharp counts them: weights and biases of convolutions, affine norms.</summary>
    public static long CountParameters(ResolvedNetwork network)
    {
        checked
        {
            long total = 0;
            foreach (var level in network.Levels)
            {
                total += StackParameters(network, level.Encoder) + UpParameters(network, level) + GateParameters(level)
                    + StackParameters(network, level.Decoder) + (level.DeepSupervision ? HeadParameters(network, level.Decoder.OutChannels) : 0);
            }

            total += StackParameters(network, network.Bottleneck) + HeadParameters(network, network.HeadInChannels);
            if (network.Conditioning is { } conditioning)
            {
                total += TimeEmbeddingParameters(conditioning);
                foreach (var level in network.Levels.Where(l => conditioning.AttentionAt(l.Number)))
                {
                    total += TransformerParameters(level.Encoder.OutChannels, conditioning) + TransformerParameters(level.Decoder.OutChannels, conditioning);
                }

                total += conditioning.BottleneckAttention ? TransformerParameters(network.Bottleneck.OutChannels, conditioning) : 0;
            }

            return total;
        }
    }

    public static long StackParameters(ResolvedNetwork network, ConvStack stack)
    {
        checked
        {
            long total = 0;
            long inChannels = stack.InChannels;
            var volume = Product(stack.Kernel);
            foreach (var channels in stack.Channels)
            {
                total += ConvParameters(network, inChannels, channels, volume);
                inChannels = channels;
            }

            if (stack.TimeConditioned)
            {
                // The timestep projection into the first convolution's channels, and a plain 1x1 projection with bias.
                total += ((long)stack.TimeChannels * stack.Channels[0]) + stack.Channels[0];
                return total + (stack.HasProjection ? ((long)stack.InChannels * stack.OutChannels) + stack.OutChannels : 0);
            }

            // The residual path's 1x1 projection, with its own norm like every other convolution.
            return total + (stack.HasProjection ? ConvParameters(network, stack.InChannels, stack.OutChannels, 1) : 0);
        }
    }

    private static long ConvParameters(ResolvedNetwork network, long inChannels, long outChannels, long volume) => checked(
        (inChannels * outChannels * volume) + (network.ConvBias ? outChannels : 0) + (network.Normalization == NormKind.None ? 0 : 2 * outChannels));

    public static long UpParameters(ResolvedNetwork network, ResolvedLevel level)
    {
        // Transposed conv: kernel = stride = the pooling factors; bilinear: interpolation, then a 1x1 conv to set the channels.
        var volume = network.UpSampling == UpSamplingKind.TransposedConv ? Product(level.Pool) : 1;
        return checked(((long)level.UpInChannels * level.UpChannels * volume) + level.UpChannels);
    }

    /// <summary>
    /// The attention gate: W_x (kernel = stride = the pooling factors, so x meets g's resolution; no bias, as W_g's
    /// bias serves both), W_g (1x1 with bias), psi (1x1 to one channel, with bias).
    /// </summary>
    public static long GateParameters(ResolvedLevel level) =>
        level.Skip != SkipJoin.AttentionGate
            ? 0
            : checked(((long)level.SkipChannels * level.GateChannels * Product(level.Pool)) + (((long)level.UpInChannels + 1) * level.GateChannels) + level.GateChannels + 1);

    /// <summary>Sinusoidal features of width T through two T x T linear layers with bias.</summary>
    public static long TimeEmbeddingParameters(ConditioningSpec conditioning) => checked(2L * (((long)conditioning.TimeChannels * conditioning.TimeChannels) + conditioning.TimeChannels));

    /// <summary>
    /// A transformer block on C channels: group norm (2C), proj_in and proj_out (C^2 + C each), three layer norms
    /// (2C each), self-attention q, k, v (C^2 each, no bias) and out (C^2 + C), cross-attention q (C^2), k and v from
    /// the context (context x C each) and out (C^2 + C), feed-forward C to 4C to C (8C^2 + 5C).
    /// </summary>
    public static long TransformerParameters(int channels, ConditioningSpec conditioning)
    {
        long c = channels;
        return checked((16 * c * c) + (2L * conditioning.ContextChannels * c) + (17 * c));
    }

    public static long HeadParameters(ResolvedNetwork network, int inChannels) => checked(((long)inChannels * network.Classes) + network.Classes);

    public static long Product(System.Collections.Generic.IEnumerable<int> values)
    {
        long product = 1;
        foreach (var value in values)
        {
            product = checked(product * value);
        }

        return product;
    }

    public static string AxisName(int dimensions, int axis) => dimensions == 3 ? "DHW".Substring(axis, 1) : "HW".Substring(axis, 1);

    /// <summary>"[128, 139x139]".</summary>
    public static string FormatShape(int channels, IReadOnlyList<int> size) =>
        "[" + channels.ToString(CultureInfo.InvariantCulture) + ", " + string.Join("x", size.Select(s => s.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>Runs sizes through the network the way TorchSharp would (floor pooling), noting every problem.</summary>
    /// <param name="network">The network.</param>
    /// <param name="input">Input sizes, one per entry of <paramref name="axes"/>.</param>
    /// <param name="collectLayers">Record every layer's shape (for the report), not just problems.</param>
    /// <param name="axes">The network axes the sizes stand for; all of them when null. The valid-size search walks one axis at a time.</param>
    internal static Trace Propagate(ResolvedNetwork network, int[] input, bool collectLayers, int[]? axes = null)
    {
        var trace = new Trace(network, input, collectLayers, axes ?? Enumerable.Range(0, input.Length).ToArray());

        // Sizes stay within the input's, and each layer's parameters within the total, which Analyze counts first:
        // what can overflow here is a multiply-accumulate count.
        ShapeOverflowException.Long(MacsQuantity, MacsContributors, () =>
        {
            trace.Run();
            return 0;
        });
        return trace;
    }

    /// <summary>One walk through the network at one input size.</summary>
    internal sealed class Trace
    {
        private readonly ResolvedNetwork _network;
        private readonly bool _collect;
        private readonly int[] _axes;
        private int[] _size;
        private int _channels;

        public Trace(ResolvedNetwork network, int[] input, bool collect, int[] axes)
        {
            _network = network;
            _collect = collect;
            _axes = axes;
            _size = (int[])input.Clone();
            _channels = network.InChannels;
        }

        public List<LayerShape> Layers { get; } = new();

        public List<LevelRow> Rows { get; } = new();

        public List<ShapeProblem> Problems { get; } = new();

        public int[]? Output { get; private set; }

        public void Run()
        {
            checked
            {
                var levels = _network.Levels;
                var conditioning = _network.Conditioning;
                if (conditioning is not null && _collect)
                {
                    // The embedding is per sample, not per pixel: its row shows [N, T] with no spatial size.
                    Layers.Add(new LayerShape("time_embed", LayerKind.TimeEmbedding, "Sinusoidal + MLP", conditioning.TimeChannels, EquatableArray<int>.Empty, ShapeEngine.TimeEmbeddingParameters(conditioning), 2L * conditioning.TimeChannels * conditioning.TimeChannels));
                }

                var skips = new (int Channels, int[] Size)[levels.Count];
                var oddPools = new OddPoolProblem?[levels.Count];
                var oddSeen = new bool[_size.Length];
                var oddAt = new bool[levels.Count];
                for (var i = 0; i < levels.Count; i++)
                {
                    var number = i + 1;
                    if (!Convolve(levels[i].Encoder, "enc" + number, "encoder level " + number))
                    {
                        return;
                    }

                    Attend(conditioning?.AttentionAt(number) == true, "attn_enc" + number);
                    skips[i] = (_channels, (int[])_size.Clone());
                    var factors = _axes.Select(a => levels[i].Pool[a]).ToArray();
                    oddAt[i] = Enumerable.Range(0, _size.Length).Any(a => _size[a] % factors[a] != 0);

                    // Only the first inexact size of an axis is the cause; the sizes below it follow from the floor.
                    var oddAxes = Enumerable.Range(0, _size.Length).Where(a => _size[a] % factors[a] != 0 && !oddSeen[a]).ToArray();
                    if (oddAxes.Length > 0)
                    {
                        oddPools[i] = new OddPoolProblem(number, _axes[oddAxes[0]], factors[oddAxes[0]], _channels, (int[])_size.Clone(), oddAxes[0]);
                        foreach (var axis in oddAxes)
                        {
                            oddSeen[axis] = true;
                        }
                    }

                    _size = Enumerable.Range(0, _size.Length).Select(a => _size[a] / factors[a]).ToArray();
                    var emptyAxis = Array.IndexOf(_size, 0);
                    if (emptyAxis >= 0)
                    {
                        Problems.Add(new VanishedProblem("the pooling after level " + number, _axes[emptyAxis], 0));
                        return;
                    }

                    Add("pool" + number, LayerKind.MaxPool, "MaxPool " + Text(levels[i].Pool), 0, 0);
                }

                if (!Convolve(_network.Bottleneck, "bottleneck", "the bottleneck"))
                {
                    return;
                }

                Attend(conditioning?.BottleneckAttention == true, "attn_bottleneck");

                if (_network.Dropout > 0)
                {
                    Add("dropout", LayerKind.Dropout, "Dropout p=" + _network.Dropout.ToString("R", CultureInfo.InvariantCulture), 0, 0);
                }

                for (var i = levels.Count - 1; i >= 0; i--)
                {
                    var level = levels[i];
                    var number = level.Number;
                    var upInput = _channels;
                    var coarse = _size;
                    _size = Enumerable.Range(0, _size.Length).Select(a => _size[a] * level.Pool[_axes[a]]).ToArray();
                    _channels = level.UpChannels;
                    var upMacs = Volume(_size) * upInput * level.UpChannels;
                    if (_network.UpSampling == UpSamplingKind.TransposedConv)
                    {
                        Add("up" + number, LayerKind.UpConv, "ConvTranspose " + Text(level.Pool) + " stride " + Text(level.Pool), ShapeEngine.UpParameters(_network, level), upMacs);
                    }
                    else
                    {
                        Add("up" + number, LayerKind.UpSample, "Upsample x" + Text(level.Pool) + " + Conv " + Pointwise(), ShapeEngine.UpParameters(_network, level), upMacs);
                    }

                    var crop = new int[_size.Length];
                    if (oddPools[i] is { } odd)
                    {
                        odd.UpChannels = _channels;
                        odd.UpSize = (int[])_size.Clone();
                        Problems.Add(odd);
                    }

                    if (level.Skip != SkipJoin.None)
                    {
                        var (skipChannels, skipSize) = skips[level.SkipFrom - 1];
                        var causedByOddPool = oddAt.Skip(Math.Min(level.SkipFrom, number) - 1).Any(odd => odd);
                        var spatialOk = true;
                        for (var axis = 0; axis < _size.Length; axis++)
                        {
                            crop[axis] = skipSize[axis] - _size[axis];
                            spatialOk &= _network.Padding == PaddingKind.Same ? crop[axis] == 0 : crop[axis] >= 0;
                        }

                        if (_network.Padding == PaddingKind.Valid && _axes.Length == _network.Dimensions && !SameResolution(_network, level.SkipFrom, number))
                        {
                            // A centre crop lines the sizes up but not the scales: a crop of a finer map is another field of
                            // view at another resolution, not this level's skip. (With 'Same' the sizes already differ.) Only
                            // whole walks say so: it holds at every size, so the valid-size search, one axis at a time,
                            // need not try them all in vain.
                            Problems.Add(new SkipSpatialProblem(number, level.SkipFrom, skipChannels, skipSize, _channels, (int[])_size.Clone(), crossResolution: true));
                        }
                        else if (!spatialOk && !causedByOddPool)
                        {
                            Problems.Add(new SkipSpatialProblem(number, level.SkipFrom, skipChannels, skipSize, _channels, (int[])_size.Clone()));
                        }

                        if (level.Skip == SkipJoin.Add && skipChannels != _channels)
                        {
                            Problems.Add(new SkipChannelsProblem(number, skipChannels, skipSize, _channels, (int[])_size.Clone()));
                        }

                        if (crop.Any(c => c != 0))
                        {
                            var saved = _channels;
                            _channels = skipChannels;
                            Add("crop" + number, LayerKind.Crop, "Crop enc" + level.SkipFrom + " by " + string.Join("x", crop.Select(c => c.ToString(CultureInfo.InvariantCulture))), 0, 0);
                            _channels = saved;
                        }

                        if (level.Skip == SkipJoin.AttentionGate)
                        {
                            var saved = _channels;
                            _channels = skipChannels;
                            var gateMacs = Volume(coarse) * ((skipChannels * (long)level.GateChannels * ShapeEngine.Product(level.Pool)) + ((long)upInput * level.GateChannels) + level.GateChannels);
                            Add("gate" + number, LayerKind.Gate, "AttentionGate " + level.GateChannels + " ch [enc" + level.SkipFrom + ", dec below]", ShapeEngine.GateParameters(level), gateMacs);
                            _channels = saved;
                        }

                        if (level.Concatenates)
                        {
                            _channels += skipChannels;
                            Add("cat" + number, LayerKind.Concat, "Concat [enc" + level.SkipFrom + ", up" + number + "]", 0, 0);
                        }
                        else
                        {
                            Add("add" + number, LayerKind.Add, "Add [enc" + level.SkipFrom + ", up" + number + "]", 0, 0);
                        }
                    }

                    if (!Convolve(level.Decoder, "dec" + number, "decoder level " + number))
                    {
                        return;
                    }

                    Attend(conditioning?.AttentionAt(number) == true, "attn_dec" + number);
                    if (level.DeepSupervision)
                    {
                        var decoderChannels = _channels;
                        _channels = _network.Classes;
                        Add("head" + number, LayerKind.Head, "Conv " + Pointwise() + " (deep supervision)", ShapeEngine.HeadParameters(_network, decoderChannels), Volume(_size) * decoderChannels * _network.Classes);
                        _channels = decoderChannels;
                    }

                    Rows.Add(new LevelRow(
                        number,
                        skips[i].Size.ToEquatableArray(),
                        skips[i].Channels,
                        crop.ToEquatableArray(),
                        _size.ToEquatableArray(),
                        _channels,
                        level.Skip switch
                        {
                            SkipJoin.None => "none",
                            SkipJoin.Add => level.SkipFrom == number ? "add" : "add from level " + level.SkipFrom,
                            SkipJoin.AttentionGate => level.SkipFrom == number ? "gate" : "gate from level " + level.SkipFrom,
                            _ => level.SkipFrom == number ? "concat" : "concat from level " + level.SkipFrom,
                        }));
                }

                var headInput = _channels;
                _channels = _network.Classes;
                Add("head", LayerKind.Head, "Conv " + Pointwise(), ShapeEngine.HeadParameters(_network, headInput), Volume(_size) * headInput * _network.Classes);
                Output = _size;
            }
        }

        private bool Convolve(ConvStack stack, string name, string where)
        {
            checked
            {
                var macs = 0L;
                var volume = ShapeEngine.Product(stack.Kernel);
                var inputVolume = Volume(_size);
                for (var j = 0; j < stack.Channels.Count; j++)
                {
                    var inChannels = _channels;
                    _channels = stack.Channels[j];
                    if (_network.Padding == PaddingKind.Valid)
                    {
                        _size = Enumerable.Range(0, _size.Length).Select(a => _size[a] - (stack.Kernel[_axes[a]] - 1)).ToArray();
                    }

                    for (var axis = 0; axis < _size.Length; axis++)
                    {
                        if (_size[axis] <= 0)
                        {
                            Problems.Add(new VanishedProblem(where + " (convolution " + (j + 1) + ")", _axes[axis], _size[axis]));
                            return false;
                        }
                    }

                    macs += Volume(_size) * inChannels * _channels * volume;
                }

                if (stack.HasProjection)
                {
                    // The projection runs on the block's input, before the centre crop that 'Valid' padding needs.
                    macs += inputVolume * stack.InChannels * stack.OutChannels;
                }

                var kind = stack.TimeConditioned ? " + time" : stack.Residual ? " residual" : string.Empty;
                Add(name, LayerKind.ConvBlock, stack.Channels.Count + " x Conv " + Text(stack.Kernel) + kind, ShapeEngine.StackParameters(_network, stack), macs);
                return true;
            }
        }

        /// <summary>
        /// A transformer block's row. Its multiply-accumulates count the linear layers per pixel (16 C^2) and the
        /// self-attention's two P x P x C products; cross-attention's depend on the context length, unknown here.
        /// </summary>
        private void Attend(bool present, string name)
        {
            checked
            {
                if (!present || _network.Conditioning is not { } conditioning)
                {
                    return;
                }

                var pixels = Volume(_size);
                long c = _channels;
                Add(name, LayerKind.Transformer, "Transformer " + conditioning.Heads + " heads", ShapeEngine.TransformerParameters(_channels, conditioning), (pixels * 16 * c * c) + (2 * pixels * pixels * c));
            }
        }

        private string Pointwise() => _network.Dimensions == 3 ? "1x1x1" : "1x1";

        private static string Text(EquatableArray<int> values) => string.Join("x", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));

        private static long Volume(int[] size)
        {
            checked
            {
                long volume = 1;
                foreach (var s in size)
                {
                    volume *= s;
                }

                return volume;
            }
        }

        private void Add(string name, LayerKind kind, string description, long parameters, long macs)
        {
            if (_collect)
            {
                Layers.Add(new LayerShape(name, kind, description, _channels, _size.ToEquatableArray(), parameters, macs));
            }
        }
    }

    /// <summary>A problem met while propagating, before it is tied to a declaration argument.</summary>
    internal abstract class ShapeProblem
    {
        public abstract Finding ToFinding(ResolvedNetwork network, AxisRule?[] rules, int[] input, bool oneSizeForAllAxes);

        public abstract string Explain(ResolvedNetwork network);

        protected static string Axis(ResolvedNetwork network, int axis) => AxisName(network.Dimensions, axis);

        protected static string InputElement(int axis) => ArgumentPath.Element(ArgumentPath.Argument(ArgumentPath.UNet, "InputSize"), axis);

        /// <summary>What a code fix needs to replace the input size of <paramref name="axis"/>: which element, its value, the nearest valid sizes.</summary>
        protected static DiagnosticProperty[] InputFix(AxisRule?[] rules, int[] input, int axis, bool oneSizeForAllAxes)
        {
            var (below, above) = oneSizeForAllAxes ? NearestOnEveryAxis(rules, input[axis]) : NearestOnAxis(rules[axis]!.Value, input[axis]);
            return new[] { FixData.Axis(oneSizeForAllAxes ? 0 : axis), FixData.Value(input[axis]), FixData.Suggestions(below, above) };
        }

        private static (int? Below, int? Above) NearestOnAxis(AxisRule rule, int size)
        {
            var (below, above) = rule.Nearest(size);
            return (below == size ? null : below, above == size ? null : above);
        }

        private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);

        /// <summary>The nearest sizes, below and above, that every axis accepts (null when there is none).</summary>
        private static (int? Below, int? Above) NearestOnEveryAxis(AxisRule?[] rules, int size)
        {
            if (rules.Any(r => r is null))
            {
                return (null, null);
            }

            var all = rules.Select(r => r!.Value).ToArray();
            bool ValidEverywhere(long candidate) => all.All(r => r.IsValid((int)candidate));

            // Sizes valid on every axis are those at or above the largest minimum that sit in one residue class modulo
            // the least common multiple of the steps; so the nearest ones, if any, lie within one period of the size.
            var period = all.Aggregate(1L, (lcm, r) => lcm / Gcd(lcm, r.Step) * r.Step);
            var floor = Math.Max(1L, size - period);
            var ceiling = Math.Min(int.MaxValue, Math.Max(size, all.Max(r => r.MinInput)) + period);

            int? below = null;
            for (var candidate = (long)size - 1; candidate >= floor; candidate--)
            {
                if (ValidEverywhere(candidate))
                {
                    below = (int)candidate;
                    break;
                }
            }

            int? above = null;
            for (var candidate = (long)size + 1; candidate <= ceiling; candidate++)
            {
                if (ValidEverywhere(candidate))
                {
                    above = (int)candidate;
                    break;
                }
            }

            return (below, above);
        }
    }

    internal sealed class VanishedProblem(string where, int axis, int size) : ShapeProblem
    {
        public override Finding ToFinding(ResolvedNetwork network, AxisRule?[] rules, int[] input, bool oneSizeForAllAxes)
        {
            if (rules[axis] is not { } rule)
            {
                return Finding.Create(DiagnosticDescriptors.NoValidInputSize.Id, ArgumentPath.UNet, "the network", Explain(network));
            }

            return Finding.Create(DiagnosticDescriptors.FeatureMapVanishes.Id, InputElement(axis), where, Axis(network, axis), size, rule.MinInput, rule.Describe())
                .WithFixData(InputFix(rules, input, axis, oneSizeForAllAxes));
        }

        public override string Explain(ResolvedNetwork network) =>
            "the feature map shrinks to nothing at " + where + " (axis " + Axis(network, axis) + " would be " + size + ")";
    }

    internal sealed class OddPoolProblem(int level, int axis, int factor, int channels, int[] size, int position) : ShapeProblem
    {
        public int UpChannels { get; set; }

        public int[]? UpSize { get; set; }

        public override Finding ToFinding(ResolvedNetwork network, AxisRule?[] rules, int[] input, bool oneSizeForAllAxes)
        {
            var skip = FormatShape(channels, size);
            var up = UpSize is null ? "decoder map" : FormatShape(UpChannels, UpSize);
            var axisName = Axis(network, axis);
            if (rules[axis] is not { } rule)
            {
                return Finding.Create(DiagnosticDescriptors.NoValidInputSize.Id, ArgumentPath.UNet, "the network", Explain(network));
            }

            // The nearest valid sizes refer to the input, so report the input's size on that axis.
            return Finding.Create(
                DiagnosticDescriptors.PoolingNotExact.Id, InputElement(axis), level, skip, Reason(network), axisName, up,
                rule.DescribeNearest(input[position]), rule.Describe(), factor == 2 ? "halve" : "divide by " + factor)
                .WithFixData(InputFix(rules, input, axis, oneSizeForAllAxes));
        }

        public override string Explain(ResolvedNetwork network) =>
            "max-pooling after level " + level + " meets " + Reason(network);

        private string Reason(ResolvedNetwork network) =>
            size[position] + (factor == 2 ? " is odd" : " is not a multiple of " + factor) + " on axis " + Axis(network, axis);
    }

    internal sealed class SkipChannelsProblem(int level, int skipChannels, int[] skipSize, int upChannels, int[] upSize) : ShapeProblem
    {
        public override Finding ToFinding(ResolvedNetwork network, AxisRule?[] rules, int[] input, bool oneSizeForAllAxes) =>
            Finding.Create(
                DiagnosticDescriptors.SkipChannelMismatch.Id, ArgumentPath.Argument(ArgumentPath.Level(level), "UpChannels"),
                level, FormatShape(skipChannels, skipSize), FormatShape(upChannels, upSize), skipChannels);

        public override string Explain(ResolvedNetwork network) =>
            "level " + level + " adds a skip of " + skipChannels + " channels to " + upChannels + " channels";
    }

    /// <summary>The total pooling factor above <paramref name="level"/>, per axis: 1 at level 1, 2 at level 2 of a paper U-Net.</summary>
    internal static int[] Scale(ResolvedNetwork network, int level)
    {
        var scale = Enumerable.Repeat(1, network.Dimensions).ToArray();
        for (var i = 0; i < level - 1; i++)
        {
            for (var axis = 0; axis < scale.Length; axis++)
            {
                scale[axis] *= network.Levels[i].Pool[axis];
            }
        }

        return scale;
    }

    /// <summary>True when levels <paramref name="a"/> and <paramref name="b"/> see the input at one resolution on every axis.</summary>
    internal static bool SameResolution(ResolvedNetwork network, int a, int b) => Scale(network, a).SequenceEqual(Scale(network, b));

    /// <summary>"full resolution", or the fraction of it per axis: "1/2x1/2", "1x1/2x1/2".</summary>
    internal static string ResolutionText(ResolvedNetwork network, int level)
    {
        var scale = Scale(network, level);
        return scale.All(f => f == 1)
            ? "full resolution"
            : string.Join("x", scale.Select(f => f == 1 ? "1" : "1/" + f.ToString(CultureInfo.InvariantCulture))) + " of full resolution";
    }

    internal sealed class SkipSpatialProblem(int level, int from, int skipChannels, int[] skipSize, int upChannels, int[] upSize, bool crossResolution = false) : ShapeProblem
    {
        public override Finding ToFinding(ResolvedNetwork network, AxisRule?[] rules, int[] input, bool oneSizeForAllAxes)
        {
            var reason = crossResolution
                ? "level " + from + " is at " + ResolutionText(network, from) + " and level " + level + " at " + ResolutionText(network, level)
                    + ", and a centre crop cannot join maps of different scales"
                : network.Padding == PaddingKind.Same
                ? "'Same' padding joins maps of equal size only"
                : "the skip is smaller than the decoder map, so centre-cropping cannot line them up";
            var fix = from == level
                ? "check DecoderChannels and UpChannels of the levels below"
                : crossResolution
                ? "take the skip from a level at level " + level + "'s resolution (remove SkipFrom) or use Skip = SkipKind.None"
                : "take the skip from level " + level + " (remove SkipFrom) or use Skip = SkipKind.None";
            return Finding.Create(
                DiagnosticDescriptors.SkipSpatialMismatch.Id, ArgumentPath.Argument(ArgumentPath.Level(level), "SkipFrom"),
                level, from, FormatShape(skipChannels, skipSize), FormatShape(upChannels, upSize), reason, fix);
        }

        public override string Explain(ResolvedNetwork network) =>
            "level " + level + " cannot join the skip from level " + from + " " + FormatShape(skipChannels, skipSize) + " to " + FormatShape(upChannels, upSize);
    }
}
