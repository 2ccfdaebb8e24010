using System;
using System.Linq;
using static TorchSharp.torch;

namespace UNetDsl.Training;

/// <summary>
/// The weight map of the U-Net paper (equation 2): w(x) = w_c(x) + w0 * exp(-(d1(x) + d2(x))^2 / (2 sigma^2)), with
/// w_c balancing the class frequencies and d1, d2 the distances to the nearest and the second-nearest cell. It makes
/// the network learn the thin background borders between touching cells. The map of volumes, with anisotropic voxels,
/// is in WeightMap.Volumes.cs; an image's map is its one-slice case.
/// </summary>
public static partial class WeightMap
{
    // The spacing of an image: square pixels.
    private static readonly double[] SquarePixels = { 1, 1, 1 };

    /// <summary>The paper's weight of the border term.</summary>
    public const float DefaultW0 = 10f;

    /// <summary>The paper's width of the border term, in pixels.</summary>
    public const float DefaultSigma = 5f;

    /// <summary>
    /// The default size below which the border term is dropped: 1e-6, under the float resolution of a weight of 1 (the
    /// smallest class weight), so the cut-off is invisible in the returned map.
    /// </summary>
    public const double DefaultTolerance = 1e-6;

    /// <summary>Computes the weight map of an instance-label image.</summary>
    /// <param name="instances">Row-major labels: 0 background, 1..K the cells (any positive values; touching cells differ).</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <param name="w0">Weight of the border term; 10 in the paper.</param>
    /// <param name="sigma">Width of the border term in pixels; 5 in the paper.</param>
    /// <param name="tolerance">
    /// The border term is set to 0 where it would be below this (0: never), that is where d1 + d2 exceeds
    /// <see cref="Cutoff"/>; this is what bounds each cell's distance transform to a window around the cell.
    /// </param>
    /// <returns>One weight per pixel, row-major.</returns>
    /// <remarks>
    /// <para>
    /// w_c gives each class the weight (pixels of the more frequent class) / (pixels of this class), so both classes
    /// carry the same total weight and the more frequent one has weight 1; an image of one class is all 1.
    /// </para>
    /// <para>
    /// The border term is added on background pixels only: it exists to make the network separate touching cells,
    /// and the separating pixels are background (the paper's figure 3d). d1 and d2 are Euclidean distances to the
    /// nearest pixel of the nearest and of the second-nearest cell; with fewer than two cells there is no border term.
    /// </para>
    /// <para>
    /// Cut-off: only pixels with d1 + d2 &lt;= c, c = sigma * sqrt(2 ln(w0 / tolerance)) (28.4 px for the paper's
    /// w0 = 10, sigma = 5 and the default tolerance), get the term, so only distances up to c matter and each cell's
    /// exact distance transform (<see cref="DistanceTransform.NearestTwoInstances(int[], int, int, double)"/>) runs
    /// over its bounding box grown by ceil(c) pixels. The result is identical to computing every cell's transform over
    /// the whole image with the same cut-off; the cut-off itself changes no weight by more than the tolerance.
    /// </para>
    /// </remarks>
    public static float[] Compute(int[] instances, int width, int height, float w0 = DefaultW0, float sigma = DefaultSigma, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(instances);
        if (width <= 0 || height <= 0 || instances.Length != (long)width * height)
        {
            throw new ArgumentException($"The label image has {instances.Length} pixels; {width}x{height} needs {(long)width * height}.", nameof(instances));
        }

        CheckBorder(w0, sigma, tolerance);
        var (backgroundWeight, foregroundWeight) = ClassWeights(instances);
        var weights = new float[instances.Length];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = instances[i] > 0 ? foregroundWeight : backgroundWeight;
        }

        AddBorderTerm(weights, instances, 1, height, width, SquarePixels, w0, sigma, tolerance);
        return weights;
    }

    /// <summary>
    /// The weight map of a label image of any number of classes: w_c balances every class present (the most frequent
    /// weighs 1, each other (its pixels) / (this class's pixels)), and the border term is added on pixels outside
    /// every instance, exactly as <see cref="Compute"/> does for two classes.
    /// </summary>
    /// <param name="classes">Row-major class indices 0..<paramref name="classCount"/>-1.</param>
    /// <param name="instances">Row-major instance labels (0 outside every object), e.g. from <see cref="Data.FolderDataset.InstancesOfClasses(int[], int, int)"/>.</param>
    /// <param name="classCount">The network's classes.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <param name="w0">Weight of the border term; 10 in the paper.</param>
    /// <param name="sigma">Width of the border term in pixels; 5 in the paper.</param>
    /// <param name="tolerance">See <see cref="Compute"/>.</param>
    /// <param name="ignore">A label value that means "unlabelled": those pixels get weight 0; or null.</param>
    /// <param name="balanceClasses">True (the paper's): class weights w_c balance the class frequencies. False: every class weighs 1.</param>
    public static float[] ComputeForClasses(int[] classes, int[] instances, int classCount, int width, int height, float w0 = DefaultW0, float sigma = DefaultSigma, double tolerance = DefaultTolerance, int? ignore = null, bool balanceClasses = true)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(instances);
        if (width <= 0 || height <= 0 || classes.Length != (long)width * height || instances.Length != classes.Length)
        {
            throw new ArgumentException($"The label images have {classes.Length} and {instances.Length} pixels; {width}x{height} needs {(long)width * height}.", nameof(classes));
        }

        // An image is a volume of one slice with square pixels, and gets the same weights to the bit.
        return ComputeForClasses(classes, instances, classCount, 1, height, width, SquarePixels, w0, sigma, tolerance, ignore, balanceClasses);
    }

    private static void CheckBorder(float w0, float sigma, double tolerance)
    {
        if (!(w0 >= 0) || float.IsInfinity(w0))
        {
            throw new ArgumentOutOfRangeException(nameof(w0), w0, "The border weight w0 must be finite and 0 or more.");
        }

        if (!(sigma > 0) || float.IsInfinity(sigma))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "The border width sigma must be a positive number of pixels.");
        }

        if (!(tolerance >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance must be 0 or more.");
        }
    }

    // w0 exp(-(d1 + d2)^2 / 2 sigma^2) on voxels outside every instance that have two instances within the cut-off;
    // d1, d2 and sigma in units of the smallest spacing.
    private static void AddBorderTerm(float[] weights, int[] instances, int depth, int height, int width, double[] spacing, float w0, float sigma, double tolerance)
    {
        var cutoff = Cutoff(w0, sigma, tolerance);
        if (cutoff <= 0)
        {
            return;
        }

        var (d1, d2) = DistanceTransform.NearestTwoInstances(instances, depth, height, width, spacing, cutoff);
        var twoSigmaSquared = 2.0 * sigma * sigma;
        for (var i = 0; i < weights.Length; i++)
        {
            if (instances[i] != 0 || d2[i] >= DistanceTransform.Infinity)
            {
                continue;
            }

            double sum = d1[i] + d2[i];
            if (sum <= cutoff)
            {
                weights[i] = (float)(weights[i] + (w0 * Math.Exp(-(sum * sum) / twoSigmaSquared)));
            }
        }
    }

    /// <summary>The weight map as a float32 tensor [H, W] on the CPU.</summary>
    /// <param name="instances">Row-major instance labels.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <param name="w0">Weight of the border term.</param>
    /// <param name="sigma">Width of the border term in pixels.</param>
    /// <param name="tolerance">Size below which the border term is dropped; see <see cref="Compute"/>.</param>
    public static Tensor ComputeTensor(int[] instances, int width, int height, float w0 = DefaultW0, float sigma = DefaultSigma, double tolerance = DefaultTolerance) =>
        ToTensor(Compute(instances, width, height, w0, sigma, tolerance), width, height);

    /// <summary>A row-major map as a float32 tensor [H, W] on the CPU (stack them for a batch's weights [N, H, W]).</summary>
    /// <param name="weights">Row-major weights, <paramref name="width"/> x <paramref name="height"/>.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    public static Tensor ToTensor(float[] weights, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (width <= 0 || height <= 0 || weights.Length != (long)width * height)
        {
            throw new ArgumentException($"The weight map has {weights.Length} pixels; {width}x{height} needs {(long)width * height}.", nameof(weights));
        }

        return tensor(weights, new long[] { height, width }, ScalarType.Float32);
    }

    /// <summary>
    /// The class-balancing term w_c: background and foreground (label &gt; 0) weighted inversely to their pixel
    /// counts, scaled so that the more frequent class weighs 1. A class with no pixels gets 1.
    /// </summary>
    /// <param name="instances">Row-major instance (or binary) labels.</param>
    /// <returns>The weight of a background pixel and of a foreground pixel.</returns>
    public static (float Background, float Foreground) ClassWeights(int[] instances)
    {
        ArgumentNullException.ThrowIfNull(instances);
        long foreground = 0;
        foreach (var label in instances)
        {
            foreground += label > 0 ? 1 : 0;
        }

        long background = instances.Length - foreground;
        var majority = (double)Math.Max(foreground, background);
        return (
            background == 0 ? 1f : (float)(majority / background),
            foreground == 0 ? 1f : (float)(majority / foreground));
    }

    /// <summary>
    /// The value of d1 + d2 beyond which the border term w0 exp(-(d1 + d2)^2 / 2 sigma^2) is below
    /// <paramref name="tolerance"/>: sigma * sqrt(2 ln(w0 / tolerance)); 0 when w0 is already at or below it, and
    /// infinity for a tolerance of 0.
    /// </summary>
    /// <param name="w0">Weight of the border term.</param>
    /// <param name="sigma">Width of the border term in pixels.</param>
    /// <param name="tolerance">The size below which the term is dropped.</param>
    public static double Cutoff(float w0 = DefaultW0, float sigma = DefaultSigma, double tolerance = DefaultTolerance)
    {
        if (tolerance <= 0)
        {
            return double.PositiveInfinity;
        }

        return w0 <= tolerance ? 0 : sigma * Math.Sqrt(2 * Math.Log(w0 / tolerance));
    }

    /// <summary>
    /// For every pixel, the distances (not squared) to the nearest and second-nearest cell other than its own, each
    /// cell's distance transform taken over its bounding box grown by <paramref name="reach"/> pixels; distances above
    /// <paramref name="reach"/> are <see cref="DistanceTransform.Infinity"/>.
    /// </summary>
    /// <param name="instances">Row-major instance labels.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <param name="reach">The largest distance of interest, in pixels.</param>
    public static (float[] D1, float[] D2) NearestTwo(int[] instances, int width, int height, int reach) =>
        DistanceTransform.NearestTwoInstances(instances, width, height, reach);
}
