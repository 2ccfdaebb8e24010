using System;
using System.Collections.Generic;
using System.Linq;
using UNetDsl.Training.Augmentation;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Inference3D;

/// <summary>
/// The 3D elastic deformation (Cicek et al. 2016): one smooth field moves volume, labels and weights alike; per-axis
/// standard deviations keep a thick-slice volume's slices in place; flips and turns stay in the allowed axes.
/// </summary>
public class ElasticDeformation3DTests
{
    [Fact]
    public void Zero_deviation_and_no_turns_is_the_identity()
    {
        using var scope = NewDisposeScope();
        var volume = rand(2, 6, 9, 11);
        var labels = randint(0, 4, new long[] { 6, 9, 11 });
        var weights = rand(6, 9, 11);
        var still = new ElasticDeformation3D(sigma: new[] { 0.0 }, orientAxes: Array.Empty<int>());

        var (i, l, w) = still.Augment(volume, labels, weights, new Random(1), new Generator(1));

        Assert.True(still.RandomDisplacement(6, 9, 11, new Generator(1)).eq(0).all().item<bool>());
        Assert.True((i - volume).abs().max().item<float>() < 1e-5);
        Assert.True(l.IsBitIdentical(labels));
        Assert.True((w! - weights).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void Labels_stay_labels_and_move_with_the_image_and_the_weights()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var labels = Blobs(12, 40, 40);
        var image = nn.functional.one_hot(labels, 3).permute(3, 0, 1, 2).to_type(ScalarType.Float32);
        var weights = image[1];
        var deformation = new ElasticDeformation3D(sigma: new[] { 2.0, 4, 4 }, gridSpacing: new[] { 8, 16, 16 }, orientAxes: Array.Empty<int>());
        var displacement = deformation.RandomDisplacement(12, 40, 40, new Generator(5));

        var (i, l, w) = ElasticDeformation3D.Apply(image, labels, weights, displacement);

        Assert.True(displacement.abs().max().item<float>() > 2, "the field should move voxels");
        Assert.Equal(new long[] { 0, 1, 2 }, l.unique().Item1.data<long>().ToArray());
        Assert.Equal(ScalarType.Int64, l.dtype);

        // Weights equal to one image channel are sampled by the same field: identical results.
        Assert.True(w!.IsBitIdentical(i[1]));

        // The image is one channel per label: where the trilinear image is clearly one label, the nearest-sampled
        // labels are that label.
        var (certainty, clearLabel) = i.max(0);
        var clear = certainty.gt(0.99);
        Assert.True(l.eq(clearLabel).logical_or(clear.logical_not()).all().item<bool>());
        Assert.True(clear.sum().item<long>() > 12 * 40 * 40 / 2);
        Assert.False(l.IsBitIdentical(labels), "the labels should have moved");
    }

    [Fact]
    public void An_axis_with_zero_deviation_is_not_displaced()
    {
        using var scope = NewDisposeScope();
        var thickSlices = new ElasticDeformation3D(sigma: new[] { 0.0, 5, 5 }, gridSpacing: new[] { 4, 8, 8 });
        var field = thickSlices.RandomDisplacement(10, 24, 24, new Generator(8));

        // Components are (x, y, z): z moves along D.
        Assert.True(field.select(3, 2).eq(0).all().item<bool>());
        Assert.True(field.select(3, 0).abs().max().item<float>() > 1);

        // A volume that varies only from slice to slice is left as it is, deformation, flips and turns included.
        var slices = arange(10, dtype: ScalarType.Float32).view(1, 10, 1, 1).expand(1, 10, 24, 24).contiguous();
        var labels = arange(10).view(10, 1, 1).expand(10, 24, 24).contiguous();
        for (var seed = 0; seed < 4; seed++)
        {
            var (i, l, _) = thickSlices.Augment(slices, labels, null, new Random(seed), new Generator((ulong)seed));
            Assert.True((i - slices).abs().max().item<float>() < 1e-5, "seed " + seed);
            Assert.True(l.IsBitIdentical(labels), "seed " + seed);
        }
    }

    [Fact]
    public void The_same_seeds_give_the_same_sample()
    {
        using var scope = NewDisposeScope();
        var volume = rand(1, 8, 20, 20);
        var labels = randint(0, 3, new long[] { 8, 20, 20 });
        var weights = rand(8, 20, 20);
        var deformation = new ElasticDeformation3D(gridSpacing: new[] { 4, 8, 8 });

        (Tensor Image, Tensor Labels, Tensor? Weights) Sample(int seed) =>
            deformation.Augment(volume, labels, weights, new Random(seed), new Generator((ulong)seed));

        var (a, b, c) = (Sample(7), Sample(7), Sample(8));
        Assert.True(a.Image.IsBitIdentical(b.Image) && a.Labels.IsBitIdentical(b.Labels) && a.Weights!.IsBitIdentical(b.Weights!));
        Assert.False(a.Image.IsBitIdentical(c.Image));
    }

    [Fact]
    public void Default_flips_and_turns_stay_in_the_plane_of_the_slices()
    {
        using var scope = NewDisposeScope();
        var volume = arange(3 * 4 * 4, dtype: ScalarType.Float32).view(1, 3, 4, 4);
        var labels = arange(3 * 4 * 4).view(3, 4, 4);
        var orientOnly = new ElasticDeformation3D(sigma: new[] { 0.0 });

        // The 8 symmetries of the square in (H, W); D is never flipped or turned into.
        var inPlane = new List<Tensor>();
        for (var turns = 0; turns < 4; turns++)
        {
            var turned = labels.rot90(turns, (1, 2));
            inPlane.Add(turned);
            inPlane.Add(turned.flip(2));
        }

        var seen = new HashSet<int>();
        for (var seed = 0; seed < 64; seed++)
        {
            var (i, l, _) = orientOnly.Augment(volume, labels, null, new Random(seed), new Generator((ulong)seed));
            var match = inPlane.FindIndex(t => t.IsBitIdentical(l));
            Assert.True(match >= 0, "seed " + seed + " left the plane");
            Assert.True(i.squeeze(0).round().to_type(ScalarType.Int64).IsBitIdentical(l));
            seen.Add(match);
        }

        Assert.Equal(8, seen.Count);
    }

    [Fact]
    public void Orient_axes_choose_what_may_flip_and_turn()
    {
        using var scope = NewDisposeScope();
        var labels = arange(2 * 3 * 5).view(2, 3, 5);
        var volume = labels.to_type(ScalarType.Float32).unsqueeze(0);
        var flipWOnly = new ElasticDeformation3D(sigma: new[] { 0.0 }, orientAxes: new[] { 2 });
        var everyAxis = new ElasticDeformation3D(sigma: new[] { 0.0 }, orientAxes: new[] { 0, 1, 2 });

        var shapes = new HashSet<string>();
        for (var seed = 0; seed < 32; seed++)
        {
            var (_, flipped, _) = flipWOnly.Augment(volume, labels, null, new Random(seed), new Generator(1));
            Assert.True(flipped.IsBitIdentical(labels) || flipped.IsBitIdentical(labels.flip(2)));
            var (_, turned, _) = everyAxis.Augment(volume, labels, null, new Random(seed), new Generator(1));
            shapes.Add(string.Join("x", turned.shape));
        }

        // Turns among all three axes swap the sides: every arrangement of 2, 3 and 5 appears.
        Assert.Equal(6, shapes.Count);
    }

    [Fact]
    public void Bad_arguments_name_what_is_wrong()
    {
        using var scope = NewDisposeScope();
        var deformation = new ElasticDeformation3D();

        Assert.Contains("one per axis", Assert.Throws<ArgumentException>(() => new ElasticDeformation3D(sigma: new[] { 1.0, 2 })).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new ElasticDeformation3D(gridSpacing: new[] { 0 }));
        Assert.Throws<ArgumentException>(() => new ElasticDeformation3D(orientAxes: new[] { 1, 1 }));
        Assert.Throws<ArgumentException>(() => new ElasticDeformation3D(orientAxes: new[] { 3 }));
        Assert.Throws<ArgumentException>(() => ElasticDeformation3D.Apply(rand(1, 4, 5, 6), zeros(4, 5, 7, ScalarType.Int64), null, zeros(4, 5, 6, 3)));
        Assert.Throws<ArgumentException>(() => deformation.Augment(rand(1, 5, 6), zeros(5, 6, ScalarType.Int64), null, new Random(0)));
    }

    // Labels 0, 1, 2: two balls in a volume, large enough to survive a few voxels of displacement.
    private static Tensor Blobs(int depth, int height, int width)
    {
        var z = arange(depth, dtype: ScalarType.Float32).view(-1, 1, 1);
        var y = arange(height, dtype: ScalarType.Float32).view(1, -1, 1);
        var x = arange(width, dtype: ScalarType.Float32).view(1, 1, -1);
        Tensor Ball(float cz, float cy, float cx, float r) =>
            z.sub(cz).div(0.5).square().add(y.sub(cy).square()).add(x.sub(cx).square()).le(r * r);
        var labels = zeros(new long[] { depth, height, width }, ScalarType.Int64);
        labels.masked_fill_(Ball(6, 12, 12, 9), 1);
        labels.masked_fill_(Ball(6, 27, 28, 8), 2);
        return labels;
    }
}
