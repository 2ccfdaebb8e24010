using System;
using System.Collections.Generic;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>
/// The exact receptive field along one axis: for each output pixel, the interval of input pixels it depends on,
/// followed back through the network; the answer is the widest and the narrowest of them. Exact where textbook
/// formulas are not: they assume a chain of layers, while a U-Net joins two paths at every skip and its up-sampling
/// has a phase, so output pixels see more or fewer input pixels depending on their position modulo the pooling
/// period (188 or 204 in the U-Net paper's network).
/// </summary>
/// <remarks>
/// Each layer maps an output position to a window of its input's positions whose ends never move left as the
/// position moves right; joins take the union. So the lowest input pixel an output pixel reads is found by following
/// each window's first position, the highest by following each window's last, with no arrays. Windows are not clipped
/// at the map's borders: the field is that of a pixel away from them ('Same' zero padding and bilinear up-sampling
/// see less at the border). The network shifts by a whole period when the input does, so one period of output
/// positions shows every field there is. Positions are <c>long</c> and checked: a field beyond <c>int</c> is a
/// <see cref="ShapeOverflowException"/>.
/// </remarks>
internal static class ReceptiveField
{
    /// <summary>The fewest and the most input pixels an output pixel away from the borders depends on.</summary>
    /// <param name="network">The network.</param>
    /// <param name="axis">The axis.</param>
    /// <param name="inputSize">A valid input size: 'Valid' crops are centred, and with a skip from another level the crop, and so the field, depends on it.</param>
    public static (int Min, int Max) Compute(LayerGraph layers, int axis, int inputSize)
    {
        var network = layers.Network;
        var quantity = "The receptive field on axis " + ShapeEngine.AxisName(network.Dimensions, axis);
        var graph = Build(layers, axis, inputSize);
        var period = ShapeEngine.PoolFactor(network, axis);
        var min = long.MaxValue;
        var max = 0L;
        ShapeOverflowException.Long(quantity, Contributors.Kernel | Contributors.Pool, () =>
        {
            var first = new Memo(graph.Shared);
            var last = new Memo(graph.Shared);
            for (long p = 0; p < period; p++)
            {
                first.Clear();
                last.Clear();
                var width = checked(graph.Output.Last(p, last) - graph.Output.First(p, first) + 1);
                min = Math.Min(min, width);
                max = Math.Max(max, width);
            }

            return max;
        });

        return (ShapeOverflowException.Int(quantity, Contributors.Kernel | Contributors.Pool, () => min), ShapeOverflowException.Int(quantity, Contributors.Kernel | Contributors.Pool, () => max));
    }

    /// <summary>The layers of one axis as a graph from the output back to the input, with each map's length at <paramref name="inputSize"/> for the crops.</summary>
    private static (Node Output, bool Shared) Build(LayerGraph layers, int axis, int inputSize)
    {
        var network = layers.Network;
        var shared = false;
        var maps = new (Node Map, long Length)[layers.Nodes.Count];
        (Node Map, long Length) In(LayerNode node, int input) => node.Inputs[input] == LayerGraph.NetworkInput ? (new Input(), inputSize) : maps[node.Inputs[input]];
        foreach (var node in layers.Nodes)
        {
            if (node is TimeEmbeddingNode)
            {
                continue;
            }

            var (map, length) = In(node, 0);
            switch (node)
            {
                case StackNode stack:
                    var (first, last) = stack.Window(network, axis);
                    (map, length) = (new Shift(map, first, last), checked(length - stack.Loss(network, axis)));
                    break;
                case PoolNode pool:
                    (map, length) = (new Pool(map, pool.Factors[axis]), length / pool.Factors[axis]);
                    break;
                case UpNode up:
                    var factor = up.Of.Pool[axis];
                    map = network.UpSampling == UpSamplingKind.TransposedConv ? new UpNearest(map, factor) : UpLinear(map, factor);
                    length *= factor;
                    break;
                case CropNode:
                    var target = In(node, 1).Length;
                    (map, length) = (new Shift(map, (length - target) / 2, (length - target) / 2), target);
                    break;
                case GateNode gate:
                    // alpha is computed at the coarse scale from W_x x (a factor-wide window of x) and W_g g, then
                    // resampled linearly to x's size: each gated pixel reads x there and alpha around it. The coarse
                    // map is read twice, so the walk remembers what it found.
                    var f = gate.Of.Pool[axis];
                    map = new Join(map, UpLinear(new Join(new Pool(map, f), In(node, 1).Map), f));
                    shared = true;
                    break;
                case JoinNode:
                    map = new Join(In(node, 1).Map, map);
                    break;
            }

            maps[node.Index] = (map, length);
        }

        return (maps[layers.Output].Map, shared);
    }

    private static Node UpLinear(Node map, int factor) => factor == 1 ? map : new UpLinearNode(map, factor);

    private static long FloorDivide(long a, long b) => (a / b) - ((a % b != 0 && ((a < 0) != (b < 0))) ? 1 : 0);

    /// <summary>Remembers, for one output position, what each shared node gave at each position (attention gates read a map twice).</summary>
    private sealed class Memo(bool enabled)
    {
        private readonly Dictionary<(Node, long), long> _values = new();

        public void Clear() => _values.Clear();

        public long Get(Node node, long p, Func<long> compute)
        {
            if (!enabled)
            {
                return compute();
            }

            if (!_values.TryGetValue((node, p), out var value))
            {
                value = compute();
                _values[(node, p)] = value;
            }

            return value;
        }
    }

    /// <summary>A map: its lowest and highest input pixel at position p.</summary>
    private abstract class Node
    {
        public abstract long First(long p, Memo memo);

        public abstract long Last(long p, Memo memo);
    }

    private sealed class Input : Node
    {
        public override long First(long p, Memo memo) => p;

        public override long Last(long p, Memo memo) => p;
    }

    /// <summary>Convolutions (position p reads p + first to p + last) and centre crops (both ends move by the offset).</summary>
    private sealed class Shift(Node input, long first, long last) : Node
    {
        public override long First(long p, Memo memo) => input.First(checked(p + first), memo);

        public override long Last(long p, Memo memo) => input.Last(checked(p + last), memo);
    }

    /// <summary>Max-pooling and the gate's W_x, kernel = stride = factor.</summary>
    private sealed class Pool(Node input, long factor) : Node
    {
        public override long First(long p, Memo memo) => input.First(checked(factor * p), memo);

        public override long Last(long p, Memo memo) => input.Last(checked((factor * p) + factor - 1), memo);
    }

    /// <summary>Transposed convolution with kernel = stride: each output reads exactly one input.</summary>
    private sealed class UpNearest(Node input, long factor) : Node
    {
        public override long First(long p, Memo memo) => input.First(FloorDivide(p, factor), memo);

        public override long Last(long p, Memo memo) => input.Last(FloorDivide(p, factor), memo);
    }

    /// <summary>Linear interpolation (half-pixel centres): output p reads inputs floor((p + 0.5) / f - 0.5) and the next.</summary>
    private sealed class UpLinearNode(Node input, long factor) : Node
    {
        public override long First(long p, Memo memo) => input.First(Left(p), memo);

        public override long Last(long p, Memo memo) => input.Last(checked(Left(p) + 1), memo);

        private long Left(long p) => FloorDivide(checked((2 * p) + 1 - factor), 2 * factor);
    }

    private sealed class Join(Node a, Node b) : Node
    {
        public override long First(long p, Memo memo) => memo.Get(this, p, () => Math.Min(a.First(p, memo), b.First(p, memo)));

        public override long Last(long p, Memo memo) => memo.Get(this, p, () => Math.Max(a.Last(p, memo), b.Last(p, memo)));
    }
}
