using System;
using System.Linq;
using UNetDsl.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Training;

public class NumericsTests
{
    [Fact]
    public void Weight_map_of_two_cells_matches_the_formula_by_hand()
    {
        // One row: cell 1 on x = 0..3, background x = 4..6, cell 2 on x = 7..10.
        var labels = new[] { 1, 1, 1, 1, 0, 0, 0, 2, 2, 2, 2 };
        var weights = WeightMap.Compute(labels, 11, 1);

        // Class balance: 8 cell pixels, 3 background: background weighs 8/3, cells 1.
        // x = 5: d1 = d2 = 2; x = 4: d1 = 1, d2 = 3. Both: w0 exp(-(4)^2 / (2 * 5^2)).
        var border = 10 * Math.Exp(-16.0 / 50);
        Assert.Equal(8.0 / 3 + border, weights[5], 4);
        Assert.Equal(8.0 / 3 + border, weights[4], 4);
        Assert.Equal(8.0 / 3 + border, weights[6], 4);
        Assert.Equal(1.0, weights[0], 6);
        Assert.Equal(1.0, weights[10], 6);
    }

    [Fact]
    public void Weight_map_window_equals_the_full_computation_for_touching_discs()
    {
        const int Size = 48;
        var labels = new int[Size * Size];
        var centres = new[] { (12, 12, 9), (28, 12, 8), (20, 29, 10), (38, 36, 7) };
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                for (var c = 0; c < centres.Length; c++)
                {
                    var (cx, cy, r) = centres[c];
                    if (((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) <= r * r)
                    {
                        labels[(y * Size) + x] = c + 1;
                    }
                }
            }
        }

        var fast = WeightMap.Compute(labels, Size, Size);
        var (d1, d2) = WeightMap.NearestTwo(labels, Size, Size, reach: Size);
        var foreground = labels.Count(l => l > 0);
        var background = labels.Length - foreground;
        var majority = Math.Max(foreground, background);
        for (var i = 0; i < labels.Length; i++)
        {
            var expected = labels[i] > 0 ? (double)majority / foreground : (double)majority / background;
            if (labels[i] == 0)
            {
                expected += 10 * Math.Exp(-Math.Pow(d1[i] + d2[i], 2) / 50);
            }

            // The window cut-off drops terms below 1% of w0; everything else is identical.
            Assert.True(Math.Abs(expected - fast[i]) < 0.11, $"pixel {i}: {expected} vs {fast[i]}");
        }

        // Between the touching discs the border term is large.
        Assert.True(fast.Max() > 8, "max weight " + fast.Max());
    }

    [Fact]
    public void Weighted_cross_entropy_by_hand_and_against_torch()
    {
        using var scope = NewDisposeScope();

        // Two pixels, two classes: logits (0, ln 3) and (ln 3, 0); labels 1 and 1; weights 2 and 1.
        var logits = tensor(new float[] { 0, MathF.Log(3), MathF.Log(3), 0 }, new long[] { 1, 2, 1, 2 });
        var target = tensor(new long[] { 1, 1 }, new long[] { 1, 1, 2 });
        var weights = tensor(new float[] { 2, 1 }, new long[] { 1, 1, 2 });

        // -log p: pixel 1 has p = 3/4 for class 1, pixel 2 has p = 1/4 for class 1.
        var expected = ((2 * -Math.Log(0.75)) + (1 * -Math.Log(0.25))) / 2;
        Assert.Equal(expected, Losses.WeightedCrossEntropy(logits, target, weights).item<float>(), 5);

        var random = randn(2, 3, 5, 5);
        var labels = randint(0, 3, new long[] { 2, 5, 5 });
        Assert.Equal(nn.functional.cross_entropy(random, labels).item<float>(), Losses.WeightedCrossEntropy(random, labels).item<float>(), 5);
    }

    [Fact]
    public void Dice_of_a_perfect_prediction_is_zero_and_shapes_are_checked()
    {
        using var scope = NewDisposeScope();
        var labels = randint(0, 2, new long[] { 2, 8, 8 });
        var logits = nn.functional.one_hot(labels, 2).permute(0, 3, 1, 2).to_type(ScalarType.Float32).mul(50);

        Assert.True(Losses.Dice(logits, labels).item<float>() < 1e-3);

        var error = Assert.Throws<ArgumentException>(() => Losses.WeightedCrossEntropy(randn(2, 2, 8, 8), randint(0, 2, new long[] { 2, 6, 6 })));
        Assert.Equal("logits [2, 2, 8, 8] need a target [2, 8, 8]; got [2, 6, 6]. (Parameter 'target')", error.Message);
    }

    [Fact]
    public void Metrics_by_hand()
    {
        var truth = new[] { true, true, true, true, false, false };
        var prediction = new[] { true, true, false, true, true, false };

        Assert.Equal(2.0 / 6, Metrics.PixelError(prediction, truth), 10);
        Assert.Equal(3.0 / 5, Metrics.ForegroundIoU(prediction, truth), 10);
        Assert.Equal(6.0 / 8, Metrics.ForegroundDice(prediction, truth), 10);
    }

    [Fact]
    public void Rand_score_of_a_split_strip_by_hand()
    {
        // Truth: one segment of 4 pixels. Prediction splits it into {0, 1} and {3}, pixel 2 background (a singleton).
        // Contingency over the truth's pixels: sum n_ij^2 = 4 + 1 + 1 = 6, rows: 16, columns: 4 + 1 + 1 = 6.
        // Precision 6/6, recall 6/16: F = 2 * 0.375 / 1.375.
        var truth = new[] { true, true, true, true };
        var prediction = new[] { true, true, false, true };

        Assert.Equal(2 * 0.375 / 1.375, Metrics.RandFScore(prediction, truth, 4, 1), 10);
        Assert.Equal(1.0, Metrics.RandFScore(truth, truth, 4, 1), 10);

        // A merge: two true cells predicted as one halves the precision side instead.
        var twoCells = new[] { true, false, true };
        var merged = new[] { true, true, true };
        Assert.True(Metrics.RandFScore(merged, twoCells, 3, 1) < 1);
    }

    [Fact]
    public void He_initialisation_has_the_papers_standard_deviation()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(11);
        using var model = new TileNet();

        Initialization.He(model);

        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var conv = parameters["dec2.conv1.weight"]; // [8, 16, 3, 3]: fan-in 16 * 9
        Assert.Equal(new long[] { 8, 16, 3, 3 }, conv.shape);
        var expected = Math.Sqrt(2.0 / (16 * 9));
        Assert.InRange(conv.std().item<float>(), expected * 0.9, expected * 1.1);
        Assert.Equal(0f, parameters["head.bias"].abs().sum().item<float>());
    }
}

public class LearningRateScheduleTests
{
    [Theory]
    [InlineData(UNetDsl.Training.ScheduleKind.Constant, 0.5, 0.01)]
    [InlineData(UNetDsl.Training.ScheduleKind.Step, 0.6, 0.001)]
    [InlineData(UNetDsl.Training.ScheduleKind.Step, 0.8, 0.0001)]
    [InlineData(UNetDsl.Training.ScheduleKind.Cosine, 0.5, 0.005)]
    [InlineData(UNetDsl.Training.ScheduleKind.Cosine, 1.0, 0.0)]
    public void Rates_follow_the_schedule(UNetDsl.Training.ScheduleKind kind, double progress, double expected)
    {
        Assert.Equal(expected, new UNetDsl.Training.LearningRateSchedule(kind, 0.01).RateAt(progress), 10);
    }

    [Fact]
    public void Polynomial_decay_is_nnunets_and_is_applied_to_the_optimizer()
    {
        var schedule = new UNetDsl.Training.LearningRateSchedule(UNetDsl.Training.ScheduleKind.Polynomial, 0.01);
        using var model = new TileNet();
        using var optimizer = TorchSharp.torch.optim.SGD(model.parameters(), 0.01, momentum: 0.99);

        var rate = schedule.Apply(optimizer, 0.5);

        Assert.Equal(0.01 * System.Math.Pow(0.5, 0.9), rate, 12);
        Assert.All(optimizer.ParamGroups, group => Assert.Equal(rate, group.LearningRate, 12));
    }
}
