using System;
using System.Collections.Generic;
using System.Linq;

namespace UNetDsl.Inference;

/// <summary>
/// Chooses the tile per axis that covers an image with the least work within a <see cref="TileBudget"/>. A tile's
/// work is taken as its input volume, so a plan costs, per axis, tiles x input side, multiplied over the axes.
/// </summary>
/// <remarks>
/// Every candidate tile is in phase: its stride is the largest multiple of the axis's pooling period (the size rule's
/// step) that its output holds, so the stitched output is the same whichever candidate wins. Per axis only the
/// smallest tile for each tile count is a candidate, and of those only the ones whose tiles x side is no higher than
/// every smaller candidate's: any other costs more for a larger tile. Along what is left the axis's cost never rises
/// as the tile grows, so once the other axes are chosen the last axis takes its largest tile that fits.
/// </remarks>
internal static class TilePlanner
{
    /// <summary>The cheapest in-phase plan; the smallest tiles when none fits the budget.</summary>
    /// <param name="geometry">The network's geometry.</param>
    /// <param name="shape">The image's spatial shape, sides of at least 1.</param>
    /// <param name="budget">What a tile must fit in.</param>
    /// <param name="contextMargin">Context per side and axis for 'Same' axes (ignored where the network eats a margin).</param>
    public static TilePlan Cheapest(UNetGeometry geometry, IReadOnlyList<int> shape, TileBudget budget, IReadOnlyList<int> contextMargin)
    {
        var dimensions = geometry.Dimensions;
        var candidates = new Candidate[dimensions][];
        for (var axis = 0; axis < dimensions; axis++)
        {
            candidates[axis] = Front(geometry.SizeRules[axis], shape[axis], contextMargin[axis]);
        }

        var smallest = candidates.Select(axis => axis[0].Tile.Input).ToArray();
        var search = new Search(candidates, budget, smallest);
        search.From(0, new int[dimensions], 1);
        var chosen = search.Best ?? new int[dimensions];
        return new TilePlan(chosen.Select((index, axis) => candidates[axis][index].Tile).ToArray());
    }

    /// <summary>The in-phase tile for a wanted output side: the smallest valid one whose output is at least
    /// <paramref name="wantedOutput"/> and one pooling period, with the largest stride in phase.</summary>
    /// <param name="rule">The axis's valid-size rule.</param>
    /// <param name="wantedOutput">The output side wanted.</param>
    /// <param name="contextMargin">Context per side for 'Same' axes.</param>
    public static AxisTile InPhase(ValidSizeRule rule, int wantedOutput, int contextMargin)
    {
        var (input, output, margin) = OverlapTilePredictor.Tile(rule, Math.Max(wantedOutput, rule.Step), contextMargin);
        return new AxisTile(input, output, margin, output / rule.Step * rule.Step);
    }

    // The candidates of one axis by growing tile, each cheaper on this axis than every smaller one; the first is the
    // smallest in-phase tile. Stops at the first tile that covers the axis alone: a larger one only costs more.
    private static Candidate[] Front(ValidSizeRule rule, int length, int contextMargin)
    {
        var front = new List<Candidate>();
        var tile = InPhase(rule, 1, contextMargin);
        while (true)
        {
            var count = tile.TilesAlong(length);
            var work = (long)count * tile.Input;
            if (front.Count == 0 || (count < front[^1].Count && work <= front[^1].Work))
            {
                front.Add(new Candidate(tile, count, work));
            }

            if (count == 1 || tile.Input > rule.MaxInput - rule.Step)
            {
                return front.ToArray();
            }

            tile = InPhase(rule, tile.Output + 1, contextMargin);
        }
    }

    private readonly record struct Candidate(AxisTile Tile, int Count, long Work);

    // A depth-first walk over the axes' candidates, pruned by the budget (a tile that does not fit with the other axes
    // at their smallest ends the axis's loop); the last axis binary-searches its largest fitting candidate.
    private sealed class Search(Candidate[][] candidates, TileBudget budget, int[] smallest)
    {
        private double _bestWork = double.PositiveInfinity;
        private long _bestCount = long.MaxValue;
        private int _bestLargestSide = int.MaxValue;

        public int[]? Best { get; private set; }

        public void From(int axis, int[] chosen, double work)
        {
            var tile = (int[])smallest.Clone();
            for (var before = 0; before < axis; before++)
            {
                tile[before] = candidates[before][chosen[before]].Tile.Input;
            }

            if (axis == candidates.Length - 1)
            {
                var largest = LargestFitting(axis, tile);
                if (largest >= 0)
                {
                    chosen[axis] = largest;
                    Consider(chosen, work * candidates[axis][largest].Work);
                }

                return;
            }

            for (var index = 0; index < candidates[axis].Length; index++)
            {
                tile[axis] = candidates[axis][index].Tile.Input;
                if (!budget.Fits(tile))
                {
                    return;
                }

                chosen[axis] = index;
                From(axis + 1, chosen, work * candidates[axis][index].Work);
            }
        }

        // Less work wins; at equal work, fewer tiles (fewer passes through the network), then the more compact tile:
        // with no margin to pay for (a 'Same' network given no context) many tilings cost the same, and a compact
        // tile puts fewer of its outputs next to its zero-padded borders than a thin slab does.
        private void Consider(int[] chosen, double work)
        {
            var count = chosen.Select((index, axis) => (long)candidates[axis][index].Count).Aggregate(1L, (product, n) => product * n);
            var largestSide = chosen.Select((index, axis) => candidates[axis][index].Tile.Input).Max();
            if (work < _bestWork
                || (work == _bestWork && count < _bestCount)
                || (work == _bestWork && count == _bestCount && largestSide < _bestLargestSide))
            {
                (_bestWork, _bestCount, _bestLargestSide, Best) = (work, count, largestSide, (int[])chosen.Clone());
            }
        }

        // The last candidate of the axis that fits with the others as given, or -1 when not even the first does.
        private int LargestFitting(int axis, int[] tile)
        {
            var (low, high) = (0, candidates[axis].Length - 1);
            var found = -1;
            while (low <= high)
            {
                var middle = (low + high) / 2;
                tile[axis] = candidates[axis][middle].Tile.Input;
                if (budget.Fits(tile))
                {
                    (found, low) = (middle, middle + 1);
                }
                else
                {
                    high = middle - 1;
                }
            }

            return found;
        }
    }
}
