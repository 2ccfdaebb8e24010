using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace UNetDsl.Training.Augmentation;

/// <summary>
/// The 3D U-Net's elastic deformation (Cicek et al. 2016): random displacement vectors on a coarse grid (standard
/// deviation 4 voxels, grid spacing 32 voxels), interpolated smoothly to every voxel, applied with one sampling grid
/// to the volume (trilinear), the labels (nearest, so they stay labels) and the weight map (trilinear); plus random
/// flips and 90-degree rotations among the axes allowed to turn. Standard deviation and grid spacing are given per axis
/// (D, H, W), so a thick-slice volume can be deformed less, or not at all, along its slice axis, and its default
/// rotations and flips stay in the plane of the slices (H, W).
/// </summary>
/// <remarks>
/// The coarse vectors are interpolated with the cubic convolution kernel (Keys, a = -0.75) along each axis in turn,
/// the kernel of the 2D augmentation's bicubic interpolation: the field passes through the coarse vectors, so the
/// standard deviation is the displacement's at every grid point, as in 2D, and the field is smooth (continuously
/// differentiable) in between. An approximating cubic B-spline would be smoother still (twice differentiable) but
/// shrinks the displacements to about a third of the standard deviation asked for in 3D.
/// </remarks>
public sealed class ElasticDeformation3D : IAugmentation
{
    private const double CubicA = -0.75;

    /// <summary>Builds the augmentation.</summary>
    /// <param name="sigma">Standard deviation of the coarse displacements in voxels, per axis (D, H, W); one value for
    /// all axes, or null for the paper's 4. 0 on an axis: no displacement along it.</param>
    /// <param name="gridSpacing">Voxels between coarse grid points, per axis (D, H, W); one value for all axes, or null
    /// for the paper's 32.</param>
    /// <param name="orientAxes">Spatial axes (0 = D, 1 = H, 2 = W) that may be flipped, and among which the volume may
    /// turn by multiples of 90 degrees; null for { 1, 2 } (in-plane only), empty for none. A turn in a plane whose two
    /// sides differ swaps them, as in 2D.</param>
    /// <exception cref="ArgumentException">A list has neither one nor three values, a value is out of range, or an
    /// axis is repeated.</exception>
    public ElasticDeformation3D(IReadOnlyList<double>? sigma = null, IReadOnlyList<int>? gridSpacing = null, IReadOnlyList<int>? orientAxes = null)
    {
        Sigma = PerAxis(sigma ?? new[] { 4.0 }, nameof(sigma));
        GridSpacing = PerAxis(gridSpacing ?? new[] { 32 }, nameof(gridSpacing));
        OrientAxes = (orientAxes ?? new[] { 1, 2 }).ToArray();
        if (Sigma.Any(s => s < 0 || double.IsNaN(s)) || GridSpacing.Any(s => s < 1))
        {
            throw new ArgumentException($"Standard deviations must be 0 or more and grid spacings 1 or more; got sigma [{string.Join(", ", Sigma)}], grid spacing [{string.Join(", ", GridSpacing)}].");
        }

        if (OrientAxes.Any(a => a is < 0 or > 2) || OrientAxes.Distinct().Count() != OrientAxes.Count)
        {
            throw new ArgumentException($"orientAxes must name distinct spatial axes 0 (D), 1 (H) or 2 (W); got [{string.Join(", ", OrientAxes)}].", nameof(orientAxes));
        }
    }

    /// <summary>
    /// The paper's deformation (standard deviation 4, grid spacing 32) for volumes of <paramref name="spacing"/>, both
    /// measured in voxels of the finest axis and converted to each axis's voxels, so that a displacement is alike in
    /// physical space: a thick-slice axis moves and bends less in voxels. Flips and 90-degree turns only among the axes
    /// as fine as the finest (within 1.5 times) whose tile sides are equal, so that a turn never swaps a fine axis
    /// with a thick one nor changes a tile's shape.
    /// </summary>
    /// <param name="spacing">Voxel spacing (D, H, W).</param>
    /// <param name="tile">The input tile's sides (D, H, W).</param>
    /// <exception cref="ArgumentException">A list does not have three values, or a spacing is not positive and finite.</exception>
    public static ElasticDeformation3D ForSpacing(IReadOnlyList<double> spacing, IReadOnlyList<int> tile)
    {
        ArgumentNullException.ThrowIfNull(spacing);
        ArgumentNullException.ThrowIfNull(tile);
        if (spacing.Count != 3 || tile.Count != 3 || spacing.Any(s => !(s > 0) || double.IsInfinity(s)))
        {
            throw new ArgumentException($"A volume's deformation needs three positive spacings and three tile sides (D, H, W); got [{string.Join(", ", spacing)}] and [{string.Join(", ", tile)}].");
        }

        var finest = spacing.Min();
        var sigma = spacing.Select(s => 4.0 * finest / s).ToArray();
        var grid = spacing.Select(s => Math.Max(1, (int)Math.Round(32 * finest / s))).ToArray();
        var fine = Enumerable.Range(0, 3).Where(a => spacing[a] <= 1.5 * finest).ToList();
        var orient = fine.GroupBy(a => tile[a]).OrderByDescending(g => g.Count()).ThenByDescending(g => g.Max()).First().ToArray();
        return new ElasticDeformation3D(sigma, grid, orient);
    }

    /// <summary>Standard deviation of the coarse displacements in voxels, per axis (D, H, W).</summary>
    public IReadOnlyList<double> Sigma { get; }

    /// <summary>Voxels between coarse grid points, per axis (D, H, W).</summary>
    public IReadOnlyList<int> GridSpacing { get; }

    /// <summary>Spatial axes that may be flipped and turned among (0 = D, 1 = H, 2 = W).</summary>
    public IReadOnlyList<int> OrientAxes { get; }

    /// <summary>
    /// A dense displacement field [D, H, W, 3] in voxels, its components in the order (x, y, z) = (W, H, D) that
    /// <see cref="Apply"/> and grid sampling take; smooth, from random coarse displacements.
    /// </summary>
    /// <param name="depth">Volume depth.</param>
    /// <param name="height">Volume height.</param>
    /// <param name="width">Volume width.</param>
    /// <param name="generator">The random source; null for the global one.</param>
    public Tensor RandomDisplacement(int depth, int height, int width, Generator? generator = null)
    {
        var sizes = new[] { depth, height, width };
        using var scope = NewDisposeScope();

        // One coarse vector per grid point, components in axis order (D, H, W), each scaled by its axis's deviation.
        var points = sizes.Select((size, axis) => GridPoints(size, GridSpacing[axis])).ToArray();
        var coarse = randn(new long[] { 3, points[0], points[1], points[2] }, generator: generator)
            .mul(tensor(Sigma.Select(s => (float)s).ToArray()).view(3, 1, 1, 1));

        var dense = einsum(
            "cijk,zi,yj,xk->zyxc",
            coarse,
            CubicWeights(depth, GridSpacing[0]),
            CubicWeights(height, GridSpacing[1]),
            CubicWeights(width, GridSpacing[2]));
        return scope.MoveToOuter(dense.flip(3).contiguous());
    }

    /// <summary>
    /// Deforms volume [C, D, H, W], labels [D, H, W] (integer classes) and optional weights [D, H, W] by the same
    /// displacement field [D, H, W, 3] (voxels, components x, y, z; each output voxel samples the input at its position
    /// plus the displacement).
    /// </summary>
    /// <param name="image">The volume.</param>
    /// <param name="labels">Integer labels (any integer dtype).</param>
    /// <param name="weights">A weight map, or null.</param>
    /// <param name="displacement">The displacement field in voxels.</param>
    /// <exception cref="ArgumentException">The shapes do not match.</exception>
    public static (Tensor Image, Tensor Labels, Tensor? Weights) Apply(Tensor image, Tensor labels, Tensor? weights, Tensor displacement)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(displacement);
        var volume = image.dim() == 4 ? image.shape[1..] : Array.Empty<long>();
        var field = volume.Append(3L).ToArray();
        if (volume.Length == 0 || !labels.shape.SequenceEqual(volume) || !displacement.shape.SequenceEqual(field) || (weights is not null && !weights.shape.SequenceEqual(volume)))
        {
            throw new ArgumentException($"A volume [C, D, H, W] needs labels and weights [D, H, W] and a displacement [D, H, W, 3]; got volume [{string.Join(", ", image.shape)}], labels [{string.Join(", ", labels.shape)}], weights [{string.Join(", ", weights?.shape ?? Array.Empty<long>())}], displacement [{string.Join(", ", displacement.shape)}].");
        }

        return DisplacementSampler.Sample(image, labels, weights, displacement);
    }

    /// <summary>A random deformation (then flips and turns) of one training sample.</summary>
    /// <param name="image">Volume [C, D, H, W].</param>
    /// <param name="labels">Labels [D, H, W].</param>
    /// <param name="weights">Weights [D, H, W] or null.</param>
    /// <param name="random">The source of the flips and turns.</param>
    /// <param name="generator">The source of the displacements; null for the global one.</param>
    public (Tensor Image, Tensor Labels, Tensor? Weights) Augment(Tensor image, Tensor labels, Tensor? weights, Random random, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(random);
        if (image.dim() != 4)
        {
            throw new ArgumentException($"A volume is [C, D, H, W]; got [{string.Join(", ", image.shape)}].", nameof(image));
        }

        using var scope = NewDisposeScope();
        var displacement = RandomDisplacement((int)image.shape[1], (int)image.shape[2], (int)image.shape[3], generator);
        var (i, l, w) = Apply(image, labels, weights, displacement);

        // Draw every turn, then every flip, in a fixed order, so that the same Random gives the same orientation.
        var turns = new List<(int Turns, int First, int Second)>();
        for (var a = 0; a < OrientAxes.Count; a++)
        {
            for (var b = a + 1; b < OrientAxes.Count; b++)
            {
                turns.Add((random.Next(4), OrientAxes[a], OrientAxes[b]));
            }
        }

        var flips = OrientAxes.Where(_ => random.Next(2) == 1).ToArray();
        (i, l, w) = (Orient(i, turns, flips), Orient(l, turns, flips), w is null ? null : Orient(w, turns, flips));

        scope.MoveToOuter(i, l);
        if (w is not null)
        {
            scope.MoveToOuter(w);
        }

        return (i, l, w);
    }

    // Coarse grid points along an axis of `size` voxels: positions (k - 1) * spacing, one before the first voxel and
    // enough after the last that every voxel has the two points on each side the cubic kernel reads.
    private static int GridPoints(int size, int spacing) => ((Math.Max(1, size) - 1) / spacing) + 4;

    // [size, points]: the weight of each coarse point in each voxel's value, cubic convolution along one axis.
    private static Tensor CubicWeights(int size, int spacing)
    {
        var points = GridPoints(size, spacing);
        var weights = new float[size * points];
        for (var voxel = 0; voxel < size; voxel++)
        {
            var t = (double)voxel / spacing;
            var below = (int)Math.Floor(t);
            for (var k = below; k <= below + 3; k++)
            {
                // Grid point k sits at (k - 1) * spacing, i.e. at t = k - 1.
                weights[(voxel * points) + k] = (float)Cubic(t - (k - 1));
            }
        }

        return tensor(weights, new long[] { size, points });
    }

    // Keys' cubic convolution kernel, a = -0.75 (as PyTorch's bicubic interpolation).
    private static double Cubic(double distance)
    {
        var u = Math.Abs(distance);
        return u <= 1 ? ((((CubicA + 2) * u) - (CubicA + 3)) * u * u) + 1
            : u < 2 ? (((((CubicA * u) - (5 * CubicA)) * u) + (8 * CubicA)) * u) - (4 * CubicA)
            : 0;
    }

    // Turns the spatial axes (counted from the end: the last three axes of [C, D, H, W] or [D, H, W]), then flips.
    private static Tensor Orient(Tensor x, List<(int Turns, int First, int Second)> turns, int[] flips)
    {
        var first = x.dim() - 3;
        var oriented = x;
        foreach (var (count, a, b) in turns)
        {
            oriented = count == 0 ? oriented : oriented.rot90(count, (first + a, first + b));
        }

        if (flips.Length > 0)
        {
            oriented = oriented.flip(flips.Select(a => first + a).ToArray());
        }

        return oriented.contiguous();
    }

    private static T[] PerAxis<T>(IReadOnlyList<T> values, string name) =>
        values.Count switch
        {
            1 => new[] { values[0], values[0], values[0] },
            3 => values.ToArray(),
            _ => throw new ArgumentException($"{name} has {values.Count} values; a volume needs one per axis (D, H, W) or one for all.", name),
        };
}
