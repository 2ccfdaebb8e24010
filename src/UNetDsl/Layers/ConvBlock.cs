using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers;

/// <summary>
/// A stack of convolutions, each followed by its normalisation and activation: one level of a U-Net's encoder or
/// decoder, or its bottleneck. Submodules are named <c>conv1</c>, <c>norm1</c>, <c>conv2</c>, ... so that state_dict keys
/// read like PyTorch's (<c>enc1.conv1.weight</c>, <c>enc1.norm1.running_mean</c>). A residual block adds its input
/// before the last activation, through <c>proj</c> (a 1x1 convolution, with <c>proj_norm</c>) where channels change.
/// </summary>
/// <remarks>
/// This file holds the block and its plain forward. Beside it: the concatenation-free decoder path
/// (<c>ConvBlock.Concatenated.cs</c>), the batch-norm folding for inference (<c>ConvBlock.BatchNormFolding.cs</c>)
/// and the ONNX emission (<c>Interop/Onnx/ConvBlock.Onnx.cs</c>).
/// </remarks>
public sealed partial class ConvBlock : nn.Module<Tensor, Tensor>
{
    private readonly List<nn.Module<Tensor, Tensor>> _steps = new();
    private readonly nn.Module<Tensor, Tensor>? proj;
    private readonly nn.Module<Tensor, Tensor>? proj_norm;
    private readonly nn.Module<Tensor, Tensor>? _finalActivation;
    private readonly int _dimensions;
    private readonly int[] _kernel;
    private readonly int[] _padding;

    /// <summary>Builds the stack.</summary>
    /// <param name="name">The module's name.</param>
    /// <param name="dimensions">2 or 3 spatial dimensions.</param>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="channels">Output channels of each convolution, in order.</param>
    /// <param name="kernelSize">Kernel size per spatial axis.</param>
    /// <param name="padding">Valid (no padding) or Same (zero padding keeping the size).</param>
    /// <param name="normalization">The normalisation after each convolution.</param>
    /// <param name="normGroups">Groups of group normalisation.</param>
    /// <param name="activation">The activation after each normalisation.</param>
    /// <param name="residual">Build a residual block.</param>
    /// <param name="device">Where the parameters live; null for the default device.</param>
    /// <param name="dtype">The parameters' type; null for the default type.</param>
    public ConvBlock(
        string name,
        int dimensions,
        int inChannels,
        int[] channels,
        int[] kernelSize,
        ConvPadding padding,
        Normalization normalization,
        int normGroups,
        Activation activation,
        bool residual = false,
        Device? device = null,
        ScalarType? dtype = null)
        : base(name)
    {
        var pad = new int[kernelSize.Length];
        for (var axis = 0; axis < pad.Length; axis++)
        {
            pad[axis] = padding == ConvPadding.Same ? (kernelSize[axis] - 1) / 2 : 0;
        }

        _dimensions = dimensions;
        _kernel = kernelSize;
        _padding = pad;
        var bias = normalization == Normalization.None;
        var input = inChannels;
        for (var i = 0; i < channels.Length; i++)
        {
            var output = channels[i];
            var conv = Layer.Conv(dimensions, input, output, kernelSize, pad, bias, device, dtype);
            register_module("conv" + (i + 1), conv);
            _steps.Add(conv);
            if (Layer.Norm(dimensions, normalization, output, normGroups, device, dtype) is { } norm)
            {
                register_module("norm" + (i + 1), norm);
                _steps.Add(norm);
            }

            // A residual block's last activation comes after the addition.
            if (residual && i == channels.Length - 1)
            {
                _finalActivation = Layer.Activation(activation);
            }
            else
            {
                _steps.Add(Layer.Activation(activation));
            }

            input = output;
        }

        if (residual && inChannels != input)
        {
            var ones = new int[kernelSize.Length];
            Array.Fill(ones, 1);
            proj = Layer.Conv(dimensions, inChannels, input, ones, new int[kernelSize.Length], bias, device, dtype);
            register_module("proj", proj);
            proj_norm = Layer.Norm(dimensions, normalization, input, normGroups, device, dtype);
            if (proj_norm is not null)
            {
                register_module("proj_norm", proj_norm);
            }
        }
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        // Each intermediate is disposed as soon as the next step has consumed it: in a deep level these maps are the
        // largest tensors of the network, and holding them until the caller's scope ends doubles peak memory.
        var current = input;
        foreach (var step in !training && _folded is not null ? _folded : _steps)
        {
            var next = step.call(current);
            if (!ReferenceEquals(current, input))
            {
                current.Dispose();
            }

            current = next;
        }

        if (_finalActivation is null)
        {
            return ReferenceEquals(current, input) ? input.alias() : current;
        }

        // Residual: add the (projected, centre-cropped) input, then activate.
        Tensor activated;
        using (var scope = torch.NewDisposeScope())
        {
            var identity = proj is null ? input : proj.call(input);
            if (proj_norm is not null)
            {
                identity = proj_norm.call(identity);
            }

            var sum = current.add_(Layer.CenterCrop(identity, current));
            activated = scope.MoveToOuter(_finalActivation.call(sum));
        }

        // The pre-activation sum is released here, not by the caller's scope at the end of the whole forward pass
        // (an in-place activation returns it as the result, and autograd keeps what backward needs on its own).
        if (!ReferenceEquals(current, input) && !ReferenceEquals(current, activated))
        {
            current.Dispose();
        }

        return activated;
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
            DisposeFolded();
            proj?.Dispose();
            proj_norm?.Dispose();
            _finalActivation?.Dispose();
        }

        base.Dispose(disposing);
    }
}
