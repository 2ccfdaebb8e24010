using System;
using System.Linq;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Training.Tests.Numerics;

public class WeightMapTests
{
    [Fact]
    public void Midway_between_two_discs_d1_equals_d2_and_the_weight_is_the_formula()
    {
        // Discs of radius 6 at x = 10 and x = 24 on row 10: on that row the first covers x = 4..16, the second 18..30,
        // so (17, 10) is midway, one pixel from each: d1 = d2 = 1.
        const int W = 36, H = 21;
        var labels = Discs(W, H, (10, 10, 6, 1), (24, 10, 6, 2));
        Assert.Equal(1, labels[(10 * W) + 16]);
        Assert.Equal(0, labels[(10 * W) + 17]);
        Assert.Equal(2, labels[(10 * W) + 18]);

        var weights = WeightMap.Compute(labels, W, H);

        var foreground = labels.Count(l => l > 0);
        var background = labels.Length - foreground;
        Assert.True(background > foreground);
        var backgroundWeight = 1.0;
        var foregroundWeight = (double)background / foreground;
        var midway = backgroundWeight + (10 * Math.Exp(-(2.0 * 2.0) / (2 * 5 * 5)));
        Assert.Equal(midway, weights[(10 * W) + 17], 5);

        // A pixel of a cell has its class weight only; the border term belongs to the background.
        Assert.Equal(foregroundWeight, weights[(10 * W) + 10], 5);
        Assert.Equal(foregroundWeight, weights[(10 * W) + 16], 5);

        // Everywhere: the formula with brute-force distances and no cut-off, up to the cut-off's 1e-6.
        var (d1, d2) = DistanceTransformTests.BruteForceNearestTwo(labels, W, H, double.PositiveInfinity);
        for (var i = 0; i < labels.Length; i++)
        {
            var expected = labels[i] > 0
                ? foregroundWeight
                : backgroundWeight + (10 * Math.Exp(-Math.Pow((double)d1[i] + d2[i], 2) / 50));
            Assert.True(Math.Abs(expected - weights[i]) < 5e-6, $"pixel ({i % W}, {i / W}): formula {expected}, map {weights[i]}");
        }

        // The row between the discs is the heaviest: the border the network must learn.
        Assert.Equal(weights.Max(), weights[(10 * W) + 17]);
    }

    [Fact]
    public void Touching_discs_two_pixels_apart_by_hand()
    {
        // One row, cells on x = 0..3 and x = 7..10, background x = 4..6 (8 cell pixels, 3 background).
        var labels = new[] { 1, 1, 1, 1, 0, 0, 0, 2, 2, 2, 2 };

        var weights = WeightMap.Compute(labels, 11, 1);

        // Class balance: background weighs 8/3, cells 1. x = 5: d1 = d2 = 2; x = 4 and 6: d1 = 1, d2 = 3; all sum to 4.
        var border = 10 * Math.Exp(-16.0 / 50);
        Assert.Equal((8.0 / 3) + border, weights[4], 5);
        Assert.Equal((8.0 / 3) + border, weights[5], 5);
        Assert.Equal((8.0 / 3) + border, weights[6], 5);
        Assert.All(new[] { 0, 1, 2, 3, 7, 8, 9, 10 }, i => Assert.Equal(1f, weights[i]));
    }

    [Fact]
    public void Class_weights_are_inverse_to_frequency_with_the_majority_at_one()
    {
        // 3 foreground of 10: background 1, foreground 7/3.
        var (background, foreground) = WeightMap.ClassWeights(new[] { 0, 0, 1, 0, 2, 0, 0, 2, 0, 0 });
        Assert.Equal(1f, background);
        Assert.Equal(7f / 3, foreground, 6);

        // Foreground the majority: 4 of 5.
        (background, foreground) = WeightMap.ClassWeights(new[] { 1, 1, 0, 2, 2 });
        Assert.Equal(4f, background);
        Assert.Equal(1f, foreground);

        // One class only: all 1.
        Assert.Equal((1f, 1f), WeightMap.ClassWeights(new int[6]));
        Assert.Equal((1f, 1f), WeightMap.ClassWeights(new[] { 3, 3, 3 }));

        // Both classes then carry equal total weight; with w0 = 0 the map is exactly w_c.
        var labels = DistanceTransformTests.RandomInstances(new Random(2), 30, 20, 6);
        var map = WeightMap.Compute(labels, 30, 20, w0: 0);
        var foregroundTotal = map.Where((_, i) => labels[i] > 0).Sum(v => (double)v);
        var backgroundTotal = map.Where((_, i) => labels[i] == 0).Sum(v => (double)v);
        Assert.Equal(foregroundTotal, backgroundTotal, 2);
        (background, foreground) = WeightMap.ClassWeights(labels);
        Assert.All(map.Select((v, i) => (v, i)), p => Assert.Equal(labels[p.i] > 0 ? foreground : background, p.v));
    }

    [Fact]
    public void One_cell_has_no_border_term()
    {
        const int W = 20, H = 20;
        var labels = Discs(W, H, (10, 10, 4, 7));
        var (background, _) = WeightMap.ClassWeights(labels);

        var weights = WeightMap.Compute(labels, W, H);

        Assert.All(Enumerable.Range(0, labels.Length).Where(i => labels[i] == 0), i => Assert.Equal(background, weights[i]));
    }

    [Theory]
    [InlineData(WeightMap.DefaultTolerance)]
    [InlineData(0.05)]
    public void Windowed_fast_path_equals_one_full_transform_per_cell(double tolerance)
    {
        // Up to 40 random discs on 96x80, many touching: the map must equal the one from a full-image transform per
        // cell with the same cut-off, to the bit. A tolerance of 0.05 (cut-off 16.3 px) makes the cut-off visible.
        const int W = 96, H = 80;
        var random = new Random(11);
        var cutoffVisible = false;
        foreach (var count in new[] { 0, 1, 2, 15, 40 })
        {
            var labels = new int[W * H];
            for (var c = 1; c <= count; c++)
            {
                var (cx, cy, r) = (random.Next(W), random.Next(H), random.Next(3, 9));
                Paint(labels, W, H, cx, cy, r, c);
            }

            var fast = WeightMap.Compute(labels, W, H, tolerance: tolerance);

            var naive = NaiveWeightMap(labels, W, H, WeightMap.DefaultW0, WeightMap.DefaultSigma, WeightMap.Cutoff(tolerance: tolerance));
            for (var i = 0; i < labels.Length; i++)
            {
                Assert.True(naive[i] == fast[i], $"{count} discs, pixel ({i % W}, {i / W}): naive {naive[i]}, windowed {fast[i]}");
            }

            // Without a cut-off (tolerance 0) the windows span the image; the cut-off changes no weight by more than
            // the tolerance (plus float rounding).
            var exact = WeightMap.Compute(labels, W, H, tolerance: 0);
            var naiveExact = NaiveWeightMap(labels, W, H, WeightMap.DefaultW0, WeightMap.DefaultSigma, double.PositiveInfinity);
            Assert.Equal(naiveExact, exact);
            Assert.All(Enumerable.Range(0, labels.Length), i => Assert.True(Math.Abs(exact[i] - fast[i]) <= tolerance + (1e-6 * exact[i]), $"pixel {i}: {exact[i]} vs {fast[i]}"));
            cutoffVisible |= Enumerable.Range(0, labels.Length).Any(i => exact[i] - fast[i] > 1e-3);
        }

        Assert.Equal(tolerance > 1e-3, cutoffVisible);
    }

    [Fact]
    public void Cutoff_is_where_the_border_term_reaches_the_tolerance()
    {
        var cutoff = WeightMap.Cutoff(10, 5, 1e-6);

        Assert.Equal(5 * Math.Sqrt(2 * Math.Log(1e7)), cutoff, 10);
        Assert.Equal(1e-6, 10 * Math.Exp(-(cutoff * cutoff) / 50), 12);
        Assert.Equal(double.PositiveInfinity, WeightMap.Cutoff(10, 5, 0));
        Assert.Equal(0, WeightMap.Cutoff(1e-7f, 5, 1e-6));
    }

    [Fact]
    public void Tensor_helpers_give_height_by_width()
    {
        var labels = new[] { 1, 1, 1, 1, 0, 0, 0, 2, 2, 2, 2, 0 };
        using var scope = NewDisposeScope();

        var map = WeightMap.ComputeTensor(labels, 4, 3);

        Assert.Equal(new long[] { 3, 4 }, map.shape);
        Assert.Equal(ScalarType.Float32, map.dtype);
        Assert.Equal(WeightMap.Compute(labels, 4, 3), map.data<float>().ToArray());
        Assert.Equal(WeightMap.Compute(labels, 4, 3)[(1 * 4) + 2], map[1, 2].item<float>());

        var error = Assert.Throws<ArgumentException>(() => WeightMap.ToTensor(new float[11], 4, 3));
        Assert.Equal("The weight map has 11 pixels; 4x3 needs 12. (Parameter 'weights')", error.Message);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => WeightMap.Compute(new int[10], 4, 3));
        Assert.Equal("The label image has 10 pixels; 4x3 needs 12. (Parameter 'instances')", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightMap.Compute(new int[12], 4, 3, sigma: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightMap.Compute(new int[12], 4, 3, w0: -1));
        Assert.Throws<ArgumentException>(() => WeightMap.Compute(new[] { 0, -1, 0, 0 }, 2, 2));
    }

    private static float[] NaiveWeightMap(int[] labels, int w, int h, float w0, float sigma, double cutoff)
    {
        var (background, foreground) = WeightMap.ClassWeights(labels);
        var d1 = Enumerable.Repeat(DistanceTransform.Infinity, labels.Length).ToArray();
        var d2 = (float[])d1.Clone();
        foreach (var cell in labels.Where(l => l > 0).Distinct())
        {
            var distances = DistanceTransform.Distances(labels.Select(l => l == cell).ToArray(), w, h);
            for (var i = 0; i < labels.Length; i++)
            {
                if (labels[i] == cell)
                {
                    continue;
                }

                if (distances[i] < d1[i])
                {
                    (d2[i], d1[i]) = (d1[i], distances[i]);
                }
                else if (distances[i] < d2[i])
                {
                    d2[i] = distances[i];
                }
            }
        }

        var weights = new float[labels.Length];
        var twoSigmaSquared = 2.0 * sigma * sigma;
        for (var i = 0; i < labels.Length; i++)
        {
            weights[i] = labels[i] > 0 ? foreground : background;
            double sum = d1[i] + d2[i];
            if (labels[i] == 0 && d2[i] < DistanceTransform.Infinity && sum <= cutoff)
            {
                weights[i] = (float)(weights[i] + (w0 * Math.Exp(-(sum * sum) / twoSigmaSquared)));
            }
        }

        return weights;
    }

    private static int[] Discs(int w, int h, params (int X, int Y, int R, int Label)[] discs)
    {
        var labels = new int[w * h];
        foreach (var (x, y, r, label) in discs)
        {
            Paint(labels, w, h, x, y, r, label);
        }

        return labels;
    }

    private static void Paint(int[] labels, int w, int h, int cx, int cy, int r, int label)
    {
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                if (((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) <= r * r)
                {
                    labels[(y * w) + x] = label;
                }
            }
        }
    }
}
