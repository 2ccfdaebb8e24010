using System;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Training.Tests.Numerics;

public class LossesTests
{
    // 2 classes, 2x2 pixels. Logits per pixel (class 0, class 1): (0, ln 3), (ln 3, 0), (0, 0), (0, 0), so
    // p(class 1) = 3/4, 1/4, 1/2, 1/2. Labels 1, 0, 1, 0: the probabilities of the true classes are 3/4, 3/4, 1/2, 1/2.
    private static Tensor HandLogits(bool requiresGrad = false) =>
        tensor(new float[] { 0, MathF.Log(3), 0, 0, MathF.Log(3), 0, 0, 0 }, new long[] { 1, 2, 2, 2 }, requires_grad: requiresGrad);

    private static Tensor HandTarget() => tensor(new long[] { 1, 0, 1, 0 }, new long[] { 1, 2, 2 });

    [Fact]
    public void Weighted_cross_entropy_by_hand()
    {
        using var scope = NewDisposeScope();
        var weights = tensor(new float[] { 1, 2, 3, 4 }, new long[] { 1, 2, 2 });

        var loss = Losses.WeightedCrossEntropy(HandLogits(), HandTarget(), weights);

        // mean over the 4 pixels of w * -log p: (1 + 2) (-ln 3/4) + (3 + 4) (-ln 1/2), divided by 4.
        var expected = ((3 * -Math.Log(0.75)) + (7 * Math.Log(2))) / 4;
        Assert.Equal(0, loss.dim());
        Assert.Equal(expected, loss.item<float>(), 5);

        var perPixel = Losses.PixelCrossEntropy(HandLogits(), HandTarget());
        Assert.Equal(new long[] { 1, 2, 2 }, perPixel.shape);
        Assert.Equal(-Math.Log(0.75), perPixel[0, 0, 1].item<float>(), 5);
        Assert.Equal(Math.Log(2), perPixel[0, 1, 1].item<float>(), 5);
    }

    [Fact]
    public void Weighted_cross_entropy_gradient_is_weight_times_softmax_minus_one_hot_over_pixels()
    {
        using var scope = NewDisposeScope();
        var logits = HandLogits(requiresGrad: true);
        var weights = tensor(new float[] { 1, 2, 3, 4 }, new long[] { 1, 2, 2 });

        Losses.WeightedCrossEntropy(logits, HandTarget(), weights).backward();

        // Pixel (0, 0): label 1, p1 = 3/4, weight 1: d/d logit1 = 1 * (3/4 - 1) / 4; pixel (1, 1): label 0, p0 = 1/2, weight 4.
        var grad = logits.grad!;
        Assert.Equal(1 * (0.75 - 1) / 4, grad[0, 1, 0, 0].item<float>(), 5);
        Assert.Equal(4 * (0.5 - 1) / 4, grad[0, 0, 1, 1].item<float>(), 5);
        Assert.Equal(4 * 0.5 / 4, grad[0, 1, 1, 1].item<float>(), 5);
    }

    [Fact]
    public void With_all_ones_weights_it_is_torchs_cross_entropy_in_2d_and_3d()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(42);
        foreach (var shape in new[] { new long[] { 2, 3, 5, 7 }, new long[] { 2, 4, 3, 5, 6 } })
        {
            var logits = randn(shape, generator: generator).mul(3);
            var targetShape = new long[shape.Length - 1];
            targetShape[0] = shape[0];
            Array.Copy(shape, 2, targetShape, 1, shape.Length - 2);
            var target = randint(0, shape[1], targetShape, generator: generator);

            var expected = nn.functional.cross_entropy(logits, target).item<float>();

            Assert.Equal(expected, Losses.WeightedCrossEntropy(logits, target).item<float>(), 5);
            Assert.Equal(expected, Losses.WeightedCrossEntropy(logits, target, ones(targetShape)).item<float>(), 5);
        }
    }

    [Fact]
    public void Dice_by_hand()
    {
        using var scope = NewDisposeScope();

        // Foreground: |P n T| = 3/4 + 1/2 = 5/4, |P| = 3/4 + 1/4 + 1/2 + 1/2 = 2, |T| = 2.
        // Smoothing 1: 1 - (2 * 5/4 + 1) / (2 + 2 + 1) = 1 - 3.5 / 5 = 0.3; smoothing 0: 1 - 2.5 / 4 = 0.375.
        Assert.Equal(0.3, Losses.Dice(HandLogits(), HandTarget()).item<float>(), 5);
        Assert.Equal(0.375, Losses.Dice(HandLogits(), HandTarget(), smoothing: 0).item<float>(), 5);

        var weights = tensor(new float[] { 1, 2, 3, 4 }, new long[] { 1, 2, 2 });
        var sum = Losses.CrossEntropyPlusDice(HandLogits(), HandTarget(), weights);
        var expected = (((3 * -Math.Log(0.75)) + (7 * Math.Log(2))) / 4) + 0.3;
        Assert.Equal(expected, sum.item<float>(), 5);
    }

    [Fact]
    public void Dice_is_near_0_for_a_perfect_prediction_and_near_1_for_the_opposite()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(3);
        var labels = randint(0, 3, new long[] { 2, 16, 16 }, generator: generator);
        var perfect = nn.functional.one_hot(labels, 3).permute(0, 3, 1, 2).to_type(ScalarType.Float32).mul(50);

        Assert.True(Losses.Dice(perfect, labels).item<float>() < 1e-4);
        Assert.True(Losses.CrossEntropyPlusDice(perfect, labels).item<float>() < 1e-4);

        // Every foreground pixel called background and vice versa: no overlap, the loss is 1 up to the smoothing.
        var binary = labels.gt(1).to_type(ScalarType.Int64);
        var wrong = nn.functional.one_hot(binary.neg().add(1), 2).permute(0, 3, 1, 2).to_type(ScalarType.Float32).mul(50);
        Assert.True(Losses.Dice(wrong, binary).item<float>() > 0.99);

        // A 3D perfect prediction as well.
        var volume = randint(0, 2, new long[] { 1, 4, 6, 6 }, generator: generator);
        var perfectVolume = nn.functional.one_hot(volume, 2).permute(0, 4, 1, 2, 3).to_type(ScalarType.Float32).mul(50);
        Assert.True(Losses.Dice(perfectVolume, volume).item<float>() < 1e-4);
    }

    [Fact]
    public void Shape_errors_name_the_expected_and_the_actual_shape()
    {
        using var scope = NewDisposeScope();
        var logits = zeros(2, 2, 388, 388);

        var error = Assert.Throws<ArgumentException>(() => Losses.WeightedCrossEntropy(logits, zeros(new long[] { 2, 390, 390 }, ScalarType.Int64)));
        Assert.Equal("logits [2, 2, 388, 388] need a target [2, 388, 388]; got [2, 390, 390]. (Parameter 'target')", error.Message);

        error = Assert.Throws<ArgumentException>(() => Losses.Dice(logits, zeros(new long[] { 1, 388, 388 }, ScalarType.Int64)));
        Assert.Equal("logits [2, 2, 388, 388] need a target [2, 388, 388]; got [1, 388, 388]. (Parameter 'target')", error.Message);

        error = Assert.Throws<ArgumentException>(() => Losses.WeightedCrossEntropy(logits, zeros(new long[] { 2, 388, 388 }, ScalarType.Int64), ones(2, 1, 388, 388)));
        Assert.Equal("logits [2, 2, 388, 388] need weights [2, 388, 388]; got [2, 1, 388, 388]. (Parameter 'weights')", error.Message);

        error = Assert.Throws<ArgumentException>(() => Losses.WeightedCrossEntropy(zeros(2, 388, 388), zeros(new long[] { 2, 388 }, ScalarType.Int64)));
        Assert.Equal("logits must be [N, C, H, W] or [N, C, D, H, W]; got [2, 388, 388]. (Parameter 'logits')", error.Message);

        error = Assert.Throws<ArgumentException>(() => Losses.CrossEntropyPlusDice(zeros(1, 1, 4, 4), zeros(new long[] { 1, 4, 4 }, ScalarType.Int64)));
        Assert.Equal("logits [1, 1, 4, 4] have 1 class(es); softmax losses need at least 2 (background and foreground). (Parameter 'logits')", error.Message);

        error = Assert.Throws<ArgumentException>(() => Losses.WeightedCrossEntropy(zeros(1, 2, 4, 4), zeros(new long[] { 1, 4, 4 }, ScalarType.Int32)));
        Assert.Equal("The target holds class indices and must be Int64; got Int32. (Parameter 'target')", error.Message);

        error = Assert.Throws<ArgumentException>(() => Losses.WeightedCrossEntropy(zeros(1, 2, 4, 4), full(new long[] { 1, 4, 4 }, 2L, ScalarType.Int64)));
        Assert.Equal("The target holds class 2, but logits [1, 2, 4, 4] have classes 0..1. (Parameter 'target')", error.Message);

        error = Assert.Throws<ArgumentException>(() => Losses.Dice(zeros(1, 2, 4, 4), full(new long[] { 1, 4, 4 }, -1L, ScalarType.Int64)));
        Assert.Equal("The target holds class -1, but logits [1, 2, 4, 4] have classes 0..1. (Parameter 'target')", error.Message);

        error = Assert.Throws<ArgumentException>(() => Losses.WeightedCrossEntropy(zeros(1, 2, 4, 4), zeros(new long[] { 1, 4, 4 }, ScalarType.Int64), ones(new long[] { 1, 4, 4 }, ScalarType.Int64)));
        Assert.Equal("The weights must be floating point; got Int64. (Parameter 'weights')", error.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.Dice(zeros(1, 2, 4, 4), zeros(new long[] { 1, 4, 4 }, ScalarType.Int64), smoothing: -1));
    }

    [Fact]
    public void Losses_leave_no_tensor_behind_but_their_result()
    {
        using var scope = NewDisposeScope();
        var logits = HandLogits(requiresGrad: true);
        var target = HandTarget();
        var weights = ones(1, 2, 2);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        using (var loss = Losses.CrossEntropyPlusDice(logits, target, weights))
        {
            Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            loss.backward();
        }

        // backward gave the logits a gradient; nothing else stays alive.
        using var grad = logits.grad;
        Assert.True(DisposeScopeManager.Statistics.ThreadTotalLiveCount <= before + 1, $"{DisposeScopeManager.Statistics.ThreadTotalLiveCount - before} tensors more than before");
    }
}
