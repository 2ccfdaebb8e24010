using System;
using System.Linq;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Training.Tests.Numerics;

public class OptimizersTests
{
    [Fact]
    public void Paper_sgd_carries_momentum_0_99()
    {
        // A constant gradient of 1: the second step moves by lr * (0.99 * 1 + 1).
        using var scope = NewDisposeScope();
        var x = new Parameter(zeros(1));
        using var optimizer = Optimizers.Sgd(new[] { x }, learningRate: 0.1);
        for (var step = 0; step < 2; step++)
        {
            optimizer.zero_grad();
            x.sum().backward();
            optimizer.step();
        }

        Assert.Equal(-0.1 * (1 + 1.99), x.item<float>(), 5);
        Assert.Equal(0.99, Optimizers.PaperMomentum);
    }

    [Fact]
    public void Adam_takes_a_first_step_of_the_learning_rate()
    {
        // Adam's first update is lr * g / |g| (bias-corrected moments), whatever the gradient's size.
        using var scope = NewDisposeScope();
        var x = new Parameter(zeros(2));
        using var optimizer = Optimizers.Adam(new[] { x }, learningRate: 0.01);

        x.mul(tensor(new float[] { 5, -0.2f })).sum().backward();
        optimizer.step();

        var values = x.data<float>().ToArray();
        Assert.Equal(-0.01, values[0], 5);
        Assert.Equal(0.01, values[1], 5);
        Assert.All(optimizer.ParamGroups, group => Assert.Equal(0.01, group.LearningRate));
    }
}
