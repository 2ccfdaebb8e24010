using System;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>
/// What <see cref="SizeRuleSolver"/> found for one axis: the rule when the valid sizes repeat; otherwise why there is
/// none, and whether some sizes line up all the same (then <see cref="Smallest"/> is the first of them).
/// </summary>
/// <param name="Smallest">The smallest size that meets every requirement but the failing skip's.</param>
internal readonly record struct SizeRuleSolution(AxisRule? Rule, int Smallest, bool SomeSizesWork, string? Reason)
{
    /// <summary>
    /// Where to look for the problem when no rule holds: the first of the few sizes that work, or else a comfortably
    /// large size where the poolings are exact (64 periods or more), at which problems that show at every size do.
    /// </summary>
    public int Probe(int period)
    {
        if (Rule is null && SomeSizesWork)
        {
            return Smallest;
        }

        var large = Smallest + (Math.Max(0, ((64L * period) - Smallest + period - 1) / period) * period);
        return large <= int.MaxValue ? (int)large : Smallest;
    }
}

/// <summary>
/// Works out the valid input sizes of one axis arithmetically, with no search and no size limit.
/// </summary>
/// <remarks>
/// Every pooling must divide its input exactly, so a valid size x satisfies x = A (mod P), where P is the product of
/// the pooling factors and A the pixels the encoder's convolutions lose, each counted at the input's scale. Writing
/// x = P t + r (r = A mod P), every feature map's size is an integer affine function of t, a t + b with a &gt;= 1; each
/// requirement (a size of at least 1, a skip no smaller than the map it is cropped to, or equal to it with 'Same'
/// padding) is then a bound on t. Lower bounds only give the rule MinInput + P k; an upper bound or an equality
/// that holds for at most one t means the sizes do not repeat, and there is no rule.
/// All arithmetic is checked: a value beyond <c>long</c>, or a smallest size beyond <c>int</c>, is a
/// <see cref="ShapeOverflowException"/>.
/// </remarks>
internal static class SizeRuleSolver
{
    public static SizeRuleSolution Solve(LayerGraph graph, int axis)
    {
        var network = graph.Network;
        var axisName = ShapeEngine.AxisName(network.Dimensions, axis);
        var period = ShapeEngine.PoolFactor(network, axis);
        var sizes = "The smallest valid input size on axis " + axisName;
        var solver = new Bounds();
        var output = ShapeOverflowException.Long(sizes, Contributors.Kernel | Contributors.Pool, () => Walk(graph, axis, period, solver));

        var minimum = ShapeOverflowException.Int(sizes, Contributors.Kernel | Contributors.Pool, () => checked((period * solver.Lower) + solver.Residue));
        if (solver.Failure is { } failure)
        {
            return new SizeRuleSolution(null, minimum, failure.SomeSizesWork(solver), failure.Reason(minimum, period, solver, axisName));
        }

        // The output has slope P too (every level's up-sampling undoes its pooling), so input - output is constant.
        var shrink = checked(solver.Residue - output);
        return new SizeRuleSolution(new AxisRule(minimum, period, (int)shrink), minimum, true, null);
    }

    /// <summary>Propagates the sizes through the graph as affine functions of t, collecting the bounds; returns the output's offset.</summary>
    private static long Walk(LayerGraph graph, int axis, int period, Bounds bounds)
    {
        checked
        {
            var network = graph.Network;

            // x = A (mod P): A counts each encoder level's loss at the input's scale.
            long lost = 0;
            long scale = 1;
            foreach (var node in graph.Nodes)
            {
                if (node is StackNode { Stage: Stage.Encoder } encoder)
                {
                    lost += encoder.Loss(network, axis) * scale;
                }
                else if (node is PoolNode pool)
                {
                    scale *= pool.Factors[axis];
                }
            }

            bounds.Residue = lost % period;
            var sizes = new Affine[graph.Nodes.Count];
            Affine In(LayerNode node, int input) => node.Inputs[input] == LayerGraph.NetworkInput ? new Affine(period, bounds.Residue) : sizes[node.Inputs[input]];
            bounds.AtLeast(new Affine(period, bounds.Residue), 1);
            foreach (var node in graph.Nodes)
            {
                if (node is TimeEmbeddingNode)
                {
                    continue;
                }

                var size = In(node, 0);
                switch (node)
                {
                    case StackNode stack:
                        size = size.Minus(stack.Loss(network, axis));
                        bounds.AtLeast(size, 1);
                        break;
                    case PoolNode pool:
                        size = size.Over(pool.Factors[axis]);
                        bounds.AtLeast(size, 1);
                        break;
                    case UpNode up:
                        size = size.Times(up.Of.Pool[axis]);
                        break;
                    case CropNode crop:
                        var target = In(node, 1);
                        bounds.Crop(size.Minus(target), network.Padding == PaddingKind.Same, crop.Level, crop.From);
                        size = target;
                        break;
                }

                sizes[node.Index] = size;
            }

            return sizes[graph.Output].Offset;
        }
    }

    /// <summary>A size <c>Slope * t + Offset</c>.</summary>
    private readonly record struct Affine(long Slope, long Offset)
    {
        public Affine Minus(long pixels) => new(Slope, checked(Offset - pixels));

        public Affine Minus(Affine other) => new(checked(Slope - other.Slope), checked(Offset - other.Offset));

        public Affine Times(long factor) => new(checked(Slope * factor), checked(Offset * factor));

        /// <summary>Pooling: exact by the choice of the residue, which the division checks.</summary>
        public Affine Over(long factor) =>
            Slope % factor == 0 && Offset % factor == 0
                ? new Affine(Slope / factor, Offset / factor)
                : throw new InvalidOperationException("Pooling by " + factor + " is not exact for " + Slope + "t + " + Offset + ".");
    }

    /// <summary>Why a skip keeps the sizes from repeating.</summary>
    private abstract record SkipFailure(int Level, int From)
    {
        public abstract string Reason(int minimum, int period, Bounds bounds, string axis);

        /// <summary>True when sizes meeting every other requirement meet this one at some input size.</summary>
        public virtual bool SomeSizesWork(Bounds bounds) => false;

        protected string Skip => "level " + Level + "'s skip from level " + From;
    }

    /// <summary>The crop is the same at every size, and not allowed.</summary>
    private sealed record ConstantCrop(int Level, int From, long Crop, bool Same) : SkipFailure(Level, From)
    {
        public override string Reason(int minimum, int period, Bounds bounds, string axis) =>
            Skip + " is " + (Crop < 0 ? -Crop + " pixels smaller than" : Crop + " pixels larger than") + " the decoder map on axis " + axis + " at every input size"
            + (Same ? ", and 'Same' padding joins maps of equal size only" : string.Empty);
    }

    /// <summary>The crop shrinks as the input grows: only sizes up to a bound line up.</summary>
    private sealed record ShrinkingCrop(int Level, int From, long LastT) : SkipFailure(Level, From)
    {
        public override bool SomeSizesWork(Bounds bounds) => LastT >= bounds.Lower;

        public override string Reason(int minimum, int period, Bounds bounds, string axis)
        {
            var largest = checked((period * LastT) + bounds.Residue);
            return LastT < bounds.Lower
                ? Skip + " is smaller than the decoder map on axis " + axis + " at every input size"
                : Skip + " grows more slowly with the input than the decoder map on axis " + axis + ", so only the sizes " + minimum + " to " + largest
                    + " (every " + period + ") line up and larger ones cannot be cropped to it; a U-Net needs valid sizes that repeat";
        }
    }

    /// <summary>'Same' padding: the skip has the decoder map's size for at most one input size.</summary>
    private sealed record SingleSize(int Level, int From, long Slope, long Offset) : SkipFailure(Level, From)
    {
        public override bool SomeSizesWork(Bounds bounds) => Offset % Slope == 0 && -Offset / Slope >= bounds.Lower;

        public override string Reason(int minimum, int period, Bounds bounds, string axis) =>
            Skip + " grows at another rate than the decoder map on axis " + axis + ", so 'Same' padding, which joins maps of equal size only, lines them up at one input size at most";
    }

    /// <summary>The lower bound on t, the residue, and the first skip that keeps the sizes from repeating.</summary>
    private sealed class Bounds
    {
        public long Lower { get; private set; } = long.MinValue;

        public long Residue { get; set; }

        public SkipFailure? Failure { get; private set; }

        /// <summary>size &gt;= min, with a positive slope: t &gt;= ceil((min - offset) / slope).</summary>
        public void AtLeast(Affine size, long min)
        {
            var t = CeilingDivide(checked(min - size.Offset), size.Slope);
            Lower = Math.Max(Lower, t);
        }

        public void Crop(Affine crop, bool same, int level, int from)
        {
            if (crop.Slope == 0)
            {
                if (same ? crop.Offset != 0 : crop.Offset < 0)
                {
                    Failure ??= new ConstantCrop(level, from, crop.Offset, same);
                }
            }
            else if (same)
            {
                Failure ??= new SingleSize(level, from, crop.Slope, crop.Offset);
            }
            else if (crop.Slope > 0)
            {
                AtLeast(crop, 0);
            }
            else
            {
                // -s t + o >= 0: t <= floor(o / s).
                Failure ??= new ShrinkingCrop(level, from, FloorDivide(crop.Offset, -crop.Slope));
            }
        }

        private static long FloorDivide(long a, long b) => (a / b) - ((a % b != 0 && ((a < 0) != (b < 0))) ? 1 : 0);

        private static long CeilingDivide(long a, long b) => -FloorDivide(-a, b);
    }
}
