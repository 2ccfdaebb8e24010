using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using UNetDsl.Inference;
using UNetDsl.Tests.Inference;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Inference3D;

/// <summary>
/// Overlap-tile prediction of volumes [C, D, H, W] with generated 3D networks: tiles must stitch to what one pass over
/// the whole (mirror-extended) volume gives, bit for bit, on every axis with its own margin and pooling period.
/// </summary>
public class OverlapTileVolumeTests
{
    private const float Tolerance = 1e-5f;

    [Fact]
    public void A_volume_in_one_tile_is_the_network_on_the_mirrored_volume()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        foreach (nn.Module<Tensor, Tensor> model in new nn.Module<Tensor, Tensor>[] { new ValidVolumeNet(), new ValidThickSliceNet() })
        {
            using var _ = model;
            var geometry = ((IUNetModule)model).Geometry;
            var volume = rand(geometry.InputChannels, 5, 7, 6);
            var plan = TilePlan.For(geometry, outputTile: new[] { 5, 7, 6 });

            var predicted = OverlapTilePredictor.Predict(model, volume, plan);

            // The same pass by hand: mirror by the margins (and what completes the tile), run, cut to the volume.
            var padding = plan.Axes.Select((a, i) => (a.Margin, a.Margin + a.Output - (int)volume.shape[i + 1])).ToArray();
            model.eval();
            using var noGrad = no_grad();
            var direct = model.call(OverlapTilePredictor.MirrorPad(volume, padding).unsqueeze(0)).squeeze(0)
                .narrow(1, 0, 5).narrow(2, 0, 7).narrow(3, 0, 6);
            Assert.Equal(new long[] { geometry.OutputChannels, 5, 7, 6 }, predicted.shape);
            AssertClose(direct, predicted, geometry.Name);
        }
    }

    [Theory]
    [InlineData("valid", 23, 30, 27)]
    [InlineData("valid", 9, 4, 17)]
    [InlineData("valid-thick-slice", 13, 30, 19)]
    [InlineData("valid-thick-slice", 2, 11, 25)]
    public void Valid_tiles_stitch_to_one_pass_on_every_axis_bit_for_bit(string network, int depth, int height, int width)
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        using var model = Network(network);
        var geometry = ((IUNetModule)model).Geometry;
        var volume = rand(geometry.InputChannels, depth, height, width);
        int[] shape = [depth, height, width];

        // Small tiles on every axis, and the cheapest within a budget too small for one tile: each axis starts its
        // tiles at multiples of its own pooling period, so both pool in the phase of one pass.
        var small = TilePlan.For(geometry, outputTile: [6, 6, 6]);
        var cheapest = TilePlan.Cheapest(geometry, shape, TileBudget.InputElements(6_000));
        var whole = OnePass.Scores(model, volume);

        foreach (var (plan, batchSize) in new[] { (small, 3), (cheapest, 2), (cheapest, 4) })
        {
            Assert.True(TileLayout.Of(geometry, plan, shape).TileCount >= 2, plan.ToString());
            var tiled = OverlapTilePredictor.Predict(model, volume, plan, batchSize);
            Assert.Equal(new long[] { geometry.OutputChannels, depth, height, width }, tiled.shape);
            Assert.True(tiled.IsBitIdentical(whole), $"{geometry.Name} {plan}, batches of {batchSize}: max abs difference {(tiled - whole).abs().max().item<float>()}");
        }
    }

    [Theory]
    [InlineData("same", 19, 14, 23)]
    [InlineData("same-thick-slice", 7, 26, 21)]
    public void Same_tiles_with_context_stitch_to_one_pass_bit_for_bit(string network, int depth, int height, int width)
    {
        using var scope = NewDisposeScope();
        manual_seed(13);
        using var model = Network(network);
        var geometry = ((IUNetModule)model).Geometry;
        var volume = rand(geometry.InputChannels, depth, height, width);
        int[] shape = [depth, height, width];

        // Context of half the receptive field per axis (1 along an unconvolved D): no kept voxel sees a tile's zero padding.
        var field = network == "same" ? SameVolumeNet.ReceptiveField : SameThickSliceNet.ReceptiveField;
        var context = field.Select(side => (side + 1) / 2).ToArray();
        var small = TilePlan.For(geometry, [4, 8, 8], context);
        var cheapest = TilePlan.Cheapest(geometry, shape, TileBudget.InputElements(20_000), context);
        var whole = OnePass.Scores(model, volume, context);

        foreach (var (plan, batchSize) in new[] { (small, 2), (cheapest, 3) })
        {
            Assert.True(TileLayout.Of(geometry, plan, shape).TileCount >= 2, plan.ToString());
            var tiled = OverlapTilePredictor.Predict(model, volume, plan, batchSize);
            Assert.Equal(new long[] { geometry.OutputChannels, depth, height, width }, tiled.shape);
            Assert.True(tiled.IsBitIdentical(whole), $"{geometry.Name} {plan}, batches of {batchSize}: max abs difference {(tiled - whole).abs().max().item<float>()}");
        }
    }

    [Fact]
    public void Each_axis_of_an_anisotropic_network_has_its_own_margin()
    {
        using var model = new ValidThickSliceNet();
        var geometry = model.Geometry;

        var plan = TilePlan.For(geometry);

        // Level 1 convolves and pools H and W only: D loses 4 (the bottleneck's two 3x3x3), H and W 16; each axis
        // strides by a multiple of its own pooling period.
        Assert.Equal(new[] { 2, 8, 8 }, plan.Axes.Select(a => a.Margin).ToArray());
        Assert.All(plan.Axes.Select((a, i) => (a, i)), x => Assert.Equal(0, x.a.Stride % geometry.SizeRules[x.i].Step));
        Assert.All(plan.Axes.Select((a, i) => (a, i)), x => Assert.True(geometry.SizeRules[x.i].IsValid(x.a.Input) && x.a.Output >= TilePlan.DefaultOutputTile3D));
    }

    [Fact]
    public void Progress_counts_every_tile_and_the_model_keeps_its_mode()
    {
        using var scope = NewDisposeScope();
        using var model = new ValidVolumeNet();
        model.train();
        var volume = rand(1, 9, 13, 20);
        var calls = new List<(int Done, int All)>();

        // Output tiles of 4 (input 20, stride 4, a multiple of the period 2): 3 x 4 x 5 = 60 tiles in 7 batches of at
        // most 9, as even as that allows: 9, 9, 9, 9, 8, 8, 8.
        var scores = OverlapTilePredictor.Predict(model, volume, outputTile: 4, batchSize: 9, progress: (done, all) => calls.Add((done, all)));

        Assert.Equal(new long[] { 2, 9, 13, 20 }, scores.shape);
        Assert.Equal(new[] { 9, 18, 27, 36, 44, 52, 60 }.Select(done => (done, 60)), calls);
        Assert.True(model.training);
    }

    [Fact]
    public void A_call_leaves_no_tensor_alive_but_its_result()
    {
        using var model = new SameThickSliceNet();
        using var volume = rand(1, 6, 10, 9);
        void Predict()
        {
            using var scores = OverlapTilePredictor.Predict(model, volume, outputTile: 8, batchSize: 2, contextMargin: 2);
        }

        Predict();
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Predict();
        Predict();

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Wrong_shapes_are_refused_with_the_shape_needed()
    {
        using var scope = NewDisposeScope();
        using var model = new ValidThickSliceNet();

        var image = Assert.Throws<ArgumentException>(() => OverlapTilePredictor.Predict(model, rand(2, 30, 30)));
        var channels = Assert.Throws<ArgumentException>(() => OverlapTilePredictor.Predict(model, rand(1, 8, 30, 30)));
        var plan = Assert.Throws<ArgumentException>(() => TilePlan.For(model.Geometry, outputTile: new[] { 8, 8 }));

        Assert.Contains("[2, D, H, W]", image.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 8, 30, 30]", channels.Message, StringComparison.Ordinal);
        Assert.Contains("one per spatial axis (3)", plan.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mirror_padding_reflects_each_axis_of_a_volume_by_its_own_amount()
    {
        using var scope = NewDisposeScope();
        var volume = arange(2 * 3 * 4, dtype: ScalarType.Float32).view(1, 2, 3, 4);

        var padded = OverlapTilePredictor.MirrorPad(volume, new[] { (1, 2), (0, 1), (3, 0) });

        Assert.Equal(new long[] { 1, 5, 4, 7 }, padded.shape);
        Assert.Equal(new long[] { 1, 0, 1, 0, 1 }, Enumerable.Range(0, 5).Select(d => (long)padded[0, d, 0, 3].item<float>() / 12).ToArray());
        Assert.Equal(new float[] { 3, 2, 1, 0, 1, 2, 3 }, padded[0, 1, 0].data<float>().ToArray());
        Assert.Equal(new float[] { 0, 4, 8, 4 }, padded[0, 1].select(1, 3).data<float>().ToArray());
    }

    private static nn.Module<Tensor, Tensor> Network(string name) =>
        name switch
        {
            "valid" => new ValidVolumeNet(),
            "valid-thick-slice" => new ValidThickSliceNet(),
            "same" => new SameVolumeNet(),
            "same-thick-slice" => new SameThickSliceNet(),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown test network."),
        };

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        var difference = (expected - actual).abs().max().item<float>();
        Assert.True(difference <= Tolerance, $"{what}: max abs difference {difference}");
    }
}
