using System;
using System.Linq;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Training.Tests.Numerics;

public class InitializationTests
{
    [Fact]
    public void Convolution_weights_have_std_sqrt_2_over_fan_in_and_zero_biases()
    {
        using var scope = NewDisposeScope();
        using var conv2d = nn.Conv2d(64, 128, 3);                       // fan-in 64 * 9
        using var conv3d = nn.Conv3d(16, 32, 3);                        // fan-in 16 * 27
        using var up2d = nn.ConvTranspose2d(128, 64, 2, stride: 2);     // fan-in 128 (2x2 kernel, stride 2)
        using var up3d = nn.ConvTranspose3d(64, 32, 2, stride: 2);      // fan-in 64
        using var model = nn.Sequential(("conv2d", conv2d), ("conv3d", conv3d), ("up2d", up2d), ("up3d", up3d));
        using var generator = new Generator(1);

        var count = Initialization.He(model, generator);

        Assert.Equal(4, count);
        foreach (var (conv, fanIn) in new (Convolution, long)[] { (conv2d, 64 * 9), (conv3d, 16 * 27), (up2d, 128), (up3d, 64) })
        {
            Assert.Equal(fanIn, Initialization.FanIn(conv));
            var expected = Math.Sqrt(2.0 / fanIn);
            var std = conv.weight!.std().item<float>();
            Assert.InRange(std, expected * 0.9, expected * 1.1);
            Assert.InRange(conv.weight!.mean().item<float>(), -0.1 * expected, 0.1 * expected);
            Assert.Equal(0f, conv.bias!.abs().sum().item<float>());
        }
    }

    [Fact]
    public void Nested_convolutions_are_found_and_other_layers_keep_theirs()
    {
        using var scope = NewDisposeScope();
        using var inner = nn.Sequential(("conv", nn.Conv2d(8, 8, 3)), ("norm", nn.BatchNorm2d(8)));
        using var linear = nn.Linear(10, 10);
        using var model = nn.Sequential(("block", inner), ("head", nn.Conv2d(8, 2, 1)), ("linear", linear));
        using var linearBefore = linear.weight!.clone();

        var count = Initialization.He(model, seed: 5);

        Assert.Equal(2, count);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(0f, parameters["head.bias"].abs().sum().item<float>());
        Assert.Equal(0f, parameters["block.conv.bias"].abs().sum().item<float>());
        Assert.Equal(8f, parameters["block.norm.weight"].sum().item<float>());
        Assert.True(linear.weight!.eq(linearBefore).all().item<bool>());
        Assert.True(parameters["block.conv.weight"].requires_grad);
    }

    [Fact]
    public void A_seed_gives_the_same_weights_and_another_seed_others()
    {
        using var scope = NewDisposeScope();
        using var a = nn.Conv2d(4, 4, 3);
        using var b = nn.Conv2d(4, 4, 3);
        using var c = nn.Conv2d(4, 4, 3);

        // A bare convolution is its own only module.
        Assert.Equal(1, Initialization.He(a, seed: 123));
        Initialization.He(b, seed: 123);
        Initialization.He(c, seed: 124);

        Assert.True(a.weight!.eq(b.weight!).all().item<bool>());
        Assert.False(a.weight!.eq(c.weight!).all().item<bool>());
    }

    [Fact]
    public void Fan_in_counts_groups_and_the_stride_of_transposed_convolutions()
    {
        using var grouped = nn.Conv2d(16, 32, 3, groups: 4);                   // 16 / 4 * 9
        using var up = nn.ConvTranspose2d(32, 16, 4, stride: 2);               // 32 * 16 / 4
        using var upGrouped = nn.ConvTranspose2d(32, 16, 2, stride: 2, groups: 2); // 32 / 2
        using var sameStride = nn.ConvTranspose2d(8, 8, 3);                    // 8 * 9: stride 1 reads the whole kernel

        Assert.Equal(36, Initialization.FanIn(grouped));
        Assert.Equal(128, Initialization.FanIn(up));
        Assert.Equal(16, Initialization.FanIn(upGrouped));
        Assert.Equal(72, Initialization.FanIn(sameStride));
    }
}
