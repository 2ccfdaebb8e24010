using System;
using System.Collections.Generic;
using System.Linq;
using UNetDsl.Inference;
using UNetDsl.Tests.Core;
using UNetDsl.Tests.Inference3D;
using Xunit;

namespace UNetDsl.Tests.Inference;

/// <summary>
/// The tiles planned for an image: in phase with the pooling, covering every axis, the least input work among the
/// plans that fit the budget, and laid out with the overlaps split and nothing kept twice.
/// </summary>
public class TilePlanTests
{
    [Fact]
    public void The_paper_network_covers_2048_squared_with_eight_in_phase_tiles_that_waste_about_1_percent()
    {
        var plan = TilePlan.Cheapest(PaperNet.StaticGeometry, [2048, 2048]);
        var layout = TileLayout.Of(PaperNet.StaticGeometry, plan, [2048, 2048]);

        // 4 tiles of 700 down (516 out, stride 512) and 2 of 1212 across (1028 out, stride 1024): 848,400 input
        // pixels a tile, within the default million. Tall-and-narrow would cost the same; the first found is kept.
        Assert.Equal([new AxisTile(700, 516, 92, 512), new AxisTile(1212, 1028, 92, 1024)], plan.Axes);
        Assert.Equal(8, layout.TileCount);
        Assert.Equal(1 - (2048.0 * 2048 / (8.0 * 516 * 1028)), layout.WastedFraction, 12);
        Assert.True(layout.WastedFraction < 0.012, layout.WastedFraction.ToString());
        Assert.Equal(4L * 700 * 2 * 1212, layout.InputElements);

        // The paper's tiles laid edge to edge from 0: 6 x 6 tiles of 388 cover 2328, and 23% of their output is cut off.
        var edgeToEdge = new TilePlan([new AxisTile(572, 388, 92), new AxisTile(572, 388, 92)]);
        var old = TileLayout.Of(PaperNet.StaticGeometry, edgeToEdge, [2048, 2048]);
        Assert.Equal(36, old.TileCount);
        Assert.Equal([2328, 2328], old.Covered);
        Assert.Equal(1 - (2048.0 * 2048 / (36.0 * 388 * 388)), old.WastedFraction, 12);
        Assert.True(layout.InputPerOutput < old.InputPerOutput * 0.75, $"{layout.InputPerOutput} against {old.InputPerOutput}");

        // Less input per output pixel than one 572 tile spends on its own 388x388.
        Assert.True(layout.InputPerOutput < 572.0 * 572 / (388 * 388), layout.InputPerOutput.ToString());
    }

    [Fact]
    public void A_1000_squared_image_takes_two_tiles_one_of_them_the_whole_width()
    {
        var plan = TilePlan.Cheapest(PaperNet.StaticGeometry, [1000, 1000]);
        var layout = TileLayout.Of(PaperNet.StaticGeometry, plan, [1000, 1000]);

        Assert.Equal([new AxisTile(700, 516, 92, 512), new AxisTile(1196, 1012, 92, 1008)], plan.Axes);
        Assert.Equal(2, layout.TileCount);

        // The second tile down is moved back from 512 to 496, the first multiple of 16 from which it reaches 1000;
        // each keeps its half of the overlap 496..516.
        Assert.Equal([new TilePlacement(0, 0, 506), new TilePlacement(496, 506, 1000)], layout.Axes[0]);
        Assert.Equal([new TilePlacement(0, 0, 1000)], layout.Axes[1]);
        Assert.Equal([1012, 1012], layout.Covered);
        Assert.Equal([(92, 104), (92, 104)], layout.Padding);
    }

    [Theory]
    [InlineData("paper", new[] { 2048, 2048 }, 1_000_000L)]
    [InlineData("paper", new[] { 1000, 1000 }, 1_000_000L)]
    [InlineData("paper", new[] { 700, 3000 }, 400_000L)]
    [InlineData("paper", new[] { 5, 389 }, 1_000_000L)]
    [InlineData("four-pooling", new[] { 130, 101 }, 60_000L)]
    [InlineData("valid-thick-slice", new[] { 13, 80, 61 }, 20_000L)]
    [InlineData("valid-thick-slice", new[] { 40, 40, 40 }, 9_000L)]
    [InlineData("same-thick-slice", new[] { 7, 100, 90 }, 30_000L)]
    public void A_plan_has_the_least_input_work_of_every_in_phase_plan_within_the_budget(string network, int[] shape, long budget)
    {
        var geometry = Geometry(network);
        var context = ContextFor(geometry);

        var plan = TilePlan.Cheapest(geometry, shape, TileBudget.InputElements(budget), context);
        var layout = TileLayout.Of(geometry, plan, shape);

        // Every valid input tile of every axis, up to the first that covers the axis alone, in every combination that fits.
        var least = long.MaxValue;
        foreach (var tiles in Combinations(Enumerable.Range(0, shape.Length).Select(axis => AllTiles(geometry.SizeRules[axis], shape[axis], context[axis])).ToArray()))
        {
            if (tiles.Aggregate(1L, (product, tile) => product * tile.Input) <= budget)
            {
                least = Math.Min(least, tiles.Select((tile, axis) => (long)tile.TilesAlong(shape[axis]) * tile.Input).Aggregate(1L, (product, work) => product * work));
            }
        }

        Assert.Equal(least, layout.InputElements);
        Assert.True(plan.Axes.Aggregate(1L, (product, axis) => product * axis.Input) <= budget, plan.ToString());
        for (var axis = 0; axis < shape.Length; axis++)
        {
            var rule = geometry.SizeRules[axis];
            Assert.True(rule.IsValid(plan.Axes[axis].Input), plan.ToString());
            Assert.Equal(0, plan.Axes[axis].Stride % rule.Step);
            Assert.InRange(plan.Axes[axis].Output - plan.Axes[axis].Stride, 0, rule.Step - 1);
        }
    }

    [Theory]
    [InlineData("paper", new[] { 2048, 1000 })]
    [InlineData("paper", new[] { 1, 17 })]
    [InlineData("four-pooling", new[] { 130, 101 })]
    [InlineData("valid-thick-slice", new[] { 13, 80, 61 })]
    [InlineData("same-thick-slice", new[] { 7, 100, 90 })]
    public void Kept_parts_cover_every_axis_once_and_every_tile_starts_in_phase(string network, int[] shape)
    {
        var geometry = Geometry(network);
        foreach (var plan in new[] { TilePlan.For(geometry, contextMargin: ContextFor(geometry)), TilePlan.Cheapest(geometry, shape, TileBudget.InputElements(20_000), ContextFor(geometry)) })
        {
            var layout = TileLayout.Of(geometry, plan, shape);
            for (var axis = 0; axis < shape.Length; axis++)
            {
                var tile = plan.Axes[axis];
                var placements = layout.Axes[axis];
                Assert.Equal(tile.TilesAlong(shape[axis]), placements.Count);
                Assert.Equal(0, placements[0].KeepFrom);
                Assert.Equal(shape[axis], placements[^1].KeepTo);
                Assert.All(placements.Zip(placements.Skip(1)), pair => Assert.Equal(pair.First.KeepTo, pair.Second.KeepFrom));
                Assert.All(placements, p => Assert.True(p.KeepFrom < p.KeepTo && p.Origin <= p.KeepFrom && p.KeepTo <= p.Origin + tile.Output, $"{plan}: {p}"));
                Assert.All(placements, p => Assert.Equal(0, p.Origin % geometry.SizeRules[axis].Step));

                // Tiles step by the stride; only the last may step less, and it ends within one period past the axis.
                Assert.All(placements.Zip(placements.Skip(1)).SkipLast(1), pair => Assert.Equal(tile.Stride, pair.Second.Origin - pair.First.Origin));
                Assert.InRange(layout.Covered[axis] - shape[axis], 0, placements.Count > 1 ? geometry.SizeRules[axis].Step - 1 : tile.Output - 1);
                Assert.Equal((tile.Margin, tile.Margin + layout.Covered[axis] - shape[axis]), layout.Padding[axis]);
            }
        }
    }

    [Fact]
    public void A_wanted_output_tile_is_rounded_up_to_a_valid_size_of_at_least_one_period()
    {
        var paper = PaperNet.StaticGeometry;

        Assert.Equal(new AxisTile(572, 388, 92, 384), TilePlan.For(paper).Axes[0]);
        Assert.Equal(new AxisTile(204, 20, 92, 16), TilePlan.For(paper, [1, 1]).Axes[1]);
        Assert.Equal(new AxisTile(588, 404, 92, 400), TilePlan.For(paper, [389, 389]).Axes[0]);
        Assert.Equal("572x588 -> 388x404, stride 384x400 (margin 92x92)", TilePlan.For(paper, [388, 400]).ToString());

        // 'Same' with context: input = output + 2 x context, a valid size; the stride a multiple of 4.
        var same = SameTwoPoolingNet.StaticGeometry;
        Assert.Equal(new AxisTile(44, 26, 9, 24), TilePlan.For(same, [25, 25], [9, 9]).Axes[0]);
    }

    [Fact]
    public void A_custom_budget_bounds_the_tiles_and_the_smallest_tiles_are_kept_when_nothing_fits()
    {
        var paper = PaperNet.StaticGeometry;

        var square = TilePlan.Cheapest(paper, [3000, 3000], TileBudget.Custom(tile => tile.Max() <= 620, "sides of at most 620"));
        var none = TilePlan.Cheapest(paper, [3000, 3000], TileBudget.InputElements(1));

        Assert.All(square.Axes, axis => Assert.True(axis.Input <= 620, square.ToString()));
        Assert.Equal([new AxisTile(204, 20, 92, 16), new AxisTile(204, 20, 92, 16)], none.Axes);
        Assert.Equal("sides of at most 620", TileBudget.Custom(_ => true, "sides of at most 620").ToString());
        Assert.Equal("at most 1,000,000 input elements per tile", TileBudget.InputElements(TilePlan.DefaultPixelsPerTile).ToString());
    }

    [Fact]
    public void An_axis_counts_its_tiles_from_output_and_stride()
    {
        var tile = new AxisTile(572, 388, 92, 384);

        Assert.Equal([1, 1, 2, 2, 3, 6], new[] { 1, 388, 389, 772, 773, 2308 }.Select(tile.TilesAlong).ToArray());
        Assert.Equal(388, new AxisTile(572, 388, 92).Stride);
        Assert.Throws<ArgumentOutOfRangeException>(() => tile.TilesAlong(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AxisTile(572, 388, 92, 0).TilesAlong(10));
    }

    [Theory]
    [InlineData(572, 388, 92, 0, "stride 0; a stride is 1 to the output tile (388)")]
    [InlineData(572, 388, 92, 389, "stride 389; a stride is 1 to the output tile (388), or tiles would leave gaps")]
    [InlineData(570, 386, 92, 384, "input 570, not a valid size (188 + 16k); nearest: 556 or 572")]
    [InlineData(572, 380, 92, 368, "the input must be the output plus the margin on both sides (564)")]
    [InlineData(572, 392, 90, 384, "margin 90, less than the 92 the network eats per side")]
    [InlineData(572, 0, 286, 1, "output 0 and margin 286; an output tile is at least 1")]
    public void A_plan_that_does_not_fit_the_network_names_the_axis_the_problem_and_the_fix(int input, int output, int margin, int stride, string problem)
    {
        var plan = new TilePlan([new AxisTile(572, 388, 92, 384), new AxisTile(input, output, margin, stride)]);

        var error = Assert.Throws<ArgumentException>(() => TileLayout.Of(PaperNet.StaticGeometry, plan, [600, 600]));

        Assert.Contains("Axis W of the tile plan", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains("Build the plan with TilePlan.For or TilePlan.Cheapest", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_axis_counts_and_sizes_are_refused_with_what_is_needed()
    {
        var paper = PaperNet.StaticGeometry;
        var plan = TilePlan.For(paper);

        var axes = Assert.Throws<ArgumentException>(() => TileLayout.Of(paper, new TilePlan([new AxisTile(572, 388, 92)]), [600, 600]));
        var empty = Assert.Throws<ArgumentException>(() => TileLayout.Of(paper, default, [600, 600]));
        var shape = Assert.Throws<ArgumentException>(() => TileLayout.Of(paper, plan, [600, 0]));
        var rank = Assert.Throws<ArgumentException>(() => TilePlan.Cheapest(paper, [600, 600, 600]));
        var zero = Assert.Throws<ArgumentException>(() => TilePlan.Cheapest(paper, [600, -3]));
        var output = Assert.Throws<ArgumentException>(() => TilePlan.For(paper, [388, 0]));
        var context = Assert.Throws<ArgumentException>(() => TilePlan.For(paper, contextMargin: [0, -1]));
        var budget = Assert.Throws<ArgumentOutOfRangeException>(() => TileBudget.InputElements(0));

        Assert.Contains("one axis per spatial axis (2); got 1. Build one with TilePlan.For or TilePlan.Cheapest", axes.Message, StringComparison.Ordinal);
        Assert.Contains("got 0", empty.Message, StringComparison.Ordinal);
        Assert.Contains("got a shape of [600, 0]. Give one size of at least 1 per spatial axis", shape.Message, StringComparison.Ordinal);
        Assert.Contains("shape has 3 values; a 2D network needs one per spatial axis (2)", rank.Message, StringComparison.Ordinal);
        Assert.Contains("shape [600, -3] has a value below 1; give 1 or more per axis", zero.Message, StringComparison.Ordinal);
        Assert.Contains("outputTile [388, 0] has a value below 1", output.Message, StringComparison.Ordinal);
        Assert.Contains("contextMargin [0, -1] has a value below 0", context.Message, StringComparison.Ordinal);
        Assert.Contains("admits no tile; give at least 1", budget.Message, StringComparison.Ordinal);
    }

    private static UNetGeometry Geometry(string network) =>
        network switch
        {
            "paper" => PaperNet.StaticGeometry,
            "four-pooling" => FourPoolingNet.StaticGeometry,
            "valid-thick-slice" => ValidThickSliceNet.StaticGeometry,
            "same-thick-slice" => SameThickSliceNet.StaticGeometry,
            _ => throw new ArgumentOutOfRangeException(nameof(network), network, "Unknown test network."),
        };

    // Context for 'Same' axes as volume plans give it; none where the network eats a margin.
    private static int[] ContextFor(UNetGeometry geometry) =>
        geometry.SizeRules.Select(rule => rule.Shrink > 0 ? 0 : Math.Min(16, 2 * rule.Step)).ToArray();

    // Every in-phase tile of an axis by growing input, up to the first that covers the axis alone.
    private static List<AxisTile> AllTiles(ValidSizeRule rule, int length, int context)
    {
        var tiles = new List<AxisTile>();
        for (var input = rule.MinInput; ; input += rule.Step)
        {
            var margin = rule.Shrink > 0 ? rule.Shrink / 2 : context;
            var output = input - (2 * margin);
            if (output < rule.Step)
            {
                continue;
            }

            tiles.Add(new AxisTile(input, output, margin, output / rule.Step * rule.Step));
            if (output >= length)
            {
                return tiles;
            }
        }
    }

    private static IEnumerable<AxisTile[]> Combinations(List<AxisTile>[] axes) =>
        axes.Aggregate(
            (IEnumerable<AxisTile[]>)[[]],
            (combinations, tiles) => combinations.SelectMany(prefix => tiles.Select(tile => prefix.Append(tile).ToArray())));
}
