using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace UNetDsl.Training;

/// <summary>
/// The weight map of the U-Net paper (equation 2): w(x) = w_c(x) + w0 * exp(-(d1(x) + d2(x))^2 / (2 sigma^2)), with
/// w_c balancing the class frequencies and d1, d2 the distances to the nearest and the second-nearest cell. It makes
/// the network learn the thin background borders between touching cells.
/// </summary>
public static class WeightMap
{
    /// <summary>Computes the weight map of an instance-label image.</summary>
    /// <param name="instances">Row-major labels: 0 background, 1..K the cells.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <param name="w0">Weight of the border term; 10 in the paper.</param>
    /// <param name="sigma">Width of the border term in pixels; 5 in the paper.</param>
    /// <returns>One weight per pixel.</returns>
    /// <remarks>
    /// w_c gives each class the weight (pixels of the more frequent class) / (pixels of this class), so both classes
    /// weigh alike and the more frequent one has weight 1. The border term is applied to background pixels, as in the
    /// paper's figure 3. Distances to each cell are computed only within a window of 3 sigma + the cell's extent: past
    /// it d1 + d2 exceeds 3 sigma and the term is below w0 * exp(-4.5) = 1% of w0, which is cut off.
    /// </remarks>
    public static float[] Compute(int[] instances, int width, int height, float w0 = 10f, float sigma = 5f)
    {
        ArgumentNullException.ThrowIfNull(instances);
        if (instances.Length != width * height)
        {
            throw new ArgumentException($"The label image has {instances.Length} pixels; {width}x{height} needs {width * height}.", nameof(instances));
        }

        var weights = new float[instances.Length];
        var foreground = 0;
        foreach (var label in instances)
        {
            foreground += label > 0 ? 1 : 0;
        }

        var background = instances.Length - foreground;
        var majority = Math.Max(foreground, background);
        var foregroundWeight = foreground == 0 ? 1f : (float)majority / foreground;
        var backgroundWeight = background == 0 ? 1f : (float)majority / background;
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = instances[i] > 0 ? foregroundWeight : backgroundWeight;
        }

        var (d1, d2) = NearestTwo(instances, width, height, (int)Math.Ceiling(3 * sigma));
        var twoSigmaSquared = 2f * sigma * sigma;
        for (var i = 0; i < weights.Length; i++)
        {
            if (instances[i] == 0 && d2[i] < DistanceTransform.Infinity)
            {
                var sum = d1[i] + d2[i];
                weights[i] += w0 * MathF.Exp(-(sum * sum) / twoSigmaSquared);
            }
        }

        return weights;
    }

    /// <summary>The weight map as a tensor [H, W].</summary>
    /// <param name="instances">Row-major instance labels.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <param name="w0">Weight of the border term.</param>
    /// <param name="sigma">Width of the border term in pixels.</param>
    public static Tensor ComputeTensor(int[] instances, int width, int height, float w0 = 10f, float sigma = 5f) =>
        tensor(Compute(instances, width, height, w0, sigma), new long[] { height, width });

    /// <summary>
    /// For every pixel, the distances (not squared) to the nearest and second-nearest cell other than its own, each
    /// cell's distance transform taken over its bounding box grown by <paramref name="reach"/> pixels.
    /// </summary>
    /// <param name="instances">Row-major instance labels.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <param name="reach">How far past a cell's bounding box distances are computed; farther ones count as infinite.</param>
    public static (float[] D1, float[] D2) NearestTwo(int[] instances, int width, int height, int reach)
    {
        ArgumentNullException.ThrowIfNull(instances);
        var boxes = new Dictionary<int, (int X0, int Y0, int X1, int Y1)>();
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var label = instances[(y * width) + x];
                if (label <= 0)
                {
                    continue;
                }

                boxes[label] = boxes.TryGetValue(label, out var box)
                    ? (Math.Min(box.X0, x), Math.Min(box.Y0, y), Math.Max(box.X1, x), Math.Max(box.Y1, y))
                    : (x, y, x, y);
            }
        }

        var d1 = new float[instances.Length];
        var d2 = new float[instances.Length];
        Array.Fill(d1, DistanceTransform.Infinity);
        Array.Fill(d2, DistanceTransform.Infinity);
        foreach (var (label, box) in boxes)
        {
            var x0 = Math.Max(0, box.X0 - reach);
            var y0 = Math.Max(0, box.Y0 - reach);
            var x1 = Math.Min(width - 1, box.X1 + reach);
            var y1 = Math.Min(height - 1, box.Y1 + reach);
            var w = x1 - x0 + 1;
            var h = y1 - y0 + 1;
            var grid = new float[w * h];
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    grid[(y * w) + x] = instances[((y + y0) * width) + x + x0] == label ? 0 : DistanceTransform.Infinity;
                }
            }

            DistanceTransform.Transform(grid, w, h);
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    var index = ((y + y0) * width) + x + x0;
                    if (instances[index] == label)
                    {
                        continue;
                    }

                    var distance = MathF.Sqrt(grid[(y * w) + x]);
                    if (distance < d1[index])
                    {
                        d2[index] = d1[index];
                        d1[index] = distance;
                    }
                    else if (distance < d2[index])
                    {
                        d2[index] = distance;
                    }
                }
            }
        }

        return (d1, d2);
    }
}
