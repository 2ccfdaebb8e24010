using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace UNetDsl.Training;

/// <summary>
/// The Rand scores of a segmentation against the truth, restricted to the truth's foreground (Arganda-Carreras et
/// al. 2015, equations 5-7).
/// </summary>
/// <param name="Split">
/// V_Rand split: sum of p_ij^2 over sum of t_j^2 (t the truth's segment sizes); 1 when no true segment is split.
/// </param>
/// <param name="Merge">
/// V_Rand merge: sum of p_ij^2 over sum of s_i^2 (s the predicted segment sizes); 1 when no two true segments are merged.
/// </param>
public readonly record struct RandScore(double Split, double Merge)
{
    /// <summary>V_Rand, the harmonic mean of <see cref="Split"/> and <see cref="Merge"/>: 1 for a perfect segmentation.</summary>
    public double FScore => Split + Merge == 0 ? 0 : 2 * Split * Merge / (Split + Merge);

    /// <summary>The Rand error of the ISBI 2012 challenge: 1 - <see cref="FScore"/>.</summary>
    public double Error => 1 - FScore;
}

/// <summary>
/// Segmentation metrics on binary masks (true = foreground, row-major), including the ISBI 2012 challenge's
/// foreground-restricted Rand score, with helpers that turn byte, int and tensor masks and network scores into masks.
/// </summary>
public static partial class Metrics
{
    /// <summary>The fraction of pixels whose class differs: 1 - pixel accuracy.</summary>
    /// <param name="prediction">Predicted mask.</param>
    /// <param name="truth">True mask.</param>
    public static double PixelError(bool[] prediction, bool[] truth)
    {
        Check(prediction, truth);
        var wrong = 0L;
        for (var i = 0; i < truth.Length; i++)
        {
            wrong += prediction[i] != truth[i] ? 1 : 0;
        }

        return (double)wrong / truth.Length;
    }

    /// <summary>Intersection over union of the foreground; 1 when both masks are empty.</summary>
    /// <param name="prediction">Predicted mask.</param>
    /// <param name="truth">True mask.</param>
    public static double ForegroundIoU(bool[] prediction, bool[] truth)
    {
        var (intersection, union, _) = Overlap(prediction, truth);
        return union == 0 ? 1 : (double)intersection / union;
    }

    /// <summary>Dice coefficient of the foreground, 2 |P n T| / (|P| + |T|); 1 when both masks are empty.</summary>
    /// <param name="prediction">Predicted mask.</param>
    /// <param name="truth">True mask.</param>
    public static double ForegroundDice(bool[] prediction, bool[] truth)
    {
        var (intersection, _, sizes) = Overlap(prediction, truth);
        return sizes == 0 ? 1 : 2.0 * intersection / sizes;
    }

    /// <summary>
    /// The foreground-restricted Rand F-score V_Rand of the ISBI 2012 challenge (Arganda-Carreras et al. 2015) of two
    /// binary masks: each mask is segmented into its 4-connected foreground components, and
    /// <see cref="Rand(int[], int[])"/> scores the predicted components against the true ones over the truth's
    /// foreground pixels. The challenge's Rand error is 1 - this score.
    /// </summary>
    /// <param name="prediction">Predicted mask.</param>
    /// <param name="truth">True mask.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <remarks>
    /// This is the score at one threshold: the challenge reported the best over thresholds of a probability map and,
    /// from 2015, after thinning the predicted borders; both are left to the caller.
    /// </remarks>
    public static double RandFScore(bool[] prediction, bool[] truth, int width, int height) =>
        Rand(prediction, truth, width, height).FScore;

    /// <summary>The ISBI 2012 Rand error of two binary masks: 1 - <see cref="RandFScore"/>.</summary>
    /// <param name="prediction">Predicted mask.</param>
    /// <param name="truth">True mask.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    public static double RandError(bool[] prediction, bool[] truth, int width, int height) =>
        Rand(prediction, truth, width, height).Error;

    /// <summary>The split and merge scores behind <see cref="RandFScore"/>, of two binary masks.</summary>
    /// <param name="prediction">Predicted mask.</param>
    /// <param name="truth">True mask.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    public static RandScore Rand(bool[] prediction, bool[] truth, int width, int height)
    {
        Check(prediction, truth);
        CheckSize(truth.Length, width, height, nameof(truth));
        return Rand(ConnectedComponents(prediction, width, height), ConnectedComponents(truth, width, height));
    }

    /// <summary>
    /// The foreground-restricted Rand scores of a segmentation against the true one, both label images (0 =
    /// background, positive values the segments; touching true cells can keep apart this way where a binary mask
    /// would merge them).
    /// </summary>
    /// <param name="predictedSegments">Predicted segment of every pixel; 0 where the prediction is background.</param>
    /// <param name="trueSegments">True segment of every pixel; 0 where the truth is background.</param>
    /// <returns>Split and merge scores; both 1 when the truth has no foreground.</returns>
    /// <remarks>
    /// Only pixels in the truth's foreground count. Over them, p_ij is the fraction of pixels in true segment j and
    /// predicted segment i; a pixel the prediction calls background is a segment of its own (a singleton), as in the
    /// challenge's own implementation (Fiji's RandError), so predicting a border inside a cell costs only that
    /// pixel's pairs.
    /// </remarks>
    public static RandScore Rand(int[] predictedSegments, int[] trueSegments)
    {
        CheckSegments(predictedSegments, trueSegments);

        var joint = new Dictionary<(int True, int Predicted), long>();
        var trueSizes = new Dictionary<int, long>();
        var predictedSizes = new Dictionary<int, long>();
        long singletons = 0;
        long n = 0;
        for (var i = 0; i < trueSegments.Length; i++)
        {
            var actual = trueSegments[i];
            var predicted = predictedSegments[i];
            if (actual < 0 || predicted < 0)
            {
                throw new ArgumentException($"Segment labels must be 0 (background) or positive; pixel {i} has {(actual < 0 ? actual : predicted)}.", actual < 0 ? nameof(trueSegments) : nameof(predictedSegments));
            }

            if (actual == 0)
            {
                continue;
            }

            n++;
            trueSizes[actual] = trueSizes.GetValueOrDefault(actual) + 1;
            if (predicted == 0)
            {
                singletons++;
                continue;
            }

            var key = (actual, predicted);
            joint[key] = joint.GetValueOrDefault(key) + 1;
            predictedSizes[predicted] = predictedSizes.GetValueOrDefault(predicted) + 1;
        }

        if (n == 0)
        {
            return new RandScore(1, 1);
        }

        // Counts rather than fractions: the n^2 of p_ij = count / n cancels in both ratios.
        double sumJoint = singletons, sumTrue = 0, sumPredicted = singletons;
        foreach (var count in joint.Values)
        {
            sumJoint += (double)count * count;
        }

        foreach (var count in trueSizes.Values)
        {
            sumTrue += (double)count * count;
        }

        foreach (var count in predictedSizes.Values)
        {
            sumPredicted += (double)count * count;
        }

        return new RandScore(sumJoint / sumTrue, sumJoint / sumPredicted);
    }

    /// <summary>
    /// The adapted Rand error of the SNEMI3D challenge (as scikit-image's <c>adapted_rand_error</c> computes it):
    /// 1 - F, F the harmonic mean of Rand precision and recall over pairs of pixels, counting only pixels whose true
    /// label is not 0; the predicted label 0 (background) is one segment like any other.
    /// </summary>
    /// <param name="predictedSegments">Predicted segment of every pixel (0 = background, itself one segment).</param>
    /// <param name="trueSegments">True segment of every pixel; pixels labelled 0 are left out.</param>
    /// <returns>The error in [0, 1]; 0 when the truth has no labelled pixel pairs to get wrong.</returns>
    /// <remarks>
    /// It differs from <see cref="Rand(int[], int[])"/>, the ISBI 2012 challenge's foreground-restricted score, in one
    /// point only: there a pixel predicted as background is a singleton segment, here all of them form one segment,
    /// so a prediction that calls part of a cell background is charged for merging those pixels with every other
    /// pixel predicted background. Papers and tools that quote "adapted Rand error" mostly mean this one.
    /// </remarks>
    public static double AdaptedRandError(int[] predictedSegments, int[] trueSegments)
    {
        CheckSegments(predictedSegments, trueSegments);

        var joint = new Dictionary<(int True, int Predicted), long>();
        var trueSizes = new Dictionary<int, long>();
        var predictedSizes = new Dictionary<int, long>();
        long n = 0;
        for (var i = 0; i < trueSegments.Length; i++)
        {
            if (trueSegments[i] == 0)
            {
                continue;
            }

            n++;
            var key = (trueSegments[i], predictedSegments[i]);
            joint[key] = joint.GetValueOrDefault(key) + 1;
            trueSizes[key.Item1] = trueSizes.GetValueOrDefault(key.Item1) + 1;
            predictedSizes[key.Item2] = predictedSizes.GetValueOrDefault(key.Item2) + 1;
        }

        // Ordered pairs of distinct pixels: sum of c^2 - c over the counts (the "- n" of scikit-image).
        static double Pairs(IEnumerable<long> counts)
        {
            double sum = 0;
            foreach (var c in counts)
            {
                sum += ((double)c * c) - c;
            }

            return sum;
        }

        var together = Pairs(joint.Values);
        var sameTrue = Pairs(trueSizes.Values);
        var samePredicted = Pairs(predictedSizes.Values);
        var denominator = (0.5 * samePredicted) + (0.5 * sameTrue);
        return n == 0 || denominator == 0 ? 0 : 1 - (together / denominator);
    }

    private static void CheckSegments(int[] predictedSegments, int[] trueSegments)
    {
        ArgumentNullException.ThrowIfNull(predictedSegments);
        ArgumentNullException.ThrowIfNull(trueSegments);
        if (predictedSegments.Length != trueSegments.Length)
        {
            throw new ArgumentException($"The prediction has {predictedSegments.Length} pixels, the truth {trueSegments.Length}.", nameof(predictedSegments));
        }
    }

    /// <summary>Labels the 4-connected components of a mask 1, 2, ... in raster order of their first pixel (0 = background).</summary>
    /// <param name="mask">Row-major mask.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    public static int[] ConnectedComponents(bool[] mask, int width, int height) =>
        ConnectedComponents(mask, width, height, out _);

    /// <summary>Labels the 4-connected components of a mask 1..<paramref name="count"/> in raster order of their first pixel.</summary>
    /// <param name="mask">Row-major mask.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <param name="count">The number of components.</param>
    public static int[] ConnectedComponents(bool[] mask, int width, int height, out int count)
    {
        ArgumentNullException.ThrowIfNull(mask);
        CheckSize(mask.Length, width, height, nameof(mask));
        var labels = new int[mask.Length];

        // Every pixel is pushed at most once (it is labelled when pushed), so the stack never outgrows the image.
        var stack = new int[mask.Length];
        var next = 0;
        for (var start = 0; start < mask.Length; start++)
        {
            if (!mask[start] || labels[start] != 0)
            {
                continue;
            }

            next++;
            labels[start] = next;
            var top = 0;
            stack[top++] = start;
            while (top > 0)
            {
                var index = stack[--top];
                var x = index % width;
                if (x > 0 && mask[index - 1] && labels[index - 1] == 0)
                {
                    labels[index - 1] = next;
                    stack[top++] = index - 1;
                }

                if (x < width - 1 && mask[index + 1] && labels[index + 1] == 0)
                {
                    labels[index + 1] = next;
                    stack[top++] = index + 1;
                }

                if (index >= width && mask[index - width] && labels[index - width] == 0)
                {
                    labels[index - width] = next;
                    stack[top++] = index - width;
                }

                if (index + width < mask.Length && mask[index + width] && labels[index + width] == 0)
                {
                    labels[index + width] = next;
                    stack[top++] = index + width;
                }
            }
        }

        count = next;
        return labels;
    }

    /// <summary>A mask from bytes (e.g. an 8-bit image): non-zero is foreground.</summary>
    /// <param name="values">Row-major values.</param>
    public static bool[] ToMask(byte[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var mask = new bool[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            mask[i] = values[i] != 0;
        }

        return mask;
    }

    /// <summary>A mask from labels (class or instance indices): non-zero is foreground.</summary>
    /// <param name="values">Row-major values.</param>
    public static bool[] ToMask(int[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var mask = new bool[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            mask[i] = values[i] != 0;
        }

        return mask;
    }

    /// <summary>A mask from a tensor [H, W] (or [1, H, W], [1, 1, H, W]) of any type on any device: non-zero is foreground.</summary>
    /// <param name="mask">The tensor; row-major order is kept.</param>
    public static bool[] ToMask(Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.dim() < 2 || !LeadingOnes(mask.shape, 2))
        {
            throw new ArgumentException($"A mask tensor must be [H, W] (leading dimensions of size 1 allowed); got {Format(mask.shape)}.", nameof(mask));
        }

        using var scope = NewDisposeScope();
        var flat = mask.ne(0).to(CPU).contiguous().reshape(-1);
        return flat.data<bool>().ToArray();
    }

    /// <summary>
    /// The foreground mask of network scores [C, H, W] or [1, C, H, W]: pixels whose highest-scoring class is not 0
    /// (with a single channel: whose score, a logit, is positive).
    /// </summary>
    /// <param name="scores">Scores (logits or probabilities) of one image.</param>
    public static bool[] PredictedMask(Tensor scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.dim() < 3 || !LeadingOnes(scores.shape, 3))
        {
            throw new ArgumentException($"Scores must be [C, H, W] or [1, C, H, W]; got {Format(scores.shape)}.", nameof(scores));
        }

        using var scope = NewDisposeScope();
        var perClass = scores.reshape(scores.shape[^3], scores.shape[^2], scores.shape[^1]);
        var foreground = perClass.shape[0] == 1 ? perClass[0].gt(0) : perClass.argmax(0).ne(0);
        return foreground.to(CPU).contiguous().reshape(-1).data<bool>().ToArray();
    }

    private static bool LeadingOnes(long[] shape, int kept)
    {
        for (var i = 0; i < shape.Length - kept; i++)
        {
            if (shape[i] != 1)
            {
                return false;
            }
        }

        return true;
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

        if (truth.Length == 0)
        {
            throw new ArgumentException("The masks have no pixels.", nameof(truth));
        }
    }

    private static void CheckSize(int length, int width, int height, string parameter)
    {
        if (width <= 0 || height <= 0 || length != (long)width * height)
        {
            throw new ArgumentException($"The mask has {length} pixels; {width}x{height} needs {(long)width * height}.", parameter);
        }
    }

    private static string Format(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
