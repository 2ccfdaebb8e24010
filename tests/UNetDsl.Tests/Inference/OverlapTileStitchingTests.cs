using System;
using System.Collections.Generic;
using System.Linq;
using UNetDsl.Inference;
using UNetDsl.Tests.Inference3D;
using UNetDsl.Training;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Inference;

/// <summary>
/// Stitched 2D outputs of random-weight networks: in-phase plans give the same bits whatever the tile size, the batch
/// size and the last batch's share, and the same bits as one pass over the whole image; edge-to-edge tiles of an
/// output that is not a multiple of the pooling period do not.
/// </summary>
public class OverlapTileStitchingTests
{
    [Fact]
    public void In_phase_plans_stitch_the_same_bits_whatever_the_tile_and_batch_size()
    {
        using var scope = NewDisposeScope();
        manual_seed(21);
        using var model = new FourPoolingNet();
        var geometry = model.Geometry;
        var image = rand(1, 90, 70);

        var plans = new[]
        {
            TilePlan.For(geometry, [20, 20]),
            TilePlan.For(geometry, [52, 36]),
            TilePlan.Cheapest(geometry, [90, 70], TileBudget.InputElements(60_000)),
        };

        // 30 tiles in 15 batches of 2; below, batches of at most 3, 4 and 7, none left with a lone tile.
        var reference = OverlapTilePredictor.Predict(model, image, plans[0], batchSize: 2);

        Assert.Equal(new long[] { 2, 90, 70 }, reference.shape);
        foreach (var plan in plans)
        {
            var tiles = TileLayout.Of(geometry, plan, [90, 70]).TileCount;
            Assert.True(tiles >= 3, $"{plan}: {tiles} tiles");
            foreach (var batchSize in new[] { 3, 4, 7 })
            {
                var tiled = OverlapTilePredictor.Predict(model, image, plan, batchSize);
                Assert.True(tiled.IsBitIdentical(reference), $"{plan}, batches of {batchSize}: max abs difference {(tiled - reference).abs().max().item<float>()}");
            }
        }
    }

    [Theory]
    [InlineData(100, 100)]
    [InlineData(116, 52)]
    public void An_image_of_a_valid_output_size_stitches_to_one_pass_over_it(int height, int width)
    {
        using var scope = NewDisposeScope();
        manual_seed(22);
        using var model = new FourPoolingNet();
        var geometry = model.Geometry;
        var image = rand(1, height, width);
        Assert.All(geometry.SizeRules, rule => Assert.True(rule.IsValid(height + rule.Shrink) && rule.IsValid(width + rule.Shrink)));

        var whole = OnePass.Scores(model, image);

        foreach (var plan in new[] { TilePlan.For(geometry, [20, 36]), TilePlan.For(geometry, [68, 20]) })
        {
            var tiled = OverlapTilePredictor.Predict(model, image, plan, batchSize: 3);
            Assert.True(tiled.IsBitIdentical(whole), $"{plan}: max abs difference {(tiled - whole).abs().max().item<float>()}");
        }
    }

    [Fact]
    public void Batches_of_one_tile_agree_to_the_last_bits()
    {
        using var scope = NewDisposeScope();
        manual_seed(23);
        using var model = new FourPoolingNet();
        var image = rand(1, 70, 45);
        var plan = TilePlan.For(model.Geometry, [20, 20]);

        // A lone small tile runs through ATen's own convolution, not oneDNN (see OverlapTilePredictor.Predict): the
        // same function, rounded differently.
        var single = OverlapTilePredictor.Predict(model, image, plan, batchSize: 1);
        var batched = OverlapTilePredictor.Predict(model, image, plan, batchSize: 4);

        var difference = (single - batched).abs().max().item<float>();
        Assert.True(difference < 1e-6, "max abs difference " + difference);
    }

    [Fact]
    public void Edge_to_edge_tiles_of_an_output_off_the_pooling_period_change_the_result()
    {
        using var scope = NewDisposeScope();
        manual_seed(24);
        using var model = new FourPoolingNet();

        // He initialisation keeps the deeper levels' share of the output, where the pooling phase shows.
        Initialization.He(model, 24);
        var image = rand(1, 60, 60);

        // Output 20 is 4 + 16: tiles laid 20 apart pool in a different phase each, as the paper's 388 tiles do.
        var edgeToEdge = new TilePlan([new AxisTile(204, 20, 92), new AxisTile(204, 20, 92)]);
        var inPhase = TilePlan.For(model.Geometry, [20, 20]);

        var drifting = OverlapTilePredictor.Predict(model, image, edgeToEdge, batchSize: 3);
        var stitched = OverlapTilePredictor.Predict(model, image, inPhase, batchSize: 3);
        var whole = OnePass.Scores(model, image);

        Assert.True(stitched.IsBitIdentical(OverlapTilePredictor.Predict(model, image, TilePlan.For(model.Geometry, [36, 52]), batchSize: 3)));
        Assert.True((stitched - whole).abs().max().item<float>() < 1e-6);
        Assert.True((drifting - whole).abs().max().item<float>() > 1e-3, $"tiles out of phase should pool differently: {(drifting - whole).abs().max().item<float>()}, scores {whole.std().item<float>()} {whole.abs().max().item<float>()}");

        // The first tile of each row and column starts at 0, in phase: there both agree.
        Assert.True(drifting.narrow(1, 0, 20).narrow(2, 0, 20).IsBitIdentical(stitched.narrow(1, 0, 20).narrow(2, 0, 20)));
    }

    [Fact]
    public void Same_tiles_with_enough_context_stitch_the_same_bits_whatever_the_tile()
    {
        using var scope = NewDisposeScope();
        manual_seed(25);
        using var model = new SameTwoPoolingNet();
        var geometry = model.Geometry;
        var image = rand(1, 75, 61);

        // Context of half the receptive field: no kept output sees a tile's zero padding.
        var context = SameTwoPoolingNet.ReceptiveField.Select(field => (field + 1) / 2).ToArray();
        var plans = new[]
        {
            TilePlan.For(geometry, [8, 8], context),
            TilePlan.For(geometry, [20, 12], context),
            TilePlan.Cheapest(geometry, [75, 61], TileBudget.InputElements(90 * 90), context),
        };
        var whole = OnePass.Scores(model, image, context);

        foreach (var plan in plans)
        {
            Assert.All(plan.Axes, axis => Assert.Equal(0, axis.Stride % 4));
            Assert.True(TileLayout.Of(geometry, plan, [75, 61]).TileCount >= 2, plan.ToString());
            var tiled = OverlapTilePredictor.Predict(model, image, plan, batchSize: 3);
            Assert.True(tiled.IsBitIdentical(whole), $"{plan}: max abs difference {(tiled - whole).abs().max().item<float>()}");
        }
    }

    [Fact]
    public void The_default_plan_is_the_cheapest_and_an_uneven_count_runs_in_even_batches()
    {
        using var scope = NewDisposeScope();
        manual_seed(26);
        using var model = new FourPoolingNet();
        var image = rand(1, 1500, 40);
        var calls = new List<(int Done, int All)>();

        var scores = OverlapTilePredictor.Predict(model, image, batchSize: 4, progress: (done, all) => calls.Add((done, all)));

        // The default budget holds a million input pixels: one tile of 1692 x 236 (1508 x 52 out) covers the image.
        var plan = TilePlan.Cheapest(model.Geometry, [1500, 40]);
        Assert.Equal([new AxisTile(1692, 1508, 92, 1504), new AxisTile(236, 52, 92, 48)], plan.Axes);
        Assert.Equal([(1, 1)], calls);
        Assert.True(scores.IsBitIdentical(OverlapTilePredictor.Predict(model, image, plan)));

        // 9 tiles of at most 4 a batch run as 3, 3, 3: no tile alone in a batch.
        calls.Clear();
        OverlapTilePredictor.Predict(model, rand(1, 50, 50), TilePlan.For(model.Geometry, [20, 20]), batchSize: 4, progress: (done, all) => calls.Add((done, all)));
        Assert.Equal([(3, 9), (6, 9), (9, 9)], calls);
    }
}
