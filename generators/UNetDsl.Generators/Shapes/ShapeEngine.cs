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
    /// <summary>The largest input size searched for the smallest valid one, per axis.</summary>
    public const int SearchLimit = 16384;

    /// <summary>Checks a resolved network and, when every shape lines up, reports what the compiler knows about it.</summary>
    /// <param name="network">The network with defaults applied.</param>
    /// <param name="declaredInput">The declared input size, one value per axis; empty when none was declared.</param>
    public static (NetworkReport? Report, IReadOnlyList<Finding> Findings) Analyze(ResolvedNetwork network, IReadOnlyList<int> declaredInput)
    {
        var findings = new List<Finding>();
        var axes = network.Dimensions;
        var rules = new AxisRule?[axes];
        for (var axis = 0; axis < axes; axis++)
        {
            rules[axis] = FindRule(network);
        }

        // Size-independent problems (channels, rewired skips) show at any size; look at a comfortably large one.
        var probe = new int[axes];
        for (var axis = 0; axis < axes; axis++)
        {
            probe[axis] = rules[axis]?.MinInput ?? (PoolFactor(network) * 64);
        }

        var atProbe = Propagate(network, probe, collectLayers: false);
        foreach (var problem in atProbe.Problems)
        {
            if (problem is SkipChannelsProblem or SkipSpatialProblem)
            {
                findings.Add(problem.ToFinding(network, rules, probe));
            }
        }

        if (findings.Count == 0 && rules.Any(r => r is null))
        {
            var why = atProbe.Problems.Count > 0 ? atProbe.Problems[0].Explain(network) : "no size up to " + SearchLimit + " lines up";
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
            var finding = problem.ToFinding(network, rules, input);
            if (!findings.Contains(finding))
            {
                findings.Add(finding);
            }
        }

        if (findings.Count > 0 || trace.Output is null)
        {
            return (null, findings);
        }

        var receptiveField = new int[axes];
        for (var axis = 0; axis < axes; axis++)
        {
            receptiveField[axis] = ReceptiveField.Compute(network, validRules[axis]);
        }

        var report = new NetworkReport(
            network,
            validRules.ToEquatableArray(),
            declared,
            input.ToEquatableArray(),
            trace.Output.ToEquatableArray(),
            trace.Layers.ToEquatableArray(),
            trace.Rows.OrderBy(r => r.Level).ToEquatableArray(),
            CountParameters(network),
            trace.Layers.Sum(l => l.MultiplyAccumulates),
            receptiveField.ToEquatableArray());
        return (report, findings);
    }

    /// <summary>The product of the pooling factors: valid sizes repeat with this period.</summary>
    public static int PoolFactor(ResolvedNetwork network) => 1 << network.Levels.Count;

    /// <summary>Finds the valid sizes of one axis: the smallest that lines up, repeating every <see cref="PoolFactor"/>.</summary>
    public static AxisRule? FindRule(ResolvedNetwork network)
    {
        var step = PoolFactor(network);
        for (var size = 1; size <= SearchLimit; size++)
        {
            var trace = Propagate(network, new[] { size }, collectLayers: false);
            if (trace.Problems.Count > 0 || trace.Output is null)
            {
                continue;
            }

            // Every constraint is a congruence modulo the pooling period plus a lower bound, so the next sizes of the
            // same residue line up too; check two of them rather than trust it.
            var output = trace.Output[0];
            for (var k = 1; k <= 2; k++)
            {
                var next = Propagate(network, new[] { size + (k * step) }, collectLayers: false);
                if (next.Problems.Count > 0 || next.Output is null || size + (k * step) - next.Output[0] != size - output)
                {
                    return null;
                }
            }

            return new AxisRule(size, step, size - output);
        }

        return null;
    }

    /// <summary>Parameters as TorchSharp counts them: weights and biases of convolutions, affine norms.</summary>
    public static long CountParameters(ResolvedNetwork network)
    {
        long total = 0;
        foreach (var level in network.Levels)
        {
            total += StackParameters(network, level.Encoder) + UpParameters(network, level) + StackParameters(network, level.Decoder);
        }

        return total + StackParameters(network, network.Bottleneck) + HeadParameters(network);
    }

    public static long StackParameters(ResolvedNetwork network, ConvStack stack)
    {
        long total = 0;
        long inChannels = stack.InChannels;
        var volume = Power(stack.KernelSize, network.Dimensions);
        foreach (var channels in stack.Channels)
        {
            total += (inChannels * channels * volume) + (network.ConvBias ? channels : 0);
            total += network.Normalization == NormKind.None ? 0 : 2L * channels;
            inChannels = channels;
        }

        return total;
    }

    public static long UpParameters(ResolvedNetwork network, ResolvedLevel level)
    {
        // Transposed conv: a 2x2 (2x2x2) kernel; bilinear: interpolation, then a 1x1 conv to set the channels.
        var volume = network.UpSampling == UpSamplingKind.TransposedConv ? Power(2, network.Dimensions) : 1;
        return ((long)level.UpInChannels * level.UpChannels * volume) + level.UpChannels;
    }

    public static long HeadParameters(ResolvedNetwork network) => ((long)network.HeadInChannels * network.Classes) + network.Classes;

    public static string AxisName(int dimensions, int axis) => dimensions == 3 ? "DHW".Substring(axis, 1) : "HW".Substring(axis, 1);

    /// <summary>"[128, 139x139]".</summary>
    public static string FormatShape(int channels, IReadOnlyList<int> size) =>
        "[" + channels.ToString(CultureInfo.InvariantCulture) + ", " + string.Join("x", size.Select(s => s.ToString(CultureInfo.InvariantCulture))) + "]";

    private static long Power(int value, int exponent)
    {
        long result = 1;
        for (var i = 0; i < exponent; i++)
        {
            result *= value;
        }

        return result;
    }

    /// <summary>Runs sizes through the network the way TorchSharp would (floor pooling), noting every problem.</summary>
    internal static Trace Propagate(ResolvedNetwork network, int[] input, bool collectLayers)
    {
        var trace = new Trace(network, input, collectLayers);
        trace.Run();
        return trace;
    }

    /// <summary>One walk through the network at one input size.</summary>
    internal sealed class Trace
    {
        private readonly ResolvedNetwork _network;
        private readonly bool _collect;
        private int[] _size;
        private int _channels;

        public Trace(ResolvedNetwork network, int[] input, bool collect)
        {
            _network = network;
            _collect = collect;
            _size = (int[])input.Clone();
            _channels = network.InChannels;
        }

        public List<LayerShape> Layers { get; } = new();

        public List<LevelRow> Rows { get; } = new();

        public List<ShapeProblem> Problems { get; } = new();

        public int[]? Output { get; private set; }

        public void Run()
        {
            var levels = _network.Levels;
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

                skips[i] = (_channels, (int[])_size.Clone());
                oddAt[i] = _size.Any(s => s % 2 != 0);

                // Only the first odd size of an axis is the cause; the sizes below it follow from the floor.
                var oddAxes = Enumerable.Range(0, _size.Length).Where(a => _size[a] % 2 != 0 && !oddSeen[a]).ToArray();
                if (oddAxes.Length > 0)
                {
                    oddPools[i] = new OddPoolProblem(number, oddAxes[0], _channels, (int[])_size.Clone());
                    foreach (var axis in oddAxes)
                    {
                        oddSeen[axis] = true;
                    }
                }

                _size = _size.Select(s => s / 2).ToArray();
                var emptyAxis = Array.IndexOf(_size, 0);
                if (emptyAxis >= 0)
                {
                    Problems.Add(new VanishedProblem("the pooling after level " + number, emptyAxis, 0));
                    return;
                }

                Add("pool" + number, LayerKind.MaxPool, "MaxPool " + PoolText(), 0, 0);
            }

            if (!Convolve(_network.Bottleneck, "bottleneck", "the bottleneck"))
            {
                return;
            }

            if (_network.Dropout > 0)
            {
                Add("dropout", LayerKind.Dropout, "Dropout p=" + _network.Dropout.ToString("R", CultureInfo.InvariantCulture), 0, 0);
            }

            for (var i = levels.Count - 1; i >= 0; i--)
            {
                var level = levels[i];
                var number = level.Number;
                var upInput = _channels;
                _size = _size.Select(s => s * 2).ToArray();
                _channels = level.UpChannels;
                var upMacs = Volume(_size) * upInput * level.UpChannels;
                if (_network.UpSampling == UpSamplingKind.TransposedConv)
                {
                    Add("up" + number, LayerKind.UpConv, "ConvTranspose " + PoolText() + " stride 2", ShapeEngine.UpParameters(_network, level), upMacs);
                }
                else
                {
                    Add("up" + number, LayerKind.UpSample, "Upsample x2 + Conv 1x1", ShapeEngine.UpParameters(_network, level), upMacs);
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

                    if (!spatialOk && !causedByOddPool)
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

                    if (level.Skip == SkipJoin.Concat)
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
                        _ => level.SkipFrom == number ? "concat" : "concat from level " + level.SkipFrom,
                    }));
            }

            var headInput = _channels;
            _channels = _network.Classes;
            Add("head", LayerKind.Head, "Conv 1x1", ShapeEngine.HeadParameters(_network), Volume(_size) * headInput * _network.Classes);
            Output = _size;
        }

        private bool Convolve(ConvStack stack, string name, string where)
        {
            var macs = 0L;
            var volume = Power(stack.KernelSize, _network.Dimensions);
            for (var j = 0; j < stack.Channels.Count; j++)
            {
                var inChannels = _channels;
                _channels = stack.Channels[j];
                if (_network.Padding == PaddingKind.Valid)
                {
                    _size = _size.Select(s => s - (stack.KernelSize - 1)).ToArray();
                }

                for (var axis = 0; axis < _size.Length; axis++)
                {
                    if (_size[axis] <= 0)
                    {
                        Problems.Add(new VanishedProblem(where + " (convolution " + (j + 1) + ")", axis, _size[axis]));
                        return false;
                    }
                }

                macs += Volume(_size) * inChannels * _channels * volume;
            }

            var kernel = string.Join("x", Enumerable.Repeat(stack.KernelSize.ToString(CultureInfo.InvariantCulture), _network.Dimensions));
            Add(name, LayerKind.ConvBlock, stack.Channels.Count + " x Conv " + kernel, ShapeEngine.StackParameters(_network, stack), macs);
            return true;
        }

        private string PoolText() => string.Join("x", Enumerable.Repeat("2", _network.Dimensions));

        private static long Volume(int[] size)
        {
            long volume = 1;
            foreach (var s in size)
            {
                volume *= s;
            }

            return volume;
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
        public abstract Finding ToFinding(ResolvedNetwork network, AxisRule?[] rules, int[] input);

        public abstract string Explain(ResolvedNetwork network);

        protected static string Axis(ResolvedNetwork network, int axis) => AxisName(network.Dimensions, axis);

        protected static string InputElement(int axis) => ArgumentPath.Element(ArgumentPath.Argument(ArgumentPath.UNet, "InputSize"), axis);
    }

    internal sealed class VanishedProblem(string where, int axis, int size) : ShapeProblem
    {
        public override Finding ToFinding(ResolvedNetwork network, AxisRule?[] rules, int[] input)
        {
            if (rules[axis] is not { } rule)
            {
                return Finding.Create(DiagnosticDescriptors.NoValidInputSize.Id, ArgumentPath.UNet, "the network", Explain(network));
            }

            return Finding.Create(DiagnosticDescriptors.FeatureMapVanishes.Id, InputElement(axis), where, Axis(network, axis), size, rule.MinInput, rule.Describe());
        }

        public override string Explain(ResolvedNetwork network) =>
            "the feature map shrinks to nothing at " + where + " (axis " + Axis(network, axis) + " would be " + size + ")";
    }

    internal sealed class OddPoolProblem(int level, int axis, int channels, int[] size) : ShapeProblem
    {
        public int UpChannels { get; set; }

        public int[]? UpSize { get; set; }

        public override Finding ToFinding(ResolvedNetwork network, AxisRule?[] rules, int[] input)
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
                DiagnosticDescriptors.PoolingNotExact.Id, InputElement(axis), level, skip, size[axis], axisName, up,
                rule.DescribeNearest(input[axis]), rule.Describe());
        }

        public override string Explain(ResolvedNetwork network) =>
            "max-pooling after level " + level + " meets an odd size " + size[axis] + " on axis " + Axis(network, axis);
    }

    internal sealed class SkipChannelsProblem(int level, int skipChannels, int[] skipSize, int upChannels, int[] upSize) : ShapeProblem
    {
        public override Finding ToFinding(ResolvedNetwork network, AxisRule?[] rules, int[] input) =>
            Finding.Create(
                DiagnosticDescriptors.SkipChannelMismatch.Id, ArgumentPath.Argument(ArgumentPath.Level(level), "UpChannels"),
                level, FormatShape(skipChannels, skipSize), FormatShape(upChannels, upSize), skipChannels);

        public override string Explain(ResolvedNetwork network) =>
            "level " + level + " adds a skip of " + skipChannels + " channels to " + upChannels + " channels";
    }

    internal sealed class SkipSpatialProblem(int level, int from, int skipChannels, int[] skipSize, int upChannels, int[] upSize) : ShapeProblem
    {
        public override Finding ToFinding(ResolvedNetwork network, AxisRule?[] rules, int[] input)
        {
            var reason = network.Padding == PaddingKind.Same
                ? "'Same' padding joins maps of equal size only"
                : "the skip is smaller than the decoder map, so centre-cropping cannot line them up";
            var fix = from == level
                ? "check DecoderChannels and UpChannels of the levels below"
                : "take the skip from level " + level + " (remove SkipFrom) or use Skip = SkipKind.None";
            return Finding.Create(
                DiagnosticDescriptors.SkipSpatialMismatch.Id, ArgumentPath.Argument(ArgumentPath.Level(level), "SkipFrom"),
                level, from, FormatShape(skipChannels, skipSize), FormatShape(upChannels, upSize), reason, fix);
        }

        public override string Explain(ResolvedNetwork network) =>
            "level " + level + " cannot join the skip from level " + from + " " + FormatShape(skipChannels, skipSize) + " to " + FormatShape(upChannels, upSize);
    }
}
