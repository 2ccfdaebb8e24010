using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Benchmarks;

/// <summary>
/// The paper's U-Net written by hand in TorchSharp, layer for layer the same as the generated <see cref="PaperNet"/>
/// (two unpadded 3x3 convolutions with ReLU per level, 2x2 max-pooling, 2x2 up-convolutions, centre-cropped
/// skips, dropout after the bottleneck, a 1x1 head): the yardstick for the generated code.
/// </summary>
public sealed class HandWrittenUNet : nn.Module<Tensor, Tensor>
{
    private readonly List<nn.Module<Tensor, Tensor>> _encoders = new();
    private readonly List<nn.Module<Tensor, Tensor>> _ups = new();
    private readonly List<nn.Module<Tensor, Tensor>> _decoders = new();
    private readonly nn.Module<Tensor, Tensor> _pool;
    private readonly nn.Module<Tensor, Tensor> _bottleneck;
    private readonly nn.Module<Tensor, Tensor> _dropout;
    private readonly nn.Module<Tensor, Tensor> _head;

    public HandWrittenUNet(int dimensions = 2, int inChannels = 1, int classes = 2, int[]? channels = null, bool batchNorm = false, bool keepUpChannels = false)
        : base(nameof(HandWrittenUNet))
    {
        channels ??= new[] { 64, 128, 256, 512, 1024 };
        var input = inChannels;
        for (var i = 0; i < channels.Length - 1; i++)
        {
            var block = Block(dimensions, input, channels[i], batchNorm);
            _encoders.Add(block);
            register_module("enc" + (i + 1), block);
            input = channels[i];
        }

        _pool = dimensions == 2 ? nn.MaxPool2d(2, 2) : nn.MaxPool3d(2, 2);
        _bottleneck = Block(dimensions, input, channels[^1], batchNorm);
        register_module("bottleneck", _bottleneck);
        _dropout = nn.Dropout(0.5);
        var below = channels[^1];
        for (var i = channels.Length - 2; i >= 0; i--)
        {
            var upChannels = keepUpChannels ? below : channels[i];
            nn.Module<Tensor, Tensor> up = dimensions == 2 ? nn.ConvTranspose2d(below, upChannels, 2, stride: 2) : nn.ConvTranspose3d(below, upChannels, 2, stride: 2);
            var decoder = Block(dimensions, upChannels + channels[i], channels[i], batchNorm);
            _ups.Insert(0, up);
            _decoders.Insert(0, decoder);
            register_module("up" + (i + 1), up);
            register_module("dec" + (i + 1), decoder);
            below = channels[i];
        }

        _head = dimensions == 2 ? nn.Conv2d(channels[0], classes, 1) : nn.Conv3d(channels[0], classes, 1);
        register_module("head", _head);
    }

    private static nn.Module<Tensor, Tensor> Block(int dimensions, int input, int output, bool batchNorm)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (var i = 0; i < 2; i++)
        {
            var from = i == 0 ? input : output;
            layers.Add(("conv" + (i + 1), dimensions == 2 ? nn.Conv2d(from, output, 3, bias: !batchNorm) : nn.Conv3d(from, output, 3, bias: !batchNorm)));
            if (batchNorm)
            {
                layers.Add(("norm" + (i + 1), dimensions == 2 ? nn.BatchNorm2d(output) : nn.BatchNorm3d(output)));
            }

            layers.Add(("relu" + (i + 1), nn.ReLU(inplace: true)));
        }

        return nn.Sequential(layers);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var skips = new List<Tensor>();
        var x = input;
        foreach (var encoder in _encoders)
        {
            var skip = encoder.call(x);
            skips.Add(skip);
            x = _pool.call(skip);
        }

        x = _dropout.call(_bottleneck.call(x));
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
