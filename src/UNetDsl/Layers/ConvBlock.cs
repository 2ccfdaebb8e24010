using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers;

/// <summary>
/// A stack of convolutions, each followed by its normalisation and activation: one level of a U-Net's encoder or
/// decoder, or its bottleneck. Submodules are named <c>conv1</c>, <c>norm1</c>, <c>conv2</c>, ... so that state_dict keys
/// read like PyTorch's (<c>enc1.conv1.weight</c>, <c>enc1.norm1.running_mean</c>).
/// </summary>
public sealed class ConvBlock : nn.Module<Tensor, Tensor>
{
    private readonly List<nn.Module<Tensor, Tensor>> _steps = new();

    /// <summary>Builds the stack.</summary>
    /// <param name="name">The module's name.</param>
    /// <param name="dimensions">2 or 3 spatial dimensions.</param>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="channels">Output channels of each convolution, in order.</param>
    /// <param name="kernelSize">Kernel size along every axis.</param>
    /// <param name="padding">Valid (no padding) or Same (zero padding keeping the size).</param>
    /// <param name="normalization">The normalisation after each convolution.</param>
    /// <param name="normGroups">Groups of group normalisation.</param>
    /// <param name="activation">The activation after each normalisation.</param>
    /// <param name="device">Where the parameters live; null for the default device.</param>
    /// <param name="dtype">The parameters' type; null for the default type.</param>
    public ConvBlock(
        string name,
        int dimensions,
        int inChannels,
        int[] channels,
        int kernelSize,
        ConvPadding padding,
        Normalization normalization,
        int normGroups,
        Activation activation,
        Device? device = null,
        ScalarType? dtype = null)
        : base(name)
    {
        var pad = padding == ConvPadding.Same ? (kernelSize - 1) / 2 : 0;
        var bias = normalization == Normalization.None;
        var input = inChannels;
        for (var i = 0; i < channels.Length; i++)
        {
            var output = channels[i];
            var conv = Layer.Conv(dimensions, input, output, kernelSize, stride: 1, pad, bias, device, dtype);
            register_module("conv" + (i + 1), conv);
            _steps.Add(conv);
            if (Layer.Norm(dimensions, normalization, output, normGroups, device, dtype) is { } norm)
            {
                register_module("norm" + (i + 1), norm);
                _steps.Add(norm);
            }

            _steps.Add(Layer.Activation(activation));
            input = output;
        }
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        // Each intermediate is disposed as soon as the next step has consumed it: in a deep level these maps are the
        // largest tensors of the network, and holding them until the caller's scope ends doubles peak memory.
        var current = input;
        foreach (var step in _steps)
        {
            var next = step.call(current);
            if (!ReferenceEquals(current, input))
            {
                current.Dispose();
            }

            current = next;
        }

        return ReferenceEquals(current, input) ? input.alias() : current;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var step in _steps)
            {
                step.Dispose();
            }

            _steps.Clear();
        }

        base.Dispose(disposing);
    }
}
