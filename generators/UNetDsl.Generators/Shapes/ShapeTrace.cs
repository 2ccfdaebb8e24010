using System;
using System.Collections.Generic;
using System.Linq;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>
/// One walk of the <see cref="LayerGraph"/> at one input size, the way TorchSharp would run it (floor pooling): each
/// node's output shape and multiply-accumulates, and every problem met on the way.
/// </summary>
/// <remarks>
/// Multiply-accumulates are counted checked; the caller (<see cref="ShapeEngine.Propagate"/>) turns an overflow into
/// UNET1006. The valid-size search walks one axis at a time: <c>axes</c> names the network axes the sizes stand for.
/// </remarks>
internal sealed class ShapeTrace
{
    private readonly LayerGraph _graph;
    private readonly ResolvedNetwork _network;
    private readonly int[] _input;
    private readonly int[] _axes;
    private readonly int[] _channels;
    private readonly int[][] _sizes;
    private readonly long[] _macs;
    private readonly int[][] _crops;

    // Only the first inexact size of an axis is the cause; the sizes below it follow from the floor.
    private readonly OddPoolProblem?[] _oddPools;
    private readonly bool[] _oddAt;
    private readonly bool[] _oddSeen;

    public ShapeTrace(LayerGraph graph, int[] input, int[] axes)
    {
        _graph = graph;
        _network = graph.Network;
        _input = input;
        _axes = axes;
        var count = graph.Nodes.Count;
        (_channels, _sizes, _macs, _crops) = (new int[count], new int[count][], new long[count], new int[count][]);
        _oddPools = new OddPoolProblem?[_network.Levels.Count];
        _oddAt = new bool[_network.Levels.Count];
        _oddSeen = new bool[input.Length];
    }

    public List<ShapeProblem> Problems { get; } = new();

    /// <summary>The output size, or null when a feature map vanished on the way.</summary>
    public int[]? Output { get; private set; }

    public void Run()
    {
        foreach (var node in _graph.Nodes)
        {
            if (!Step(node))
            {
                return;
            }
        }

        Output = _sizes[_graph.Output];
    }

    /// <summary>Every node's shape, by index (call after a <see cref="Run"/> that reached the output).</summary>
    public NodeShape[] Shapes() =>
        Enumerable.Range(0, _graph.Nodes.Count)
            .Select(i => new NodeShape(_channels[i], _sizes[i].ToEquatableArray(), _macs[i], _crops[i] is { } crop ? crop.ToEquatableArray() : default))
            .ToArray();

    /// <summary>The architecture table's rows, level 1 first.</summary>
    public LevelRow[] Rows() => _graph.Levels.Select(level =>
    {
        var of = _network.Levels[level.Number - 1];
        var skip = of.Skip switch
        {
            SkipJoin.None => "none",
            SkipJoin.Add => of.SkipFrom == of.Number ? "add" : "add from level " + of.SkipFrom,
            SkipJoin.AttentionGate => of.SkipFrom == of.Number ? "gate" : "gate from level " + of.SkipFrom,
            _ => of.SkipFrom == of.Number ? "concat" : "concat from level " + of.SkipFrom,
        };
        var crop = level.Crop >= 0 ? _crops[level.Crop] : new int[_input.Length];
        return new LevelRow(
            level.Number, _sizes[level.Skip].ToEquatableArray(), _channels[level.Skip], crop.ToEquatableArray(),
            _sizes[level.Output].ToEquatableArray(), _channels[level.Output], skip);
    }).ToArray();

    private bool Step(LayerNode node)
    {
        checked
        {
            switch (node)
            {
                case StackNode stack:
                    return Convolve(stack);
                case TimeEmbeddingNode time:
                    // Per sample, not per pixel: [N, T] with no spatial size.
                    return Set(node, time.Conditioning.TimeChannels, Array.Empty<int>(), 2L * time.Conditioning.TimeChannels * time.Conditioning.TimeChannels);
                case TransformerNode transformer:
                    return Attend(transformer);
                case PoolNode pool:
                    return Pool(pool);
                case UpNode up:
                    return Up(up);
                case CropNode crop:
                    return Crop(crop);
                case GateNode gate:
                    return Gate(gate);
                case JoinNode join:
                    return Join(join);
                case HeadNode head:
                    var (channels, size) = In(node, 0);
                    return Set(node, head.Classes, size, Volume(size) * channels * head.Classes);
                default:
                    var (passChannels, passSize) = In(node, 0);
                    return Set(node, passChannels, passSize, 0);
            }
        }
    }

    private (int Channels, int[] Size) In(LayerNode node, int input)
    {
        var index = node.Inputs[input];
        return index == LayerGraph.NetworkInput ? (_network.InChannels, _input) : (_channels[index], _sizes[index]);
    }

    private bool Set(LayerNode node, int channels, int[] size, long macs)
    {
        (_channels[node.Index], _sizes[node.Index], _macs[node.Index]) = (channels, size, macs);
        return true;
    }

    private bool Convolve(StackNode node)
    {
        checked
        {
            var (_, size) = In(node, 0);
            var inputVolume = Volume(size);
            var volumes = new long[node.Stack.Channels.Count];
            for (var j = 0; j < volumes.Length; j++)
            {
                if (_network.Padding == PaddingKind.Valid)
                {
                    size = Enumerable.Range(0, size.Length).Select(a => size[a] - (node.Stack.Kernel[_axes[a]] - 1)).ToArray();
                }

                var vanished = Array.FindIndex(size, s => s <= 0);
                if (vanished >= 0)
                {
                    Problems.Add(new VanishedProblem(node.Where + " (convolution " + (j + 1) + ")", _axes[vanished], size[vanished]));
                    return false;
                }

                volumes[j] = Volume(size);
            }

            return Set(node, node.Stack.OutChannels, size, node.MultiplyAccumulates(inputVolume, volumes));
        }
    }

    /// <summary>Counts the linear layers per pixel (16 C^2) and self-attention's two P x P x C products; cross-attention's depend on the context length, unknown here.</summary>
    private bool Attend(TransformerNode node)
    {
        checked
        {
            var (channels, size) = In(node, 0);
            var pixels = Volume(size);
            long c = channels;
            return Set(node, channels, size, (pixels * 16 * c * c) + (2 * pixels * pixels * c));
        }
    }

    private bool Pool(PoolNode node)
    {
        var (channels, size) = In(node, 0);
        var factors = _axes.Select(a => node.Factors[a]).ToArray();
        var level = node.Level - 1;
        _oddAt[level] = Enumerable.Range(0, size.Length).Any(a => size[a] % factors[a] != 0);
        var oddAxes = Enumerable.Range(0, size.Length).Where(a => size[a] % factors[a] != 0 && !_oddSeen[a]).ToArray();
        if (oddAxes.Length > 0)
        {
            _oddPools[level] = new OddPoolProblem(node.Level, _axes[oddAxes[0]], factors[oddAxes[0]], channels, (int[])size.Clone(), oddAxes[0]);
            foreach (var axis in oddAxes)
            {
                _oddSeen[axis] = true;
            }
        }

        var pooled = Enumerable.Range(0, size.Length).Select(a => size[a] / factors[a]).ToArray();
        var emptyAxis = Array.IndexOf(pooled, 0);
        if (emptyAxis >= 0)
        {
            Problems.Add(new VanishedProblem("the pooling after level " + node.Level, _axes[emptyAxis], 0));
            return false;
        }

        return Set(node, channels, pooled, 0);
    }

    private bool Up(UpNode node)
    {
        checked
        {
            var (channels, coarse) = In(node, 0);
            var size = Enumerable.Range(0, coarse.Length).Select(a => coarse[a] * node.Of.Pool[_axes[a]]).ToArray();
            if (_oddPools[node.Level - 1] is { } odd)
            {
                odd.UpChannels = node.Of.UpChannels;
                odd.UpSize = (int[])size.Clone();
                Problems.Add(odd);
            }

            return Set(node, node.Of.UpChannels, size, Volume(size) * channels * node.Of.UpChannels);
        }
    }

    private bool Crop(CropNode node)
    {
        var (skipChannels, skipSize) = In(node, 0);
        var (upChannels, upSize) = In(node, 1);
        var crop = new int[upSize.Length];
        var spatialOk = true;
        for (var axis = 0; axis < upSize.Length; axis++)
        {
            crop[axis] = skipSize[axis] - upSize[axis];
            spatialOk &= _network.Padding == PaddingKind.Same ? crop[axis] == 0 : crop[axis] >= 0;
        }

        if (_network.Padding == PaddingKind.Valid && _axes.Length == _network.Dimensions && !ShapeEngine.SameResolution(_network, node.From, node.Level))
        {
            // A centre crop lines the sizes up but not the scales: a crop of a finer map is another field of view at
            // another resolution, not this level's skip. (With 'Same' the sizes already differ.) Only whole walks say
            // so: it holds at every size, so the valid-size search, one axis at a time, need not try them all in vain.
            Problems.Add(new SkipSpatialProblem(node.Level, node.From, skipChannels, skipSize, upChannels, (int[])upSize.Clone(), crossResolution: true));
        }
        else if (!spatialOk && !_oddAt.Skip(Math.Min(node.From, node.Level) - 1).Any(odd => odd))
        {
            Problems.Add(new SkipSpatialProblem(node.Level, node.From, skipChannels, skipSize, upChannels, (int[])upSize.Clone()));
        }

        _crops[node.Index] = crop;
        return Set(node, skipChannels, upSize, 0);
    }

    private bool Gate(GateNode node)
    {
        checked
        {
            var (skipChannels, size) = In(node, 0);
            var (_, coarse) = In(node, 1);
            var of = node.Of;
            var macs = Volume(coarse) * ((skipChannels * (long)of.GateChannels * ShapeEngine.Product(of.Pool)) + ((long)of.UpInChannels * of.GateChannels) + of.GateChannels);
            return Set(node, skipChannels, size, macs);
        }
    }

    private bool Join(JoinNode node)
    {
        var (skipChannels, _) = In(node, 0);
        var (upChannels, upSize) = In(node, 1);
        if (node.Join == SkipJoin.Add && skipChannels != upChannels)
        {
            var skip = _graph.Level(node.From).Skip;
            Problems.Add(new SkipChannelsProblem(node.Level, skipChannels, _sizes[skip], upChannels, (int[])upSize.Clone()));
        }

        return Set(node, node.Join == SkipJoin.Add ? upChannels : checked(upChannels + skipChannels), upSize, 0);
    }

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
}
