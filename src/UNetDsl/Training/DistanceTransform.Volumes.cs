using System;

namespace UNetDsl.Training;

/// <summary>
/// The distance transform of volumes, whose voxels may be longer along one axis than another (a stack of thick
/// sections): the separable transform of Felzenszwalb and Huttenlocher is exact for any axis-aligned spacing, one 1-D
/// pass per axis with its parabolas scaled by the squared step along that axis.
/// </summary>
public static partial class DistanceTransform
{
    // A step this many times the shortest puts the next slice (row, column) at a squared distance of 1e22, beyond
    // Infinity, where nothing counts any more; capping the steps there keeps a (q - p)^2 finite for any spacing, even
    // double.MaxValue along z as a way of saying "the slices are independent".
    private const double LongestStep = 1e11;

    /// <summary>
    /// For every voxel, the Euclidean distances to the nearest and the second-nearest instance of
    /// <paramref name="labels"/> other than the voxel's own (label 0 is background and no instance), measured in
    /// units of the smallest of the three <paramref name="spacing"/>s. Distances above
    /// <paramref name="maxDistance"/> are reported as <see cref="Infinity"/>.
    /// </summary>
    /// <param name="labels">Instance labels in (z, y, x) row-major order, index = (z * height + y) * width + x: 0 background, positive values the instances.</param>
    /// <param name="depth">Slices.</param>
    /// <param name="height">Rows per slice.</param>
    /// <param name="width">Columns per row.</param>
    /// <param name="spacing">
    /// The physical size of a voxel along (z, y, x), three positive finite numbers in any one unit. Only their ratios
    /// matter: distances come out in multiples of the smallest, so with spacing (4, 1, 1) a step between slices counts
    /// 4 and a step within a slice 1, and with (1, 1, 1) distances are plain voxel distances.
    /// </param>
    /// <param name="maxDistance">
    /// The largest distance of interest, in units of the smallest spacing. Each instance's transform is computed only
    /// over its bounding box grown by ceil(<paramref name="maxDistance"/> / step) voxels along each axis, step being
    /// that axis's spacing over the smallest, which holds every voxel within that distance of it. Infinity (the
    /// default) transforms over the whole volume.
    /// </param>
    /// <returns>
    /// The nearest (<c>First</c>) and second-nearest (<c>Second</c>) distance per voxel, in the order of
    /// <paramref name="labels"/>. Each equals the distance a whole-volume transform per instance would give whenever
    /// that distance is at most <paramref name="maxDistance"/>, and is <see cref="Infinity"/> otherwise, so the window
    /// never changes the result.
    /// </returns>
    /// <remarks>
    /// The transform is exact; the squared distances are held in float between the passes, as in the transform of
    /// images, so where float cannot hold them exactly they carry its rounding, a few parts in 10^7. It holds them
    /// exactly for cubic voxels (whole numbers, below 2^24 in any volume under 2,300 voxels a side) and for steps
    /// with a short binary fraction such as 12.5 (multiples of 1/4). Squared distances of 1e20
    /// (<see cref="Infinity"/>) or more count as "no instance". A volume of depth 1 with equal in-plane spacings gives
    /// exactly <see cref="NearestTwoInstances(int[], int, int, double)"/>.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// The sizes are not positive or do not match <paramref name="labels"/>, <paramref name="spacing"/> is not three
    /// positive finite numbers, or a label is negative.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDistance"/> is negative or NaN.</exception>
    public static (float[] First, float[] Second) NearestTwoInstances(int[] labels, int depth, int height, int width, double[] spacing, double maxDistance = double.PositiveInfinity)
    {
        ArgumentNullException.ThrowIfNull(labels);
        CheckVolumeSize(labels.Length, depth, height, width, nameof(labels));
        var steps = StepsOf(spacing);
        CheckMaxDistance(maxDistance);
        return NearestTwoInWindows(labels, new Extent(depth, height, width), steps, maxDistance);
    }

    /// <summary>Throws unless <paramref name="spacing"/> is three positive finite voxel sizes along (z, y, x).</summary>
    /// <param name="spacing">The voxel size along (z, y, x).</param>
    internal static void CheckSpacing(double[] spacing) => StepsOf(spacing);

    // The step along each axis in units of the shortest: spacing / min(spacing), capped at LongestStep.
    private static AxisSteps StepsOf(double[] spacing)
    {
        ArgumentNullException.ThrowIfNull(spacing);
        if (spacing.Length != 3)
        {
            throw new ArgumentException($"The spacing needs 3 values, the voxel size along z, y and x; got {spacing.Length}.", nameof(spacing));
        }

        for (var axis = 0; axis < 3; axis++)
        {
            if (!(spacing[axis] > 0) || double.IsPositiveInfinity(spacing[axis]))
            {
                throw new ArgumentException($"The voxel size along {"zyx"[axis]} is {spacing[axis]}; every spacing must be positive and finite.", nameof(spacing));
            }
        }

        var shortest = Math.Min(spacing[0], Math.Min(spacing[1], spacing[2]));
        return new AxisSteps(
            Math.Min(spacing[0] / shortest, LongestStep),
            Math.Min(spacing[1] / shortest, LongestStep),
            Math.Min(spacing[2] / shortest, LongestStep));
    }

    private static void CheckVolumeSize(int length, int depth, int height, int width, string parameter)
    {
        if (depth <= 0 || height <= 0 || width <= 0)
        {
            throw new ArgumentException($"A volume needs a positive depth, height and width; got {depth} x {height} x {width}.", parameter);
        }

        if (length != (long)depth * height * width)
        {
            throw new ArgumentException($"The volume has {length} voxels; {depth} x {height} x {width} needs {(long)depth * height * width}.", parameter);
        }
    }
}
