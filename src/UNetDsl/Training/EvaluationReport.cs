using System;
using System.Collections.Generic;
using System.Linq;

namespace UNetDsl.Training;

/// <summary>The scores of one class, averaged over the images whose truth holds it (MONAI's DiceMetric, ignore_empty=True).</summary>
/// <param name="Class">The class index.</param>
/// <param name="Dice">Mean Dice, 2|P n T| / (|P| + |T|); NaN when no image's truth holds the class.</param>
/// <param name="IoU">Mean intersection over union, |P n T| / |P u T|; NaN likewise.</param>
/// <param name="Images">The images that scored it.</param>
public sealed record ClassScores(int Class, double Dice, double IoU, int Images);

/// <summary>
/// Metrics of a segmentation network on labelled images, each figure named by its definition.
/// </summary>
/// <param name="Images">Images scored.</param>
/// <param name="Classes">The network's classes.</param>
/// <param name="PixelError">Fraction of labelled pixels whose predicted class is wrong (1 - pixel accuracy), mean over images.</param>
/// <param name="PerClass">Dice and IoU of every class, background (0) included; as MONAI's DiceMetric does by default
/// (ignore_empty=True), an image whose truth lacks a class does not score that class.</param>
/// <param name="RandError">The ISBI 2012 challenge's foreground-restricted Rand error at this one threshold: segments
/// are the 4-connected components of the predicted and true foreground (class &gt; 0); pixels predicted background
/// are singletons (<see cref="Metrics.Rand(int[], int[])"/>). Mean over images.</param>
/// <param name="AdaptedRandError">The SNEMI3D adapted Rand error (scikit-image's <c>adapted_rand_error</c>) of the same
/// segments, predicted background one segment (<see cref="Metrics.AdaptedRandError"/>). Mean over images.</param>
public sealed record EvaluationReport(
    int Images,
    int Classes,
    double PixelError,
    IReadOnlyList<ClassScores> PerClass,
    double RandError,
    double AdaptedRandError)
{
    /// <summary>Mean Dice over the foreground classes 1..C-1 that scored (NaN when none did).</summary>
    public double MeanForegroundDice => Mean(PerClass.Where(c => c.Class > 0).Select(c => c.Dice));

    /// <summary>Mean IoU over the foreground classes 1..C-1 that scored (NaN when none did).</summary>
    public double MeanForegroundIoU => Mean(PerClass.Where(c => c.Class > 0).Select(c => c.IoU));

    private static double Mean(IEnumerable<double> values)
    {
        var scored = values.Where(v => !double.IsNaN(v)).ToList();
        return scored.Count == 0 ? double.NaN : scored.Average();
    }
}

/// <summary>Adds up per-image scores into an <see cref="EvaluationReport"/>.</summary>
public sealed class EvaluationAccumulator
{
    private readonly int _classes;
    private readonly double[] _dice;
    private readonly double[] _iou;
    private readonly int[] _scored;
    private double _pixelError;
    private double _rand;
    private double _adaptedRand;
    private int _images;

    /// <summary>Starts an empty tally.</summary>
    /// <param name="classes">The network's classes (2 or more).</param>
    public EvaluationAccumulator(int classes)
    {
        if (classes < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "Segmentation metrics need 2 classes or more.");
        }

        _classes = classes;
        _dice = new double[classes];
        _iou = new double[classes];
        _scored = new int[classes];
    }

    /// <summary>Scores one image; an image without a labelled pixel counts in no figure.</summary>
    /// <param name="predicted">Predicted class of every pixel.</param>
    /// <param name="truth">True class of every pixel; pixels labelled <paramref name="ignore"/> are left out.</param>
    /// <param name="width">Image width (the Rand errors join pixels 4-connected, so rows matter).</param>
    /// <param name="height">Image height.</param>
    /// <param name="ignore">A label value that means "unlabelled", or null.</param>
    public void Add(int[] predicted, int[] truth, int width, int height, int? ignore = null)
    {
        CheckSizes(predicted, truth, 1, height, width);
        if (!ScoreClasses(predicted, truth, ignore))
        {
            return;
        }

        var (rand, adapted) = RandErrors(predicted, truth, 0, width, height, ignore);
        _rand += rand;
        _adaptedRand += adapted;
        _images++;
    }

    /// <summary>
    /// Scores one volume as one item (a volume without a labelled voxel counts in no figure): Dice, IoU and pixel error over all its labelled voxels; the Rand errors as the
    /// mean over its slices that hold a labelled voxel, each scored in 2D as <see cref="Add"/> scores an image (the
    /// ISBI 2012 challenge scores serial sections slice by slice, and so a 3D network's score is comparable with a 2D
    /// network's on the same slices).
    /// </summary>
    /// <param name="predicted">Predicted class of every voxel, (z, y, x) row-major.</param>
    /// <param name="truth">True class of every voxel; voxels labelled <paramref name="ignore"/> are left out.</param>
    /// <param name="depth">Slices.</param>
    /// <param name="height">Rows per slice.</param>
    /// <param name="width">Columns per row.</param>
    /// <param name="ignore">A label value that means "unlabelled", or null.</param>
    public void AddVolume(int[] predicted, int[] truth, int depth, int height, int width, int? ignore = null)
    {
        CheckSizes(predicted, truth, depth, height, width);
        if (!ScoreClasses(predicted, truth, ignore))
        {
            return;
        }

        var slice = height * width;
        var (rand, adapted, slices) = (0.0, 0.0, 0);
        for (var z = 0; z < depth; z++)
        {
            if (ignore is { } marker && truth.AsSpan(z * slice, slice).IndexOfAnyExcept(marker) < 0)
            {
                continue;
            }

            var (r, a) = RandErrors(predicted, truth, z * slice, width, height, ignore);
            (rand, adapted, slices) = (rand + r, adapted + a, slices + 1);
        }

        _rand += rand / slices;
        _adaptedRand += adapted / slices;
        _images++;
    }

    private static void CheckSizes(int[] predicted, int[] truth, int depth, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(truth);
        if (depth <= 0 || height <= 0 || width <= 0 || predicted.Length != truth.Length || truth.Length != (long)depth * width * height)
        {
            var size = depth == 1 ? $"{width}x{height}" : $"{depth}x{height}x{width} (depth x height x width)";
            throw new ArgumentException($"Prediction ({predicted.Length} values), truth ({truth.Length}) and size {size} disagree.", nameof(predicted));
        }
    }

    // Per-class overlap, as MONAI's DiceMetric with ignore_empty=True, and the pixel error of one item. False, and
    // nothing counted, for an item without a labelled pixel: it has nothing to score, and counting it as perfect would
    // flatter every mean.
    private bool ScoreClasses(int[] predicted, int[] truth, int? ignore)
    {
        var intersection = new long[_classes];
        var predictedCount = new long[_classes];
        var trueCount = new long[_classes];
        long wrong = 0, labelled = 0;
        for (var i = 0; i < truth.Length; i++)
        {
            var t = truth[i];
            if (t == ignore)
            {
                continue;
            }

            var p = predicted[i];
            if ((uint)t >= (uint)_classes || (uint)p >= (uint)_classes)
            {
                throw new ArgumentException($"Pixel {i} has class {((uint)t >= (uint)_classes ? t : p)}; the network has {_classes} classes (0..{_classes - 1}).", nameof(truth));
            }

            labelled++;
            trueCount[t]++;
            predictedCount[p]++;
            if (p == t)
            {
                intersection[t]++;
            }
            else
            {
                wrong++;
            }
        }

        if (labelled == 0)
        {
            return false;
        }

        for (var c = 0; c < _classes; c++)
        {
            // An item whose truth lacks the class does not score it, so a class is judged only where it exists (pixel
            // error still charges what is predicted where it is not).
            var union = predictedCount[c] + trueCount[c] - intersection[c];
            if (trueCount[c] == 0)
            {
                continue;
            }

            _dice[c] += 2.0 * intersection[c] / (predictedCount[c] + trueCount[c]);
            _iou[c] += (double)intersection[c] / union;
            _scored[c]++;
        }

        _pixelError += (double)wrong / labelled;
        return true;
    }

    // The Rand errors of one 2D slice starting at `offset`: foreground segments are 4-connected components.
    private static (double Rand, double AdaptedRand) RandErrors(int[] predicted, int[] truth, int offset, int width, int height, int? ignore)
    {
        var size = width * height;
        var predictedForeground = new bool[size];
        var trueForeground = new bool[size];
        for (var i = 0; i < size; i++)
        {
            predictedForeground[i] = predicted[offset + i] > 0;
            trueForeground[i] = truth[offset + i] > 0 && truth[offset + i] != ignore;
        }

        var predictedSegments = Metrics.ConnectedComponents(predictedForeground, width, height);
        var trueSegments = Metrics.ConnectedComponents(trueForeground, width, height);
        return (Metrics.Rand(predictedSegments, trueSegments).Error, Metrics.AdaptedRandError(predictedSegments, trueSegments));
    }

    /// <summary>The report of every image or volume added so far.</summary>
    public EvaluationReport Report()
    {
        var n = Math.Max(1, _images);
        var perClass = Enumerable.Range(0, _classes)
            .Select(c => new ClassScores(c, _scored[c] == 0 ? double.NaN : _dice[c] / _scored[c], _scored[c] == 0 ? double.NaN : _iou[c] / _scored[c], _scored[c]))
            .ToList();
        return new EvaluationReport(_images, _classes, _pixelError / n, perClass, _rand / n, _adaptedRand / n);
    }
}
