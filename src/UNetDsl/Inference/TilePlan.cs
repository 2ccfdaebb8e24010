using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace UNetDsl.Inference;

/// <summary>
/// How <see cref="OverlapTilePredictor"/> cuts an image or volume: one <see cref="AxisTile"/> per spatial axis, in the
/// tensor's axis order (H, W, or D, H, W). Each axis is planned from its own <see cref="ValidSizeRule"/>, so an
/// anisotropic network gets its own margin, tile side and stride per axis.
/// </summary>
/// <remarks>
/// <para>A valid-padding U-Net's output at a pixel depends on where the tile starts relative to the pooling grid. The
/// plans made here start every tile at a multiple of the axis's pooling period (the size rule's
/// <see cref="ValidSizeRule.Step"/>), so every output pixel gets the value one pass over the whole mirror-extended
/// image would give it, whatever the tile size: tiles overlap by their output modulo the period instead of abutting.
/// 'Same' networks get the same phase; their tiles also need a context margin for the kept outputs to stay clear of
/// the zero padding at tile borders.</para>
/// <para>A struct, so that <c>Predict(model, image, null)</c> still means the other overload's default tile.</para>
/// </remarks>
/// <param name="Axes">The tiles per spatial axis.</param>
public readonly record struct TilePlan(IReadOnlyList<AxisTile> Axes)
{
    /// <summary>The smallest output tile side a 3D plan uses by default: 32^3 voxels keep a tile's feature maps in memory.</summary>
    public const int DefaultOutputTile3D = 32;

    /// <summary>The input voxels a tile of <see cref="ForVolume"/> holds at most by default: about 100^3, so that a
    /// small network's feature maps of one tile stay within a few hundred MiB.</summary>
    public const long DefaultVoxelsPerTile = 1_000_000;

    /// <summary>
    /// The input pixels a 2D tile of <see cref="Cheapest"/> holds at most by default: a million, about 3 paper tiles
    /// of 572x572. The paper's network then runs tiles such as 700x1212, whose margins cost less per output pixel
    /// than a 572 tile's; with one such tile per pass the process peaks at about 1.6 GiB (docs/benchmarks.md), and a
    /// batch holds several.
    /// </summary>
    public const long DefaultPixelsPerTile = 1_000_000;

    /// <summary>Plans tiles of one size for any image: the output tile wanted, in phase with the pooling.</summary>
    /// <param name="geometry">The network's geometry.</param>
    /// <param name="outputTile">The output side wanted per axis, rounded up to a valid size of at least one pooling
    /// period. Null: the network's reference output size per axis, or <see cref="OverlapTilePredictor.DefaultOutputTile"/>
    /// (2D) and <see cref="DefaultOutputTile3D"/> (3D) when that is smaller.</param>
    /// <param name="contextMargin">Extra context per side and axis for 'Same' networks; null for none.</param>
    /// <exception cref="ArgumentException">A list does not have one value per spatial axis, or a value is out of range.</exception>
    public static TilePlan For(UNetGeometry geometry, IReadOnlyList<int>? outputTile = null, IReadOnlyList<int>? contextMargin = null)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        var dimensions = geometry.Dimensions;
        CheckPerAxis(outputTile, dimensions, nameof(outputTile), minimum: 1);
        CheckPerAxis(contextMargin, dimensions, nameof(contextMargin), minimum: 0);
        var smallest = dimensions == 2 ? OverlapTilePredictor.DefaultOutputTile : DefaultOutputTile3D;
        var axes = new AxisTile[dimensions];
        for (var axis = 0; axis < dimensions; axis++)
        {
            axes[axis] = TilePlanner.InPhase(
                geometry.SizeRules[axis],
                outputTile?[axis] ?? Math.Max(smallest, geometry.OutputSize[axis]),
                contextMargin?[axis] ?? 0);
        }

        return new TilePlan(axes);
    }

    /// <summary>
    /// Plans the tiles that segment an image or volume of <paramref name="shape"/> with the least work: per axis, the
    /// in-phase tile side and count whose input, over all tiles, is smallest, among tiles that fit
    /// <paramref name="budget"/>. A larger tile spends less of its work on margins and overlaps, a tile that fits the
    /// axis more closely wastes less past its end; the plan weighs both (see <see cref="TileLayout.InputPerOutput"/>).
    /// </summary>
    /// <param name="geometry">The network's geometry.</param>
    /// <param name="shape">The image's spatial shape: (H, W) or (D, H, W).</param>
    /// <param name="budget">What one input tile must fit in. Null: <see cref="DefaultPixelsPerTile"/> input pixels
    /// (2D) or <see cref="DefaultVoxelsPerTile"/> input voxels (3D). When not even the smallest tile fits, the plan
    /// uses the smallest.</param>
    /// <param name="contextMargin">Context per side and axis for 'Same' networks; null for none.</param>
    /// <exception cref="ArgumentException">The shape or a list does not have one positive value per spatial axis.</exception>
    public static TilePlan Cheapest(UNetGeometry geometry, IReadOnlyList<int> shape, TileBudget? budget = null, IReadOnlyList<int>? contextMargin = null)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(shape);
        var dimensions = geometry.Dimensions;
        CheckPerAxis(shape, dimensions, nameof(shape), minimum: 1);
        CheckPerAxis(contextMargin, dimensions, nameof(contextMargin), minimum: 0);
        budget ??= TileBudget.InputElements(dimensions == 2 ? DefaultPixelsPerTile : DefaultVoxelsPerTile);
        return TilePlanner.Cheapest(geometry, shape, budget, contextMargin ?? new int[dimensions]);
    }

    /// <summary>
    /// Plans tiles for one volume of <paramref name="shape"/>: <see cref="Cheapest"/> within
    /// <paramref name="voxelsPerTile"/> input voxels per tile (a thin volume usually comes out one tile deep, not
    /// mirrored up to a cube). 'Same' axes, whose own margin is 0, get context of twice their coarsest voxel (the size
    /// rule's step), at most 16 voxels, mirrored like a 'Valid' margin, so that no kept output voxel sits right at a
    /// tile's zero-padded border.
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
            throw new ArgumentException($"A volume's tile plan needs a 3D network and three positive sizes; got a {geometry.Dimensions}D network and [{string.Join(", ", shape)}]. Use TilePlan.Cheapest for images.");
        }

        var context = geometry.SizeRules.Select(rule => rule.Shrink > 0 ? 0 : Math.Min(16, 2 * rule.Step)).ToArray();
        return Cheapest(geometry, shape, TileBudget.InputElements(voxelsPerTile), context);
    }

    /// <summary>"572x572 -> 388x388, stride 384x384 (margin 92x92)".</summary>
    public override string ToString() =>
        Axes is null
            ? "(no axes)"
            : Join(a => a.Input) + " -> " + Join(a => a.Output) + ", stride " + Join(a => a.Stride) + " (margin " + Join(a => a.Margin) + ")";

    private string Join(Func<AxisTile, int> side) => string.Join("x", Axes.Select(a => side(a).ToString(CultureInfo.InvariantCulture)));

    private static void CheckPerAxis(IReadOnlyList<int>? values, int dimensions, string name, int minimum)
    {
        if (values is null)
        {
            return;
        }

        if (values.Count != dimensions)
        {
            throw new ArgumentException($"{name} has {values.Count} values; a {dimensions}D network needs one per spatial axis ({dimensions}).", name);
        }

        if (values.Any(v => v < minimum))
        {
            throw new ArgumentException($"{name} [{string.Join(", ", values)}] has a value below {minimum}; give {minimum} or more per axis.", name);
        }
    }
}
