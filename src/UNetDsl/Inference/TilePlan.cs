using System;
using System.Collections.Generic;
using System.Linq;

namespace UNetDsl.Inference;

/// <summary>One spatial axis of an overlap-tile plan.</summary>
/// <param name="Input">The input tile's side: a valid input size of the axis.</param>
/// <param name="Output">The part of the output tile that is kept; kept parts of neighbouring tiles abut exactly.</param>
/// <param name="Margin">Context mirrored around the image on each side of the axis.</param>
public readonly record struct AxisTile(int Input, int Output, int Margin);

/// <summary>
/// How <see cref="OverlapTilePredictor"/> cuts an image or volume: one <see cref="AxisTile"/> per spatial axis, in the
/// tensor's axis order (H, W, or D, H, W). Each axis is planned from its own <see cref="ValidSizeRule"/>, so an
/// anisotropic network gets its own margin and tile side per axis.
/// </summary>
/// <remarks>A struct, so that <c>Predict(model, image, null)</c> still means the other overload's default tile.</remarks>
/// <param name="Axes">The tiles per spatial axis.</param>
public readonly record struct TilePlan(IReadOnlyList<AxisTile> Axes)
{
    /// <summary>The smallest output tile side a 3D plan uses by default: 32^3 voxels keep a tile's feature maps in memory.</summary>
    public const int DefaultOutputTile3D = 32;

    /// <summary>Plans tiles for <paramref name="geometry"/>.</summary>
    /// <param name="geometry">The network's geometry.</param>
    /// <param name="outputTile">The output side wanted per axis (rounded up to a valid size). Null: the network's
    /// reference output size per axis, or <see cref="OverlapTilePredictor.DefaultOutputTile"/> (2D) and
    /// <see cref="DefaultOutputTile3D"/> (3D) when that is smaller.</param>
    /// <param name="contextMargin">Extra context per side and axis for 'Same' networks; null for none.</param>
    /// <exception cref="ArgumentException">A list does not have one value per spatial axis.</exception>
    public static TilePlan For(UNetGeometry geometry, IReadOnlyList<int>? outputTile = null, IReadOnlyList<int>? contextMargin = null)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        var dimensions = geometry.Dimensions;
        CheckPerAxis(outputTile, dimensions, nameof(outputTile));
        CheckPerAxis(contextMargin, dimensions, nameof(contextMargin));
        var smallest = dimensions == 2 ? OverlapTilePredictor.DefaultOutputTile : DefaultOutputTile3D;
        var axes = new AxisTile[dimensions];
        for (var axis = 0; axis < dimensions; axis++)
        {
            var (input, output, margin) = OverlapTilePredictor.Tile(
                geometry.SizeRules[axis],
                outputTile?[axis] ?? Math.Max(smallest, geometry.OutputSize[axis]),
                contextMargin?[axis] ?? 0);
            axes[axis] = new AxisTile(input, output, margin);
        }

        return new TilePlan(axes);
    }

    /// <summary>The input voxels a tile of <see cref="ForVolume"/> holds at most by default: about 100^3, so that a
    /// small network's feature maps of one tile stay within a few hundred MiB.</summary>
    public const long DefaultVoxelsPerTile = 1_000_000;

    /// <summary>
    /// Plans tiles for one volume of <paramref name="shape"/>: each axis's output tile starts as the whole axis (a
    /// thin volume is one tile deep, not mirrored up to a cube) and the largest is halved until an input tile holds at
    /// most <paramref name="voxelsPerTile"/> voxels. 'Same' axes, whose own margin is 0, get context of twice their
    /// coarsest voxel (the size rule's step), at most 16 voxels, mirrored like a 'Valid' margin, so that no kept output
    /// voxel sits right at a tile's zero-padded border.
    /// </summary>
    /// <param name="geometry">A 3D network's geometry.</param>
    /// <param name="shape">The volume's (depth, height, width).</param>
    /// <param name="voxelsPerTile">The most input voxels a tile may hold (a tile never shrinks below one valid size).</param>
    /// <exception cref="ArgumentException">The geometry is not 3D or the shape not three positive sizes.</exception>
    public static TilePlan ForVolume(UNetGeometry geometry, IReadOnlyList<int> shape, long voxelsPerTile = DefaultVoxelsPerTile)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(shape);
        if (geometry.Dimensions != 3 || shape.Count != 3 || shape.Any(s => s < 1))
        {
            throw new ArgumentException($"A volume's tile plan needs a 3D network and three positive sizes; got a {geometry.Dimensions}D network and [{string.Join(", ", shape)}].");
        }

        var context = geometry.SizeRules.Select(rule => rule.Shrink > 0 ? 0 : Math.Min(16, 2 * rule.Step)).ToArray();
        var wanted = shape.ToArray();
        var plan = For(geometry, wanted, context);
        var shrinkable = new List<int> { 0, 1, 2 };
        while (shrinkable.Count > 0 && plan.Axes.Aggregate(1L, (product, axis) => product * axis.Input) > voxelsPerTile)
        {
            var largest = shrinkable.OrderByDescending(a => plan.Axes[a].Output).First();
            wanted[largest] = Math.Max(1, plan.Axes[largest].Output / 2);
            var smaller = For(geometry, wanted, context);

            // Rounding up to a valid size may give the same tile back: that axis is as small as it gets.
            if (smaller.Axes[largest].Output >= plan.Axes[largest].Output)
            {
                shrinkable.Remove(largest);
            }

            plan = smaller;
        }

        return plan;
    }

    /// <summary>"132x132x132 -> 44x44x44 (margin 44x44x44)".</summary>
    public override string ToString() =>
        Axes is null
            ? "(no axes)"
            : string.Join("x", Axes.Select(a => a.Input)) + " -> " + string.Join("x", Axes.Select(a => a.Output)) + " (margin " + string.Join("x", Axes.Select(a => a.Margin)) + ")";

    private static void CheckPerAxis(IReadOnlyList<int>? values, int dimensions, string name)
    {
        if (values is not null && values.Count != dimensions)
        {
            throw new ArgumentException($"{name} has {values.Count} values; a {dimensions}D network needs one per spatial axis ({dimensions}).", name);
        }
    }
}
