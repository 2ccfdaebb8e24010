using System;
using System.Collections.Generic;
using System.Linq;
using UNetDsl.Data;
using UNetDsl.Inference;
using UNetDsl.Tests.Training;
using UNetDsl.Training;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Inference;

/// <summary>Test-time mirroring: every mirrored pass mapped back to the image's own orientation, then averaged.</summary>
public sealed class MirroredPredictionTests
{
    [Fact]
    public void Every_combination_of_spatial_axes_is_mirrored_once_the_image_as_it_is_first()
    {
        Assert.Equal(new[] { "", "1", "2", "1,2" }, MirroredPrediction.Flips(2).Select(f => string.Join(",", f)));
        var three = MirroredPrediction.Flips(3).Select(f => string.Join(",", f)).ToList();
        Assert.Equal(8, three.Distinct().Count());
        Assert.Equal("", three[0]);
        Assert.Contains("1,2,3", three);
    }

    [Fact]
    public void A_prediction_that_mirrors_with_its_input_comes_back_unchanged()
    {
        using var scope = NewDisposeScope();
        var image = rand(new long[] { 1, 5, 7 }, generator: new Generator(1));
        static Tensor Pixelwise(Tensor x) => cat(new[] { x * 3, -x }, 0);
        var direct = Pixelwise(image).softmax(0);
        var mirrored = MirroredPrediction.Probabilities(image, Pixelwise);
        Assert.True((mirrored - direct).abs().max().item<float>() < 1e-6);
    }

    [Fact]
    public void A_prediction_that_depends_on_position_is_averaged_over_both_orientations_of_each_axis()
    {
        using var scope = NewDisposeScope();
        var image = rand(new long[] { 1, 4, 6 }, generator: new Generator(2));
        var ramp = arange(6, ScalarType.Float32).view(1, 1, 6);
        Tensor Positional(Tensor x) => cat(new[] { x + ramp, zeros_like(x) }, 0);

        // Mirroring W gives x + mirrored ramp after mapping back; mirroring H changes nothing: two values, twice each.
        var expected = (Positional(image).softmax(0) + cat(new[] { image + ramp.flip(2), zeros_like(image) }, 0).softmax(0)) / 2;
        var passes = new List<(int, int)>();
        var mirrored = MirroredPrediction.Probabilities(image, Positional, (done, all) => passes.Add((done, all)));
        Assert.True((mirrored - expected).abs().max().item<float>() < 1e-6);
        Assert.Equal(new[] { (1, 4), (2, 4), (3, 4), (4, 4) }, passes);
    }

    [Fact]
    public void Segmenting_with_mirroring_counts_the_tiles_of_every_pass_and_changes_only_uncertain_pixels()
    {
        using var network = new TileNet();
        Initialization.He(network, 3);
        var image = SyntheticCells.Generate(9, 70, 90).Image;
        var plain = Segmenter.Classes(network, image);
        var reports = new List<(int Done, int All)>();
        var mirrored = Segmenter.Classes(network, image, (done, all) => reports.Add((done, all)), mirror: true);

        Assert.Equal(plain.Length, mirrored.Length);
        Assert.All(reports, r => Assert.Equal(reports[^1].All, r.All));
        Assert.Equal(reports[^1].All, reports[^1].Done);
        Assert.Equal(reports.Select(r => r.Done).OrderBy(d => d), reports.Select(r => r.Done));
        Assert.Equal(0, reports[^1].All % 4);

        // An untrained network is unsure everywhere: the average of four passes disagrees with one pass somewhere.
        Assert.NotEqual(plain, mirrored);
    }
}
