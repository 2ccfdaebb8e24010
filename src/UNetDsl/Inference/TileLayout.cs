using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace UNetDsl.Inference;

/// <summary>Where one tile sits along one axis, in the image's coordinates.</summary>
/// <param name="Origin">Where the tile's output starts; its input starts there too in the image mirror-extended by the
/// axis's margin.</param>
/// <param name="KeepFrom">The first position of the image taken from this tile.</param>
/// <param name="KeepTo">One past the last position taken from this tile.</param>
public readonly record struct TilePlacement(int Origin, int KeepFrom, int KeepTo);

/// <summary>
/// Where the tiles of a <see cref="TilePlan"/> fall on an image or volume of one shape, checked against the network:
/// per axis, each tile's origin and the part of its output that is kept, and what the whole costs.
/// </summary>
/// <remarks>
/// Tiles start a stride apart. The last one is moved back so that it ends as close after the axis's end as the
/// pooling period allows, when the stride is a multiple of that period (for a stride that is not, it stays on the
/// stride's grid, as plans of edge-to-edge tiles always did). Where neighbours overlap, each keeps the half of the
/// overlap nearer its own centre, so that a kept output is as far from a tile border as the plan allows.
/// </remarks>
public sealed class TileLayout
{
    private TileLayout(TilePlan plan, int[] shape, TilePlacement[][] axes)
    {
        Plan = plan;
        Shape = shape;
        Axes = axes;
        TileCount = axes.Aggregate(1, (product, placements) => checked(product * placements.Length));
        Covered = axes.Select((placements, axis) => placements[^1].Origin + plan.Axes[axis].Output).ToArray();
        Padding = axes.Select((_, axis) => (plan.Axes[axis].Margin, plan.Axes[axis].Margin + Covered[axis] - shape[axis])).ToArray();
    }

    /// <summary>The plan laid out.</summary>
    public TilePlan Plan { get; }

    /// <summary>The image's spatial shape: (H, W) or (D, H, W).</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>Per spatial axis, the tiles along it in order.</summary>
    public IReadOnlyList<IReadOnlyList<TilePlacement>> Axes { get; }

    /// <summary>Tiles in all: the product of the tiles per axis.</summary>
    public int TileCount { get; }

    /// <summary>Per axis, how far the output the tiles compute reaches: the last tile's origin plus its output side
    /// (at least the axis's length).</summary>
    public IReadOnlyList<int> Covered { get; }

    /// <summary>Per axis, the mirrored elements before and after the image that the tiles read.</summary>
    public IReadOnlyList<(int Before, int After)> Padding { get; }

    /// <summary>The input elements of every tile together: the work the network does, up to a factor per element.</summary>
    public long InputElements => TileCount * Plan.Axes.Aggregate(1L, (product, axis) => product * axis.Input);

    /// <summary>Input elements run per output element of the image: 1 would be no margin, no overlap and no overhang.</summary>
    public double InputPerOutput => (double)InputElements / Shape.Aggregate(1L, (product, side) => product * side);

    /// <summary>The share of computed output elements that are thrown away, in overlaps and past the image's end:
    /// 1 - image elements / (tiles x output tile elements).</summary>
    public double WastedFraction =>
        1 - (Shape.Aggregate(1.0, (product, side) => product * side) / (TileCount * Plan.Axes.Aggregate(1.0, (product, axis) => product * axis.Output)));

    /// <summary>Lays <paramref name="plan"/> out on an image or volume of <paramref name="shape"/> for the network of
    /// <paramref name="geometry"/>.</summary>
    /// <param name="geometry">The network's geometry: its valid sizes, margins and pooling periods per axis.</param>
    /// <param name="plan">The tiles per axis.</param>
    /// <param name="shape">The spatial shape: (H, W) for a 2D network, (D, H, W) for a 3D one.</param>
    /// <exception cref="ArgumentException">The shape or the plan does not fit the network; the message names the axis,
    /// the problem and the fix.</exception>
    public static TileLayout Of(UNetGeometry geometry, TilePlan plan, IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(shape);
        Check(geometry, plan, shape);
        var axes = new TilePlacement[geometry.Dimensions][];
        for (var axis = 0; axis < axes.Length; axis++)
        {
            axes[axis] = Place(plan.Axes[axis], shape[axis], geometry.SizeRules[axis].Step);
        }

        return new TileLayout(plan, shape.ToArray(), axes);
    }

    /// <summary>Every tile's placement, one per axis, the last axis fastest (row by row in 2D).</summary>
    public IEnumerable<TilePlacement[]> Tiles()
    {
        var index = new int[Axes.Count];
        for (var tile = 0; tile < TileCount; tile++)
        {
            yield return index.Select((i, axis) => Axes[axis][i]).ToArray();
            for (var axis = index.Length - 1; axis >= 0 && ++index[axis] == Axes[axis].Count; axis--)
            {
                index[axis] = 0;
            }
        }
    }

    // The origins along one axis, the last moved back in phase, and the overlaps split at their middles.
    private static TilePlacement[] Place(AxisTile tile, int length, int period)
    {
        var count = tile.TilesAlong(length);
        var origins = new int[count];
        for (var i = 0; i < count; i++)
        {
            origins[i] = i * tile.Stride;
        }

        if (count > 1 && tile.Stride % period == 0)
        {
            var inPhase = (length - tile.Output + period - 1) / period * period;
            origins[^1] = Math.Min(origins[^1], inPhase);
        }

        var placements = new TilePlacement[count];
        var keepFrom = 0;
        for (var i = 0; i < count; i++)
        {
            var keepTo = i == count - 1 ? length : (origins[i + 1] + origins[i] + tile.Output) / 2;
            placements[i] = new TilePlacement(origins[i], keepFrom, keepTo);
            keepFrom = keepTo;
        }

        return placements;
    }

    private static void Check(UNetGeometry geometry, TilePlan plan, IReadOnlyList<int> shape)
    {
        var dimensions = geometry.Dimensions;
        var axisNames = AxisNames(dimensions);
        if (shape.Count != dimensions || shape.Any(side => side < 1))
        {
            throw new ArgumentException($"{geometry.Name} tiles {dimensions}D images of positive sides ({string.Join(", ", axisNames)}); got a shape of [{string.Join(", ", shape)}]. Give one size of at least 1 per spatial axis.", nameof(shape));
        }

        if (plan.Axes is null || plan.Axes.Count != dimensions)
        {
            throw new ArgumentException($"{geometry.Name} needs a tile plan with one axis per spatial axis ({dimensions}); got {plan.Axes?.Count ?? 0}. Build one with TilePlan.For or TilePlan.Cheapest for this network.", nameof(plan));
        }

        for (var axis = 0; axis < dimensions; axis++)
        {
            var tile = plan.Axes[axis];
            var rule = geometry.SizeRules[axis];
            var problem =
                tile.Output < 1 || tile.Margin < 0 ? $"output {tile.Output} and margin {tile.Margin}; an output tile is at least 1 and a margin at least 0"
                : tile.Input != tile.Output + (2 * tile.Margin) ? $"input {tile.Input}, output {tile.Output} and margin {tile.Margin}; the input must be the output plus the margin on both sides ({tile.Output + (2 * tile.Margin)})"
                : !rule.IsValid(tile.Input) ? $"input {tile.Input}, not a valid size ({rule}); nearest: {rule.DescribeNearest(tile.Input)}"
                : 2 * tile.Margin < rule.Shrink ? $"margin {tile.Margin}, less than the {rule.Shrink / 2} the network eats per side"
                : tile.Stride < 1 || tile.Stride > tile.Output ? $"stride {tile.Stride}; a stride is 1 to the output tile ({tile.Output}), or tiles would leave gaps"
                : null;
            if (problem is not null)
            {
                throw new ArgumentException($"Axis {axisNames[axis]} of the tile plan {plan} for {geometry.Name} has {problem}. Build the plan with TilePlan.For or TilePlan.Cheapest for this network.", nameof(plan));
            }
        }
    }

    private static string[] AxisNames(int dimensions) =>
        dimensions switch
        {
            2 => ["H", "W"],
            3 => ["D", "H", "W"],
            _ => Enumerable.Range(0, dimensions).Select(axis => axis.ToString(CultureInfo.InvariantCulture)).ToArray(),
        };
}
