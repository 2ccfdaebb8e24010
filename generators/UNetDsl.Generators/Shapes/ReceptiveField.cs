using System;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>
/// The exact receptive field along one axis: for every output pixel, the interval of input pixels it depends on,
/// carried through the network; the answer is the widest interval. Exact where textbook formulas are not: they
/// assume a chain of layers, while a U-Net joins two paths at every skip and its up-sampling has a phase.
/// </summary>
internal static class ReceptiveField
{
    public static int Compute(ResolvedNetwork network, AxisRule rule, int axis)
    {
        // 'Valid' convolutions never read outside the map, so the smallest valid size shows every interval; 'Same'
        // ones clip at the border, so take a size large enough that the interior is free of it.
        var size = rule.MinInput;
        if (network.Padding == PaddingKind.Same)
        {
            while (size < 2048)
            {
                size += rule.Step;
            }
        }

        var map = Map.Identity(size);
        var skips = new Map[network.Levels.Count];
        for (var i = 0; i < network.Levels.Count; i++)
        {
            map = Convolve(network, map, network.Levels[i].Encoder, axis);
            skips[i] = map;
            map = map.Pool(network.Levels[i].Pool[axis]);
        }

        map = Convolve(network, map, network.Bottleneck, axis);
        for (var i = network.Levels.Count - 1; i >= 0; i--)
        {
            var level = network.Levels[i];
            var factor = level.Pool[axis];
            var coarse = map;
            map = network.UpSampling == UpSamplingKind.TransposedConv ? map.UpNearest(factor) : map.UpLinear(factor);
            if (level.Skip != SkipJoin.None)
            {
                var skip = skips[level.SkipFrom - 1];
                var cropped = skip.Crop((skip.Length - map.Length) / 2, map.Length);
                if (level.Skip == SkipJoin.AttentionGate)
                {
                    // alpha is computed at the coarse scale from W_x x (a factor-wide window of x) and W_g g, then
                    // resampled linearly to x's size: each gated pixel reads x there and alpha around it.
                    var alpha = cropped.Pool(factor).Join(coarse).UpLinear(factor);
                    cropped = cropped.Join(alpha);
                }

                map = map.Join(cropped);
            }

            map = Convolve(network, map, level.Decoder, axis);
        }

        return map.WidestInterval();
    }

    private static Map Convolve(ResolvedNetwork network, Map map, ConvStack stack, int axis)
    {
        // A residual block's identity path reads a subset of what its convolutions read: it adds nothing here.
        for (var j = 0; j < stack.Channels.Count; j++)
        {
            map = map.Convolve(stack.Kernel[axis], network.Padding == PaddingKind.Same);
        }

        return map;
    }

    /// <summary>For each position of a feature map, the lowest and highest input pixel it depends on.</summary>
    private sealed class Map(int[] low, int[] high)
    {
        public int Length => low.Length;

        public static Map Identity(int size)
        {
            var positions = new int[size];
            for (var p = 0; p < size; p++)
            {
                positions[p] = p;
            }

            return new Map(positions, (int[])positions.Clone());
        }

        public Map Convolve(int kernel, bool same)
        {
            var half = same ? (kernel - 1) / 2 : 0;
            var length = same ? Length : Length - kernel + 1;
            return Gather(length, new ConvolveWindow(half, kernel));
        }

        public Map Pool(int factor) => Gather(Length / factor, new PoolWindow(factor));

        /// <summary>Transposed convolution with kernel = stride: each output reads exactly one input.</summary>
        public Map UpNearest(int factor) => Gather(Length * factor, new UpNearestWindow(factor));

        /// <summary>Linear interpolation (half-pixel centres): each output reads its two nearest inputs.</summary>
        public Map UpLinear(int factor) => factor == 1 ? this : Gather(Length * factor, new UpLinearWindow(factor));

        public Map Crop(int offset, int length) => Gather(length, new CropWindow(offset));

        public Map Join(Map other)
        {
            var lows = new int[Length];
            var highs = new int[Length];
            for (var p = 0; p < Length; p++)
            {
                lows[p] = Math.Min(low[p], other.Low(p));
                highs[p] = Math.Max(high[p], other.High(p));
            }

            return new Map(lows, highs);
        }

        public int WidestInterval()
        {
            var widest = 0;
            for (var p = 0; p < Length; p++)
            {
                widest = Math.Max(widest, high[p] - low[p] + 1);
            }

            return widest;
        }

        private int Low(int p) => low[p];

        private int High(int p) => high[p];

        // The window is a struct type parameter, so the JIT compiles one loop per window with the window inlined: the
        // maps of a 'Same' network run to thousands of positions per layer, and a delegate call per position dominated.
        private Map Gather<TWindow>(int length, TWindow window)
            where TWindow : struct, IWindow
        {
            length = Math.Max(length, 0);
            var lows = new int[length];
            var highs = new int[length];
            for (var p = 0; p < length; p++)
            {
                var first = window.First(p);
                var last = window.Last(p);
                first = Math.Max(first, 0);
                last = Math.Min(last, Length - 1);
                var lo = int.MaxValue;
                var hi = int.MinValue;
                for (var q = first; q <= last; q++)
                {
                    lo = Math.Min(lo, low[q]);
                    hi = Math.Max(hi, high[q]);
                }

                lows[p] = lo;
                highs[p] = hi;
            }

            return new Map(lows, highs);
        }
    }

    /// <summary>The input positions, first to last, that output position p of a layer reads.</summary>
    private interface IWindow
    {
        int First(int p);

        int Last(int p);
    }

    private readonly struct ConvolveWindow(int half, int kernel) : IWindow
    {
        public int First(int p) => p - half;

        public int Last(int p) => p - half + kernel - 1;
    }

    private readonly struct PoolWindow(int factor) : IWindow
    {
        public int First(int p) => factor * p;

        public int Last(int p) => (factor * p) + factor - 1;
    }

    private readonly struct UpNearestWindow(int factor) : IWindow
    {
        public int First(int p) => p / factor;

        public int Last(int p) => p / factor;
    }

    private readonly struct UpLinearWindow(int factor) : IWindow
    {
        public int First(int p) => (int)Math.Floor(((p + 0.5) / factor) - 0.5);

        public int Last(int p) => First(p) + 1;
    }

    private readonly struct CropWindow(int offset) : IWindow
    {
        public int First(int p) => p + offset;

        public int Last(int p) => p + offset;
    }
}
