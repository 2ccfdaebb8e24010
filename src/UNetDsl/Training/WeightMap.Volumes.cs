using System;
using System.Linq;

namespace UNetDsl.Training;

/// <summary>The weight map of volumes, whose voxels may be longer along z than within a slice.</summary>
public static partial class WeightMap
{
    /// <summary>
    /// The weight map of a class volume of any number of classes: w_c balances every class present over the labelled
    /// voxels (the most frequent weighs 1, each other (its voxels) / (this class's voxels)), and the border term
    /// w0 exp(-(d1 + d2)^2 / 2 sigma^2) is added on voxels outside every instance, with d1, d2 the Euclidean distances
    /// to the nearest and second-nearest instance in units of the smallest spacing.
    /// </summary>
    /// <param name="classes">Class indices 0..<paramref name="classCount"/>-1 in (z, y, x) row-major order, index = (z * height + y) * width + x.</param>
    /// <param name="instances">Instance labels in the same order (0 outside every object), e.g. from <see cref="Data.FolderDataset.InstancesOfClasses(int[], int, int, int, double[])"/>.</param>
    /// <param name="classCount">The network's classes.</param>
    /// <param name="depth">Slices.</param>
    /// <param name="height">Rows per slice.</param>
    /// <param name="width">Columns per row.</param>
    /// <param name="spacing">The physical voxel size along (z, y, x): three positive finite numbers, of which only the ratios matter.</param>
    /// <param name="w0">Weight of the border term; 10 in the paper.</param>
    /// <param name="sigma">Width of the border term in voxels of the finest axis (pixels of a slice when z is the coarse one); 5 in the paper.</param>
    /// <param name="tolerance">See <see cref="Compute"/>; the cut-off is in units of the smallest spacing too.</param>
    /// <param name="ignore">A class value that means "unlabelled": those voxels get weight 0 and are not counted; or null.</param>
    /// <param name="balanceClasses">True (the paper's): w_c as above. False: every class weighs 1, so the weights
    /// are the border term alone on 1 (plain cross-entropy where <paramref name="w0"/> is 0).</param>
    /// <returns>One weight per voxel, in the order of <paramref name="classes"/>.</returns>
    /// <remarks>
    /// <para>
    /// An image is the case depth 1, spacing (1, 1, 1): <see cref="ComputeForClasses(int[], int[], int, int, int, float, float, double, int?, bool)"/>
    /// gives the same weights to the bit.
    /// </para>
    /// <para>
    /// The distances are measured in physical units, so a cell two thick sections away is farther than one two pixels
    /// away, and expressed in multiples of the finest spacing, the unit in which sigma = 5 was chosen for the paper's
    /// images. With spacing (12.5, 1, 1) (serial sections 50 nm thick imaged at 4 nm) and the paper's w0 and sigma,
    /// a cell in the next slice is 12.5 away and only cells within 2 slices can reach the 28.4 cut-off.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// The sizes are not positive or do not match the arrays, <paramref name="spacing"/> is not three positive finite
    /// numbers, a class is out of range, or an instance label is negative.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/>, <paramref name="w0"/>, <paramref name="sigma"/> or <paramref name="tolerance"/> is out of range.</exception>
    public static float[] ComputeForClasses(int[] classes, int[] instances, int classCount, int depth, int height, int width, double[] spacing, float w0 = DefaultW0, float sigma = DefaultSigma, double tolerance = DefaultTolerance, int? ignore = null, bool balanceClasses = true)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(instances);
        if (depth <= 0 || height <= 0 || width <= 0 || classes.Length != (long)depth * height * width || instances.Length != classes.Length)
        {
            throw new ArgumentException($"The label volumes have {classes.Length} and {instances.Length} voxels; {depth} x {height} x {width} needs {(long)Math.Max(0, depth) * Math.Max(0, height) * Math.Max(0, width)}.", nameof(classes));
        }

        if (classCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "A weight map needs at least one class.");
        }

        DistanceTransform.CheckSpacing(spacing);
        CheckBorder(w0, sigma, tolerance);
        var counts = new long[classCount];
        foreach (var c in classes)
        {
            if (c == ignore)
            {
                continue;
            }

            if ((uint)c >= (uint)classCount)
            {
                throw new ArgumentException($"Class {c} is not one of the {classCount} classes (0..{classCount - 1}).", nameof(classes));
            }

            counts[c]++;
        }

        var majority = (double)Math.Max(1, counts.Max());
        var classWeights = counts.Select(n => n == 0 || !balanceClasses ? 1f : (float)(majority / n)).ToArray();
        var weights = new float[classes.Length];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = classes[i] == ignore ? 0f : classWeights[classes[i]];
        }

        // sigma stays in pixels of the finest axis, as in the paper's 2D images, rather than in physical units: the
        // paper's sigma = 5 then keeps its meaning within a slice, and a thick-slice volume whose slices are far apart
        // gets in each slice the border term of that slice's 2D map.
        AddBorderTerm(weights, instances, depth, height, width, spacing, w0, sigma, tolerance);
        if (ignore is not null)
        {
            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] = classes[i] == ignore ? 0f : weights[i];
            }
        }

        return weights;
    }
}
