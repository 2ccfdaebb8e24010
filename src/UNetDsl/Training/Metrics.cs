using System;
using System.Collections.Generic;

namespace UNetDsl.Training;

/// <summary>Segmentation metrics on binary masks (true = foreground), including the ISBI 2012 challenge's Rand score.</summary>
public static class Metrics
{
    /// <summary>The fraction of pixels whose class differs: 1 - pixel accuracy.</summary>
    /// <param name="prediction">Predicted mask.</param>
    /// <param name="truth">True mask.</param>
    public static double PixelError(bool[] prediction, bool[] truth)
    {
        Check(prediction, truth);
        var wrong = 0;
        for (var i = 0; i < truth.Length; i++)
        {
            wrong += prediction[i] != truth[i] ? 1 : 0;
        }

        return (double)wrong / truth.Length;
    }

    /// <summary>Intersection over union of the foreground; 1 when both are empty.</summary>
    /// <param name="prediction">Predicted mask.</param>
    /// <param name="truth">True mask.</param>
    public static double ForegroundIoU(bool[] prediction, bool[] truth)
    {
        var (intersection, union, _) = Overlap(prediction, truth);
        return union == 0 ? 1 : (double)intersection / union;
    }

    /// <summary>Dice coefficient of the foreground; 1 when both are empty.</summary>
    /// <param name="prediction">Predicted mask.</param>
    /// <param name="truth">True mask.</param>
    public static double ForegroundDice(bool[] prediction, bool[] truth)
    {
        var (intersection, _, sizes) = Overlap(prediction, truth);
        return sizes == 0 ? 1 : 2.0 * intersection / sizes;
    }

    /// <summary>
    /// The foreground-restricted Rand F-score of the ISBI 2012 challenge (V_Rand, Arganda-Carreras et al. 2015): the
    /// segmentations are the 4-connected foreground components of each mask; over the pixels that are foreground in
    /// the truth, it is the harmonic mean of Rand split and merge scores from the contingency table. The Rand error
    /// is 1 - this score.
    /// </summary>
    /// <param name="prediction">Predicted mask.</param>
    /// <param name="truth">True mask.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    public static double RandFScore(bool[] prediction, bool[] truth, int width, int height)
    {
        Check(prediction, truth);
        var predicted = ConnectedComponents(prediction, width, height);
        var actual = ConnectedComponents(truth, width, height);
        var joint = new Dictionary<(int, int), long>();
        var rows = new Dictionary<int, long>();
        var columns = new Dictionary<int, long>();
        long n = 0;
        for (var i = 0; i < truth.Length; i++)
        {
            if (actual[i] == 0)
            {
                continue;
            }

            n++;
            var key = (actual[i], predicted[i]);
            joint[key] = joint.GetValueOrDefault(key) + 1;
            rows[actual[i]] = rows.GetValueOrDefault(actual[i]) + 1;
            columns[predicted[i]] = columns.GetValueOrDefault(predicted[i]) + 1;
        }

        if (n == 0)
        {
            return 1;
        }

        // Predicted background pixels inside the truth's foreground are singletons: each its own segment.
        double sumJoint = 0, sumRows = 0, sumColumns = 0;
        foreach (var ((_, p), count) in joint)
        {
            sumJoint += p == 0 ? count : (double)count * count;
        }

        foreach (var count in rows.Values)
        {
            sumRows += (double)count * count;
        }

        foreach (var (p, count) in columns)
        {
            sumColumns += p == 0 ? count : (double)count * count;
        }

        var precision = sumJoint / sumColumns;
        var recall = sumJoint / sumRows;
        return 2 * precision * recall / (precision + recall);
    }

    /// <summary>Labels the 4-connected components of a mask 1, 2, ... (0 = background).</summary>
    /// <param name="mask">Row-major mask.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    public static int[] ConnectedComponents(bool[] mask, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var labels = new int[mask.Length];
        var next = 0;
        var stack = new Stack<int>();
        for (var start = 0; start < mask.Length; start++)
        {
            if (!mask[start] || labels[start] != 0)
            {
                continue;
            }

            labels[start] = ++next;
            stack.Push(start);
            while (stack.Count > 0)
            {
                var index = stack.Pop();
                var x = index % width;
                var y = index / width;
                Visit(x - 1, y);
                Visit(x + 1, y);
                Visit(x, y - 1);
                Visit(x, y + 1);
            }
        }

        return labels;

        void Visit(int x, int y)
        {
            if (x < 0 || y < 0 || x >= width || y >= height)
            {
                return;
            }

            var index = (y * width) + x;
            if (mask[index] && labels[index] == 0)
            {
                labels[index] = next;
                stack.Push(index);
            }
        }
    }

    private static (long Intersection, long Union, long Sizes) Overlap(bool[] prediction, bool[] truth)
    {
        Check(prediction, truth);
        long intersection = 0, union = 0, sizes = 0;
        for (var i = 0; i < truth.Length; i++)
        {
            intersection += prediction[i] && truth[i] ? 1 : 0;
            union += prediction[i] || truth[i] ? 1 : 0;
            sizes += (prediction[i] ? 1 : 0) + (truth[i] ? 1 : 0);
        }

        return (intersection, union, sizes);
    }

    private static void Check(bool[] prediction, bool[] truth)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(truth);
        if (prediction.Length != truth.Length)
        {
            throw new ArgumentException($"The prediction has {prediction.Length} pixels, the truth {truth.Length}.", nameof(prediction));
        }
    }
}
