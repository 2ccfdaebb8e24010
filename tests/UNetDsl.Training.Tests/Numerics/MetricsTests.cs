using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Training.Tests.Numerics;

public class MetricsTests
{
    [Fact]
    public void Pixel_error_iou_and_dice_by_hand()
    {
        // Truth 4 foreground of 6; prediction right on 4 pixels: 3 true positives, 1 false negative, 1 false positive.
        var truth = new[] { true, true, true, true, false, false };
        var prediction = new[] { true, true, false, true, true, false };

        Assert.Equal(2.0 / 6, Metrics.PixelError(prediction, truth), 12);
        Assert.Equal(3.0 / 5, Metrics.ForegroundIoU(prediction, truth), 12);
        Assert.Equal(6.0 / 8, Metrics.ForegroundDice(prediction, truth), 12);

        Assert.Equal(0, Metrics.PixelError(truth, truth));
        Assert.Equal(1, Metrics.ForegroundIoU(truth, truth));
        Assert.Equal(1, Metrics.ForegroundIoU(new bool[3], new bool[3]));
        Assert.Equal(1, Metrics.ForegroundDice(new bool[3], new bool[3]));
        Assert.Equal(0, Metrics.ForegroundDice(new[] { true, false }, new[] { false, true }));
        Assert.Equal(1, Metrics.PixelError(new[] { true, false }, new[] { false, true }));
    }

    [Fact]
    public void Rand_score_of_a_split_strip_by_hand()
    {
        // Truth: one cell of 4 pixels in a 1x4 strip. Prediction: {0, 1} and {3}, pixel 2 background (a singleton).
        // Over the truth's 4 pixels: sum p_ij^2 ~ 2^2 + 1^2 + 1 (singleton) = 6; truth sizes: 4^2 = 16; predicted
        // sizes: 2^2 + 1^2 + 1 = 6. Split = 6/16, merge = 6/6, F = 2 * 0.375 / 1.375 = 6/11.
        var truth = new[] { true, true, true, true };
        var prediction = new[] { true, true, false, true };

        var score = Metrics.Rand(prediction, truth, 4, 1);

        Assert.Equal(0.375, score.Split, 12);
        Assert.Equal(1.0, score.Merge, 12);
        Assert.Equal(6.0 / 11, score.FScore, 12);
        Assert.Equal(6.0 / 11, Metrics.RandFScore(prediction, truth, 4, 1), 12);
        Assert.Equal(5.0 / 11, Metrics.RandError(prediction, truth, 4, 1), 12);
        Assert.Equal(1.0, Metrics.RandFScore(truth, truth, 4, 1), 12);
    }

    [Fact]
    public void Rand_score_of_a_merge_by_hand()
    {
        // Truth: two cells {0} and {2} in a 1x3 strip; the prediction joins them through pixel 1 (truth background,
        // so pixel 1 does not count). Sum p_ij^2 = 1 + 1 = 2; truth sizes 1 + 1 = 2; predicted: one segment of 2, 4.
        // Split 1, merge 1/2, F = 2/3.
        var truth = new[] { true, false, true };
        var merged = new[] { true, true, true };

        var score = Metrics.Rand(merged, truth, 3, 1);

        Assert.Equal(1.0, score.Split, 12);
        Assert.Equal(0.5, score.Merge, 12);
        Assert.Equal(2.0 / 3, score.FScore, 12);

        // Predicted foreground outside the truth's foreground is ignored: a prediction that only adds it scores 1.
        Assert.Equal(1.0, Metrics.RandFScore(new[] { true, false, true, true }, new[] { true, false, true, false }, 4, 1), 12);
    }

    [Fact]
    public void Rand_on_label_images_keeps_touching_true_cells_apart()
    {
        // Two touching true cells that one binary mask would merge; the prediction merges them.
        var score = Metrics.Rand(new[] { 5, 5, 5, 5 }, new[] { 1, 1, 2, 2 });
        Assert.Equal(1.0, score.Split, 12);
        Assert.Equal(8.0 / 16, score.Merge, 12);

        // Any renaming of the predicted segments scores the same.
        Assert.Equal(1.0, Metrics.Rand(new[] { 9, 9, 4, 4, 0 }, new[] { 1, 1, 2, 2, 0 }).FScore, 12);

        // No foreground in the truth: nothing to get wrong.
        Assert.Equal(new RandScore(1, 1), Metrics.Rand(new[] { 1, 1, 0 }, new int[3]));
    }

    [Fact]
    public void Rand_score_equals_counting_pixel_pairs()
    {
        // The definition by pairs: over ordered pairs (a, b) of truth-foreground pixels (a = b included), how many
        // share a true segment, a predicted segment (a predicted background pixel pairs only with itself), both.
        var random = new Random(21);
        for (var trial = 0; trial < 30; trial++)
        {
            var (w, h) = (random.Next(2, 9), random.Next(2, 9));
            var truth = Enumerable.Range(0, w * h).Select(_ => random.NextDouble() < 0.6).ToArray();
            var prediction = Enumerable.Range(0, w * h).Select(i => random.NextDouble() < 0.8 ? truth[i] : !truth[i]).ToArray();
            var trueSegments = Metrics.ConnectedComponents(truth, w, h);
            var predictedSegments = Metrics.ConnectedComponents(prediction, w, h);

            double both = 0, sameTrue = 0, samePredicted = 0;
            var pixels = Enumerable.Range(0, w * h).Where(i => truth[i]).ToArray();
            foreach (var a in pixels)
            {
                foreach (var b in pixels)
                {
                    var t = trueSegments[a] == trueSegments[b];
                    var p = a == b || (predictedSegments[a] != 0 && predictedSegments[a] == predictedSegments[b]);
                    both += t && p ? 1 : 0;
                    sameTrue += t ? 1 : 0;
                    samePredicted += p ? 1 : 0;
                }
            }

            var score = Metrics.Rand(prediction, truth, w, h);
            if (pixels.Length == 0)
            {
                Assert.Equal(1.0, score.FScore);
                continue;
            }

            Assert.Equal(both / sameTrue, score.Split, 12);
            Assert.Equal(both / samePredicted, score.Merge, 12);
        }
    }

    [Fact]
    public void Connected_components_are_four_connected_in_raster_order()
    {
        // 1 1 0 1
        // 0 1 0 1
        // 1 0 0 0   (the diagonal neighbour of (1, 1) is its own component)
        var mask = new[]
        {
            true, true, false, true,
            false, true, false, true,
            true, false, false, false,
        };

        var labels = Metrics.ConnectedComponents(mask, 4, 3, out var count);

        Assert.Equal(3, count);
        Assert.Equal(new[] { 1, 1, 0, 2, 0, 1, 0, 2, 3, 0, 0, 0 }, labels);
    }

    [Fact]
    public void Connected_components_match_a_union_find_on_random_masks()
    {
        var random = new Random(8);
        for (var trial = 0; trial < 30; trial++)
        {
            var (w, h) = (random.Next(1, 30), random.Next(1, 30));
            var mask = Enumerable.Range(0, w * h).Select(_ => random.NextDouble() < 0.55).ToArray();

            var labels = Metrics.ConnectedComponents(mask, w, h, out var count);

            var parent = Enumerable.Range(0, w * h).ToArray();
            int Find(int i) => parent[i] == i ? i : parent[i] = Find(parent[i]);
            for (var i = 0; i < mask.Length; i++)
            {
                if (mask[i] && i % w < w - 1 && mask[i + 1])
                {
                    parent[Find(i)] = Find(i + 1);
                }

                if (mask[i] && i + w < mask.Length && mask[i + w])
                {
                    parent[Find(i)] = Find(i + w);
                }
            }

            var roots = new Dictionary<int, int>();
            for (var i = 0; i < mask.Length; i++)
            {
                Assert.Equal(mask[i], labels[i] != 0);
                if (!mask[i])
                {
                    continue;
                }

                // Same component under union-find exactly when the same label.
                if (roots.TryGetValue(Find(i), out var label))
                {
                    Assert.Equal(label, labels[i]);
                }
                else
                {
                    Assert.DoesNotContain(labels[i], roots.Values);
                    roots[Find(i)] = labels[i];
                }
            }

            Assert.Equal(roots.Count, count);
        }
    }

    [Fact]
    public void Masks_from_bytes_labels_tensors_and_scores()
    {
        Assert.Equal(new[] { false, true, true }, Metrics.ToMask(new byte[] { 0, 255, 1 }));
        Assert.Equal(new[] { true, false, true }, Metrics.ToMask(new[] { 3, 0, 1 }));

        using var scope = NewDisposeScope();
        var image = tensor(new float[] { 0, 0.5f, 0, 2, 0, 0 }, new long[] { 2, 3 });
        Assert.Equal(new[] { false, true, false, true, false, false }, Metrics.ToMask(image));
        Assert.Equal(new[] { false, true, false, true, false, false }, Metrics.ToMask(image.reshape(1, 1, 2, 3)));

        // Scores [2, 1, 3]: class 1 wins on pixels 0 and 2.
        var scores = tensor(new float[] { 0, 5, -1, 1, 2, 3 }, new long[] { 2, 1, 3 });
        Assert.Equal(new[] { true, false, true }, Metrics.PredictedMask(scores));
        Assert.Equal(new[] { true, false, true }, Metrics.PredictedMask(scores.unsqueeze(0)));

        // One channel: a logit, foreground where positive.
        Assert.Equal(new[] { false, true, false }, Metrics.PredictedMask(tensor(new float[] { -1, 2, 0 }, new long[] { 1, 1, 3 })));

        var error = Assert.Throws<ArgumentException>(() => Metrics.ToMask(zeros(2, 2, 3)));
        Assert.Equal("A mask tensor must be [H, W] (leading dimensions of size 1 allowed); got [2, 2, 3]. (Parameter 'mask')", error.Message);
        error = Assert.Throws<ArgumentException>(() => Metrics.PredictedMask(zeros(2, 2, 2, 3)));
        Assert.Equal("Scores must be [C, H, W] or [1, C, H, W]; got [2, 2, 2, 3]. (Parameter 'scores')", error.Message);
    }

    [Fact]
    public void Mismatched_masks_are_rejected_with_their_sizes()
    {
        var error = Assert.Throws<ArgumentException>(() => Metrics.PixelError(new bool[5], new bool[6]));
        Assert.Equal("The prediction has 5 pixels, the truth 6. (Parameter 'prediction')", error.Message);

        error = Assert.Throws<ArgumentException>(() => Metrics.RandFScore(new bool[6], new bool[6], 4, 2));
        Assert.Equal("The mask has 6 pixels; 4x2 needs 8. (Parameter 'truth')", error.Message);

        error = Assert.Throws<ArgumentException>(() => Metrics.ConnectedComponents(new bool[6], 4, 2));
        Assert.Equal("The mask has 6 pixels; 4x2 needs 8. (Parameter 'mask')", error.Message);

        Assert.Throws<ArgumentException>(() => Metrics.Rand(new[] { 1, 2 }, new[] { 1, -1 }));
    }
}
