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
