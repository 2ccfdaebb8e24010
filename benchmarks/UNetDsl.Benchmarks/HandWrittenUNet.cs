using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Benchmarks;

/// <summary>
/// The paper's U-Net written by hand in TorchSharp, layer for layer the same as the generated <see cref="PaperNet"/>
/// (two unpadded 3x3 convolutions with ReLU per level, 2x2 max-pooling, 2x2 up-convolutions, centre-cropped
/// skips, dropout after the bottleneck, a 1x1 head): the yardstick for the generated code. The options make the
/// same hand-written model the twin of the 3D networks benchmarked: Cicek et al.'s channel doubling before each
/// pooling, padded convolutions, and per-level kernels and pooling for anisotropic volumes.
/// </summary>
public sealed class HandWrittenUNet : nn.Module<Tensor, Tensor>
{
    private readonly List<nn.Module<Tensor, Tensor>> _encoders = new();
    private readonly List<nn.Module<Tensor, Tensor>> _pools = new();
    private readonly List<nn.Module<Tensor, Tensor>> _ups = new();
    private readonly List<nn.Module<Tensor, Tensor>> _decoders = new();
    private readonly nn.Module<Tensor, Tensor> _bottleneck;
    private readonly nn.Module<Tensor, Tensor>? _dropout;
    private readonly nn.Module<Tensor, Tensor> _head;

    /// <param name="dimensions">2 or 3.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="classes">Output channels.</param>
    /// <param name="channels">Channels per level, finest first, the bottleneck's last.</param>
    /// <param name="batchNorm">Batch norm after every convolution (and no convolution bias).</param>
    /// <param name="keepUpChannels">Up-convolutions keep their input's channels instead of halving them (Cicek et al.).</param>
    /// <param name="doubleBeforePooling">The first convolution of each encoder level and of the bottleneck has half the
    /// level's channels, the second doubles them (Cicek et al.: 32 then 64).</param>
    /// <param name="samePadding">Zero-pad every convolution to keep the size, instead of the paper's unpadded ones.</param>
    /// <param name="dropout">Dropout after the bottleneck; 0 for none.</param>
    /// <param name="kernels">Kernel per axis of each level's convolutions (encoder and decoder), the bottleneck's last;
    /// null for 3 everywhere.</param>
    /// <param name="pools">Pooling factors per axis below each level (and up-sampling back into it); null for 2 everywhere.</param>
    public HandWrittenUNet(
        int dimensions = 2,
        int inChannels = 1,
        int classes = 2,
        int[]? channels = null,
        bool batchNorm = false,
        bool keepUpChannels = false,
        bool doubleBeforePooling = false,
        bool samePadding = false,
        double dropout = 0.5,
        int[][]? kernels = null,
        int[][]? pools = null)
        : base(nameof(HandWrittenUNet))
    {
        channels ??= new[] { 64, 128, 256, 512, 1024 };
        int[] Kernel(int level) => kernels?[level] ?? Fill(dimensions, 3);
        int[] Pool(int level) => pools?[level] ?? Fill(dimensions, 2);
        int First(int level) => doubleBeforePooling ? channels[level] / 2 : channels[level];

        var input = inChannels;
        for (var i = 0; i < channels.Length - 1; i++)
        {
            var block = Block(dimensions, input, First(i), channels[i], Kernel(i), batchNorm, samePadding);
            _encoders.Add(block);
            register_module("enc" + (i + 1), block);
            _pools.Add(dimensions == 2 ? nn.MaxPool2d(Pair(Pool(i)), Pair(Pool(i))) : nn.MaxPool3d(Triple(Pool(i)), Triple(Pool(i))));
            input = channels[i];
        }

        var bottom = channels.Length - 1;
        _bottleneck = Block(dimensions, input, First(bottom), channels[bottom], Kernel(bottom), batchNorm, samePadding);
        register_module("bottleneck", _bottleneck);
        if (dropout > 0)
        {
            _dropout = nn.Dropout(dropout);
        }

        var below = channels[bottom];
        for (var i = channels.Length - 2; i >= 0; i--)
        {
            var upChannels = keepUpChannels ? below : channels[i];
            var factors = Pool(i);
            nn.Module<Tensor, Tensor> up = dimensions == 2
                ? nn.ConvTranspose2d(below, upChannels, Pair(factors), stride: Pair(factors))
                : nn.ConvTranspose3d(below, upChannels, Triple(factors), stride: Triple(factors));
            var decoder = Block(dimensions, upChannels + channels[i], channels[i], channels[i], Kernel(i), batchNorm, samePadding);
            _ups.Insert(0, up);
            _decoders.Insert(0, decoder);
            register_module("up" + (i + 1), up);
            register_module("dec" + (i + 1), decoder);
            below = channels[i];
        }

        _head = dimensions == 2 ? nn.Conv2d(channels[0], classes, 1) : nn.Conv3d(channels[0], classes, 1);
        register_module("head", _head);
    }

    private static nn.Module<Tensor, Tensor> Block(int dimensions, int input, int first, int output, int[] kernel, bool batchNorm, bool samePadding)
    {
        var padding = Array.ConvertAll(kernel, k => samePadding ? (k - 1) / 2 : 0);
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (var i = 0; i < 2; i++)
        {
            var from = i == 0 ? input : first;
            var to = i == 0 ? first : output;
            layers.Add(("conv" + (i + 1), dimensions == 2
                ? nn.Conv2d(from, to, Pair(kernel), padding: Pair(padding), bias: !batchNorm)
                : nn.Conv3d(from, to, Triple(kernel), padding: Triple(padding), bias: !batchNorm)));
            if (batchNorm)
            {
                layers.Add(("norm" + (i + 1), dimensions == 2 ? nn.BatchNorm2d(to) : nn.BatchNorm3d(to)));
            }

            layers.Add(("relu" + (i + 1), nn.ReLU(inplace: true)));
        }

        return nn.Sequential(layers);
    }

    private static int[] Fill(int count, int value) => Array.ConvertAll(new int[count], _ => value);

    private static (long, long) Pair(int[] values) => (values[0], values[1]);

    private static (long, long, long) Triple(int[] values) => (values[0], values[1], values[2]);

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var skips = new List<Tensor>();
        var x = input;
        for (var i = 0; i < _encoders.Count; i++)
        {
            var skip = _encoders[i].call(x);
            skips.Add(skip);
            x = _pools[i].call(skip);
        }

        x = _bottleneck.call(x);
        if (_dropout is not null)
        {
            x = _dropout.call(x);
        }

        for (var i = _ups.Count - 1; i >= 0; i--)
        {
            var up = _ups[i].call(x);
            var skip = skips[i];
            for (var axis = 2; axis < skip.dim(); axis++)
            {
                var offset = (skip.shape[axis] - up.shape[axis]) / 2;
                skip = skip.narrow(axis, offset, up.shape[axis]);
            }

            x = _decoders[i].call(cat(new[] { skip, up }, 1));
        }

        return scope.MoveToOuter(_head.call(x));
    }
}
