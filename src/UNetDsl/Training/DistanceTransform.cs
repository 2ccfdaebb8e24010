using System;

namespace UNetDsl.Training;

/// <summary>
/// The exact Euclidean distance transform of Felzenszwalb and Huttenlocher (2012): squared distances to the nearest
/// feature pixel in linear time, one 1-D lower-envelope pass per row and per column.
/// </summary>
public static class DistanceTransform
{
    /// <summary>A distance larger than any on an image, standing for "no feature pixel".</summary>
    public const float Infinity = 1e20f;

    /// <summary>Squared Euclidean distance from every pixel to the nearest pixel where <paramref name="feature"/> is true.</summary>
    /// <param name="feature">Row-major mask, <paramref name="width"/> x <paramref name="height"/>.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    public static float[] SquaredDistances(bool[] feature, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(feature);
        if (feature.Length != width * height)
        {
            throw new ArgumentException($"The mask has {feature.Length} pixels; {width}x{height} needs {width * height}.", nameof(feature));
        }

        var grid = new float[width * height];
        for (var i = 0; i < grid.Length; i++)
        {
            grid[i] = feature[i] ? 0 : Infinity;
        }

        Transform(grid, width, height);
        return grid;
    }

    /// <summary>Transforms <paramref name="grid"/> (0 at features, <see cref="Infinity"/> elsewhere) in place.</summary>
    /// <param name="grid">Row-major values.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    public static void Transform(float[] grid, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var length = Math.Max(width, height);
        var f = new float[length];
        var d = new float[length];
        var v = new int[length];
        var z = new float[length + 1];
        for (var x = 0; x < width; x++)
        {
            for (var y = 0; y < height; y++)
            {
                f[y] = grid[(y * width) + x];
            }

            Transform1D(f, height, d, v, z);
            for (var y = 0; y < height; y++)
            {
                grid[(y * width) + x] = d[y];
            }
        }

        for (var y = 0; y < height; y++)
        {
            Array.Copy(grid, y * width, f, 0, width);
            Transform1D(f, width, d, v, z);
            Array.Copy(d, 0, grid, y * width, width);
        }
    }

    // The lower envelope of the parabolas (q - p)^2 + f(p), sampled at every q.
    private static void Transform1D(float[] f, int n, float[] d, int[] v, float[] z)
    {
        var k = 0;
        v[0] = 0;
        z[0] = float.NegativeInfinity;
        z[1] = float.PositiveInfinity;
        for (var q = 1; q < n; q++)
        {
            float s;
            while (true)
            {
                var p = v[k];
                s = ((f[q] + (q * q)) - (f[p] + (p * p))) / (2f * (q - p));
                if (s > z[k] || k == 0)
                {
                    break;
                }

                k--;
            }

            if (s <= z[k])
            {
                // Only when k == 0: the new parabola lies below the first everywhere to its right.
                v[0] = q;
                z[0] = float.NegativeInfinity;
                z[1] = float.PositiveInfinity;
                continue;
            }

            k++;
            v[k] = q;
            z[k] = s;
            z[k + 1] = float.PositiveInfinity;
        }

        k = 0;
        for (var q = 0; q < n; q++)
        {
            while (z[k + 1] < q)
            {
                k++;
            }

            var p = v[k];
            d[q] = ((q - p) * (q - p)) + f[p];
        }
    }
}
