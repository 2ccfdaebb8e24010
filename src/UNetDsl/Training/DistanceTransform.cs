using System;
using System.Collections.Generic;
using System.Numerics;

namespace UNetDsl.Training;

/// <summary>
/// The exact Euclidean distance transform of Felzenszwalb and Huttenlocher ("Distance Transforms of Sampled
/// Functions", 2012): squared distances to the nearest feature pixel in linear time, one 1-D lower-envelope pass per
/// column and then one per row. Images are row-major arrays, index = y * width + x. Volumes, with voxels of any
/// spacing, are in DistanceTransform.Volumes.cs; an image is handled as a volume of one slice with square pixels.
/// </summary>
public static partial class DistanceTransform
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
        Transform(grid, new Extent(1, height, width), AxisSteps.Unit, new Scratch(Math.Max(width, height)));
    }

    /// <summary>The double-precision form of <see cref="Transform(float[], int, int)"/>, for sampled functions that need it.</summary>
    /// <param name="grid">Row-major values.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    public static void Transform(double[] grid, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(grid);
        CheckSize(grid.Length, width, height, nameof(grid));
        Transform(grid, new Extent(1, height, width), AxisSteps.Unit, new Scratch(Math.Max(width, height)));
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
        CheckMaxDistance(maxDistance);
        return NearestTwoInWindows(labels, new Extent(1, height, width), AxisSteps.Unit, maxDistance);
    }

    // The windowed search behind both NearestTwoInstances: each instance's transform over its bounding box grown by
    // the reach of maxDistance along every axis, the two smallest kept per voxel.
    private static (float[] First, float[] Second) NearestTwoInWindows(int[] labels, Extent extent, AxisSteps steps, double maxDistance)
    {
        var boxes = BoundingBoxes(labels, extent);

        // Squared distances while collecting, so that only the two survivors per voxel need a square root.
        var first = new float[labels.Length];
        var second = new float[labels.Length];
        Array.Fill(first, Infinity);
        Array.Fill(second, Infinity);
        var limit = double.IsPositiveInfinity(maxDistance) ? Infinity : (float)Math.Min(maxDistance * maxDistance, Infinity);
        var (reachZ, reachY, reachX) = (Reach(maxDistance, steps.Z, extent.Depth), Reach(maxDistance, steps.Y, extent.Height), Reach(maxDistance, steps.X, extent.Width));
        var scratch = new Scratch(extent.Longest);
        var grid = Array.Empty<float>();
        foreach (var (label, box) in boxes)
        {
            var (z0, y0, x0) = (Math.Max(0, box.Z0 - reachZ), Math.Max(0, box.Y0 - reachY), Math.Max(0, box.X0 - reachX));
            var window = new Extent(
                Math.Min(extent.Depth - 1, box.Z1 + reachZ) - z0 + 1,
                Math.Min(extent.Height - 1, box.Y1 + reachY) - y0 + 1,
                Math.Min(extent.Width - 1, box.X1 + reachX) - x0 + 1);
            if (grid.Length < window.Count)
            {
                grid = new float[window.Count];
            }

            // Row by row: row r of the window is row r % height of its slice r / height.
            var rows = window.Depth * window.Height;
            for (var row = 0; row < rows; row++)
            {
                var source = extent.Index(z0 + (row / window.Height), y0 + (row % window.Height), x0);
                var target = row * window.Width;
                for (var x = 0; x < window.Width; x++)
                {
                    grid[target + x] = labels[source + x] == label ? 0 : Infinity;
                }
            }

            Transform(grid, window, steps, scratch);
            for (var row = 0; row < rows; row++)
            {
                var source = row * window.Width;
                var target = extent.Index(z0 + (row / window.Height), y0 + (row % window.Height), x0);
                for (var x = 0; x < window.Width; x++)
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

    // How far a window reaches beyond a box along one axis: a voxel within maxDistance of the box is at most
    // maxDistance / step steps away along every axis (and no axis needs more than its own length).
    private static int Reach(double maxDistance, double step, int length) => (int)Math.Min(Math.Ceiling(maxDistance / step), length);

    private static void CheckMaxDistance(double maxDistance)
    {
        if (double.IsNaN(maxDistance) || maxDistance < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDistance), maxDistance, "The largest distance of interest must be 0 or more.");
        }
    }

    /// <summary>The inclusive bounding box of every positive label, in order of first appearance.</summary>
    private static List<(int Label, Box Box)> BoundingBoxes(int[] labels, Extent extent)
    {
        var slots = new Dictionary<int, int>();
        var boxes = new List<(int Label, Box Box)>();
        var previous = 0;
        var slot = -1;
        var index = 0;
        for (var z = 0; z < extent.Depth; z++)
        {
            for (var y = 0; y < extent.Height; y++)
            {
                for (var x = 0; x < extent.Width; x++)
                {
                    var label = labels[index++];
                    if (label < 0)
                    {
                        var where = extent.Depth == 1 ? $"pixel ({x}, {y})" : $"voxel ({x}, {y}, {z})";
                        throw new ArgumentException($"Instance labels must be 0 (background) or positive; {where} is {label}.", nameof(labels));
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
                            boxes.Add((label, new Box(z, y, x, z, y, x)));
                        }

                        previous = label;
                    }

                    var (l, b) = boxes[slot];
                    boxes[slot] = (l, new Box(Math.Min(b.Z0, z), Math.Min(b.Y0, y), Math.Min(b.X0, x), Math.Max(b.Z1, z), Math.Max(b.Y1, y), Math.Max(b.X1, x)));
                }
            }
        }

        return boxes;
    }

    // The separable transform: one 1-D pass per axis, each with its parabolas scaled by that axis's squared step. An
    // image (one slice) skips the z pass, which would copy every sample unchanged, and keeps the paper's order of
    // columns, then rows.
    private static void Transform<T>(T[] grid, Extent extent, AxisSteps steps, Scratch scratch)
        where T : struct, IBinaryFloatingPointIeee754<T>
    {
        if (extent.Depth > 1)
        {
            PassAlongAxis(grid, 1, extent.Depth, extent.Height * extent.Width, steps.Z * steps.Z, scratch);
        }

        PassAlongAxis(grid, extent.Depth, extent.Height, extent.Width, steps.Y * steps.Y, scratch);
        PassAlongAxis(grid, extent.Depth * extent.Height, extent.Width, 1, steps.X * steps.X, scratch);
    }

    // Transform1D along every line of one axis. The grid is taken as `blocks` consecutive blocks of length x stride
    // samples; each block holds `stride` lines of `length` samples, `stride` apart (x: stride 1; y: one block per
    // slice, stride width; z: one block, stride height x width).
    private static void PassAlongAxis<T>(T[] grid, int blocks, int length, int stride, double stepSquared, Scratch scratch)
        where T : struct, IBinaryFloatingPointIeee754<T>
    {
        var f = scratch.F;
        var d = scratch.D;
        for (var block = 0; block < blocks; block++)
        {
            var blockStart = block * length * stride;
            for (var start = blockStart; start < blockStart + stride; start++)
            {
                for (var q = 0; q < length; q++)
                {
                    f[q] = double.CreateTruncating(grid[start + (q * stride)]);
                }

                Transform1D(length, stepSquared, scratch);
                for (var q = 0; q < length; q++)
                {
                    grid[start + (q * stride)] = T.CreateTruncating(d[q]);
                }
            }
        }
    }

    // The lower envelope of the parabolas a (q - p)^2 + f(p), a the squared step, sampled at every q. Samples at or
    // above Infinity carry no parabola: leaving them out (rather than letting 1e20 + p^2 round away p^2) keeps the
    // intersections exact. With a = 1 (square pixels) every product by a is exact, so it adds no rounding.
    private static void Transform1D(int n, double stepSquared, Scratch scratch)
    {
        var a = stepSquared;
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
                s = ((f[q] + (a * ((double)q * q))) - (f[p] + (a * ((double)p * p)))) / (2.0 * a * (q - p));
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
            d[q] = (a * ((double)(q - p) * (q - p))) + f[p];
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

    // The size of a row-major volume, index = (z * Height + y) * Width + x; an image is a volume of one slice.
    private readonly record struct Extent(int Depth, int Height, int Width)
    {
        public int Count => Depth * Height * Width;

        public int Longest => Math.Max(Depth, Math.Max(Height, Width));

        public int Index(int z, int y, int x) => (((z * Height) + y) * Width) + x;
    }

    // The length of one step along z, y and x, in units of the shortest of them.
    private readonly record struct AxisSteps(double Z, double Y, double X)
    {
        public static AxisSteps Unit => new(1, 1, 1);
    }

    // An inclusive bounding box.
    private readonly record struct Box(int Z0, int Y0, int X0, int Z1, int Y1, int X1);

    // Buffers of one 1-D pass, reused across lines of every axis and across instances.
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
