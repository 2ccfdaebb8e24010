using System;
using System.Collections.Generic;

namespace UNetDsl.Training;

/// <summary>
/// The exact Euclidean distance transform of Felzenszwalb and Huttenlocher ("Distance Transforms of Sampled
/// Functions", 2012): squared distances to the nearest feature pixel in linear time, one 1-D lower-envelope pass per
/// column and then one per row. Images are row-major arrays, index = y * width + x.
/// </summary>
public static class DistanceTransform
{
    /// <summary>
    /// The value that stands for "no feature pixel": on input, any value at or above it marks a pixel that is not a
    /// feature (as does positive infinity); on output, it is the distance of a pixel with no feature pixel at all.
    /// </summary>
    /// <remarks>Larger than any squared distance on an image, and finite so that sums of it stay comparable.</remarks>
    public const float Infinity = 1e20f;

    /// <summary>Squared Euclidean distance from every pixel to the nearest pixel where <paramref name="feature"/> is true.</summary>
    /// <param name="feature">Row-major mask, <paramref name="width"/> x <paramref name="height"/>.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <returns>Squared distances (integers, exact in float up to 2^24); <see cref="Infinity"/> everywhere if no pixel is a feature.</returns>
    public static float[] SquaredDistances(bool[] feature, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(feature);
        CheckSize(feature.Length, width, height, nameof(feature));
        var grid = new float[feature.Length];
        for (var i = 0; i < grid.Length; i++)
        {
            grid[i] = feature[i] ? 0 : Infinity;
        }

        Transform(grid, width, height);
        return grid;
    }

    /// <summary>Euclidean (not squared) distance from every pixel to the nearest pixel where <paramref name="feature"/> is true.</summary>
    /// <param name="feature">Row-major mask.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <returns>Distances; <see cref="Infinity"/> everywhere if no pixel is a feature.</returns>
    public static float[] Distances(bool[] feature, int width, int height)
    {
        var grid = SquaredDistances(feature, width, height);
        for (var i = 0; i < grid.Length; i++)
        {
            grid[i] = grid[i] >= Infinity ? Infinity : MathF.Sqrt(grid[i]);
        }

        return grid;
    }

    /// <summary>
    /// Replaces the sampled function <paramref name="grid"/> by its squared-Euclidean distance transform in place:
    /// D(p) = min over q of |p - q|^2 + f(q). With f = 0 at features and <see cref="Infinity"/> elsewhere this is the
    /// squared distance to the nearest feature.
    /// </summary>
    /// <param name="grid">Row-major values, <paramref name="width"/> x <paramref name="height"/>.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    public static void Transform(float[] grid, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(grid);
        CheckSize(grid.Length, width, height, nameof(grid));
        var scratch = new Scratch(Math.Max(width, height));
        Transform(grid, width, height, scratch);
    }

    /// <summary>The double-precision form of <see cref="Transform(float[], int, int)"/>, for sampled functions that need it.</summary>
    /// <param name="grid">Row-major values.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    public static void Transform(double[] grid, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(grid);
        CheckSize(grid.Length, width, height, nameof(grid));
        var scratch = new Scratch(Math.Max(width, height));
        var f = scratch.F;
        var d = scratch.D;
        for (var x = 0; x < width; x++)
        {
            for (var y = 0; y < height; y++)
            {
                f[y] = grid[(y * width) + x];
            }

            Transform1D(height, scratch);
            for (var y = 0; y < height; y++)
            {
                grid[(y * width) + x] = d[y];
            }
        }

        for (var y = 0; y < height; y++)
        {
            var row = y * width;
            for (var x = 0; x < width; x++)
            {
                f[x] = grid[row + x];
            }

            Transform1D(width, scratch);
            for (var x = 0; x < width; x++)
            {
                grid[row + x] = d[x];
            }
        }
    }

    /// <summary>
    /// For every pixel, the Euclidean distances to the nearest and the second-nearest instance of
    /// <paramref name="labels"/> other than the pixel's own (label 0 is background and no instance). Distances above
    /// <paramref name="maxDistance"/> are reported as <see cref="Infinity"/>.
    /// </summary>
    /// <param name="labels">Row-major instance labels: 0 background, positive values the instances.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <param name="maxDistance">
    /// The largest distance of interest. Each instance's transform is computed only over its bounding box grown by
    /// ceil(<paramref name="maxDistance"/>) pixels, which holds every pixel within that distance of it; the cost is
    /// then the sum of those windows instead of (instances x image). Infinity (the default) transforms over the
    /// whole image.
    /// </param>
    /// <returns>
    /// The nearest (<c>First</c>) and second-nearest (<c>Second</c>) distance per pixel. Each equals the distance a
    /// full-image transform per instance would give whenever that distance is at most <paramref name="maxDistance"/>,
    /// and is <see cref="Infinity"/> otherwise, so the window never changes the result.
    /// </returns>
    public static (float[] First, float[] Second) NearestTwoInstances(int[] labels, int width, int height, double maxDistance = double.PositiveInfinity)
    {
        ArgumentNullException.ThrowIfNull(labels);
        CheckSize(labels.Length, width, height, nameof(labels));
        if (double.IsNaN(maxDistance) || maxDistance < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDistance), maxDistance, "The largest distance of interest must be 0 or more.");
        }

        var boxes = BoundingBoxes(labels, width, height);

        // Squared distances while collecting, so that only the two survivors per pixel need a square root.
        var first = new float[labels.Length];
        var second = new float[labels.Length];
        Array.Fill(first, Infinity);
        Array.Fill(second, Infinity);
        var limit = double.IsPositiveInfinity(maxDistance) ? Infinity : (float)Math.Min(maxDistance * maxDistance, Infinity);
        var reach = (int)Math.Min(Math.Ceiling(maxDistance), Math.Max(width, height));
        var scratch = new Scratch(Math.Max(width, height));
        var grid = Array.Empty<float>();
        foreach (var (label, box) in boxes)
        {
            var x0 = Math.Max(0, box.X0 - reach);
            var y0 = Math.Max(0, box.Y0 - reach);
            var x1 = Math.Min(width - 1, box.X1 + reach);
            var y1 = Math.Min(height - 1, box.Y1 + reach);
            var w = x1 - x0 + 1;
            var h = y1 - y0 + 1;
            if (grid.Length < w * h)
            {
                grid = new float[w * h];
            }

            for (var y = 0; y < h; y++)
            {
                var source = ((y + y0) * width) + x0;
                var target = y * w;
                for (var x = 0; x < w; x++)
                {
                    grid[target + x] = labels[source + x] == label ? 0 : Infinity;
                }
            }

            Transform(grid, w, h, scratch);
            for (var y = 0; y < h; y++)
            {
                var source = y * w;
                var target = ((y + y0) * width) + x0;
                for (var x = 0; x < w; x++)
                {
                    var index = target + x;
                    var squared = grid[source + x];
                    if (squared > limit || labels[index] == label)
                    {
                        continue;
                    }

                    if (squared < first[index])
                    {
                        second[index] = first[index];
                        first[index] = squared;
                    }
                    else if (squared < second[index])
                    {
                        second[index] = squared;
                    }
                }
            }
        }

        for (var i = 0; i < first.Length; i++)
        {
            first[i] = first[i] >= Infinity ? Infinity : MathF.Sqrt(first[i]);
            second[i] = second[i] >= Infinity ? Infinity : MathF.Sqrt(second[i]);
        }

        return (first, second);
    }

    /// <summary>The inclusive bounding box of every positive label, in order of first appearance.</summary>
    internal static List<(int Label, (int X0, int Y0, int X1, int Y1) Box)> BoundingBoxes(int[] labels, int width, int height)
    {
        var slots = new Dictionary<int, int>();
        var boxes = new List<(int Label, (int X0, int Y0, int X1, int Y1) Box)>();
        var previous = 0;
        var slot = -1;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var label = labels[(y * width) + x];
                if (label < 0)
                {
                    throw new ArgumentException($"Instance labels must be 0 (background) or positive; pixel ({x}, {y}) is {label}.", nameof(labels));
                }

                if (label == 0)
                {
                    continue;
                }

                // Runs of one label are the common case; the dictionary is consulted once per run.
                if (label != previous)
                {
                    if (!slots.TryGetValue(label, out slot))
                    {
                        slot = boxes.Count;
                        slots[label] = slot;
                        boxes.Add((label, (x, y, x, y)));
                    }

                    previous = label;
                }

                var (l, b) = boxes[slot];
                boxes[slot] = (l, (Math.Min(b.X0, x), Math.Min(b.Y0, y), Math.Max(b.X1, x), Math.Max(b.Y1, y)));
            }
        }

        return boxes;
    }

    private static void Transform(float[] grid, int width, int height, Scratch scratch)
    {
        var f = scratch.F;
        var d = scratch.D;
        for (var x = 0; x < width; x++)
        {
            for (var y = 0; y < height; y++)
            {
                f[y] = grid[(y * width) + x];
            }

            Transform1D(height, scratch);
            for (var y = 0; y < height; y++)
            {
                grid[(y * width) + x] = (float)d[y];
            }
        }

        for (var y = 0; y < height; y++)
        {
            var row = y * width;
            for (var x = 0; x < width; x++)
            {
                f[x] = grid[row + x];
            }

            Transform1D(width, scratch);
            for (var x = 0; x < width; x++)
            {
                grid[row + x] = (float)d[x];
            }
        }
    }

    // The lower envelope of the parabolas (q - p)^2 + f(p), sampled at every q. Samples at or above Infinity carry no
    // parabola: leaving them out (rather than letting 1e20 + p^2 round away p^2) keeps the intersections exact.
    private static void Transform1D(int n, Scratch scratch)
    {
        var f = scratch.F;
        var d = scratch.D;
        var v = scratch.V;
        var z = scratch.Z;
        var k = -1;
        for (var q = 0; q < n; q++)
        {
            if (!(f[q] < Infinity))
            {
                continue;
            }

            if (k < 0)
            {
                k = 0;
                v[0] = q;
                z[0] = double.NegativeInfinity;
                z[1] = double.PositiveInfinity;
                continue;
            }

            // z[0] = -infinity ends the loop: every parabola is kept on some interval, if only from -infinity.
            double s;
            while (true)
            {
                var p = v[k];
                s = ((f[q] + ((double)q * q)) - (f[p] + ((double)p * p))) / (2.0 * (q - p));
                if (s > z[k])
                {
                    break;
                }

                k--;
            }

            k++;
            v[k] = q;
            z[k] = s;
            z[k + 1] = double.PositiveInfinity;
        }

        if (k < 0)
        {
            Array.Fill(d, Infinity, 0, n);
            return;
        }

        k = 0;
        for (var q = 0; q < n; q++)
        {
            while (z[k + 1] < q)
            {
                k++;
            }

            var p = v[k];
            d[q] = ((double)(q - p) * (q - p)) + f[p];
        }
    }

    private static void CheckSize(int length, int width, int height, string parameter)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentException($"An image needs a positive width and height; got {width}x{height}.", parameter);
        }

        if (length != (long)width * height)
        {
            throw new ArgumentException($"The image has {length} pixels; {width}x{height} needs {(long)width * height}.", parameter);
        }
    }

    // Buffers of one 1-D pass, reused across rows, columns and instances.
    private sealed class Scratch
    {
        public Scratch(int length)
        {
            F = new double[length];
            D = new double[length];
            V = new int[length];
            Z = new double[length + 1];
        }

        public double[] F { get; }

        public double[] D { get; }

        public int[] V { get; }

        public double[] Z { get; }
    }
}
