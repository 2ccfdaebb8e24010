using System;
using System.Collections.Generic;
using TorchSharp;
using UNetDsl.Interop.Onnx;
using static TorchSharp.torch;

namespace UNetDsl.Layers;

/// <summary>
/// A stack of convolutions, each followed by its normalisation and activation: one level of a U-Net's encoder or
/// decoder, or its bottleneck. Submodules are named <c>conv1</c>, <c>norm1</c>, <c>conv2</c>, ... so that state_dict keys
/// read like PyTorch's (<c>enc1.conv1.weight</c>, <c>enc1.norm1.running_mean</c>). A residual block adds its input
/// before the last activation, through <c>proj</c> (a 1x1 convolution, with <c>proj_norm</c>) where channels change.
/// </summary>
public sealed class ConvBlock : nn.Module<Tensor, Tensor>
{
    private readonly List<nn.Module<Tensor, Tensor>> _steps = new();
    private readonly nn.Module<Tensor, Tensor>? proj;
    private readonly nn.Module<Tensor, Tensor>? proj_norm;
    private readonly nn.Module<Tensor, Tensor>? _finalActivation;
    private readonly int _dimensions;
    private readonly int[] _kernel;
    private readonly int[] _padding;
    private List<nn.Module<Tensor, Tensor>>? _folded;

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

    /// <summary>
    /// Runs the block on the channel concatenation of <paramref name="skip"/> and <paramref name="up"/> without
    /// materialising it: the first convolution is the sum of two convolutions, one with the weight's channels for the
    /// skip and one with those for the up-sampled map (the same function, up to float rounding). Backward then keeps
    /// the two inputs, which exist anyway, instead of a concatenated copy of both. A checkpointed decoder level runs
    /// this way, where the copy would be the largest tensor it recomputes. Residual blocks, which add their whole
    /// input, and evaluation mode concatenate as usual.
    /// </summary>
    /// <param name="skip">The skip, cropped to the size of <paramref name="up"/>.</param>
    /// <param name="up">The up-sampled coarser map.</param>
    public Tensor ForwardConcatenated(Tensor skip, Tensor up)
    {
        if (_finalActivation is not null || !training || _steps[0] is not TorchSharp.Modules.Convolution conv || skip.shape[1] >= conv.weight!.shape[1])
        {
            using var joined = torch.cat(new[] { skip, up }, 1);
            return forward(joined);
        }

        var skipChannels = skip.shape[1];
        var padding = Array.ConvertAll(_padding, p => (long)p);
        Tensor current;
        using (var weightSkip = conv.weight.narrow(1, 0, skipChannels))
        using (var weightUp = conv.weight.narrow(1, skipChannels, conv.weight.shape[1] - skipChannels))
        using (var fromUp = Convolve(up, weightUp, null, padding))
        {
            // In place: a convolution's backward does not read its own output.
            current = Convolve(skip, weightSkip, conv.bias, padding).add_(fromUp);
        }

        for (var i = 1; i < _steps.Count; i++)
        {
            var next = _steps[i].call(current);
            current.Dispose();
            current = next;
        }

        return current;
    }

    private Tensor Convolve(Tensor input, Tensor weight, Tensor? bias, long[] padding) => _dimensions == 2
        ? nn.functional.conv2d(input, weight, bias, padding: padding)
        : nn.functional.conv3d(input, weight, bias, padding: padding);

    /// <summary>
    /// Folds every batch norm into the convolution before it, with the norm's current running statistics: in
    /// evaluation mode the block then runs one convolution where it ran a convolution and a norm, and every convolution
    /// from a channels-last copy. Switching to training mode drops the copies; call again after further training. The
    /// state_dict does not change.
    /// </summary>
    /// <returns>The number of norms folded.</returns>
    public int FoldBatchNorm()
    {
        DisposeFolded();
        var folded = new List<nn.Module<Tensor, Tensor>>();
        var count = 0;
        using (torch.no_grad())
        {
            for (var i = 0; i < _steps.Count; i++)
            {
                if (_steps[i] is TorchSharp.Modules.Convolution conv && i + 1 < _steps.Count && _steps[i + 1] is TorchSharp.Modules.BatchNorm norm)
                {
                    // y = gamma (W x + b - mean) / sqrt(var + eps) + beta = (scale W) x + (b - mean) scale + beta.
                    var scale = norm.weight!.div(norm.running_var!.add(norm.eps).sqrt());
                    var shape = new long[conv.weight!.dim()];
                    Array.Fill(shape, 1L);
                    shape[0] = -1;
                    var bias = conv.bias is null ? norm.running_mean!.neg() : conv.bias.sub(norm.running_mean!);
                    folded.Add(InferenceConv(conv, conv.weight.mul(scale.view(shape)), bias.mul(scale).add(norm.bias!)));
                    i++;
                    count++;
                }
                else if (_steps[i] is TorchSharp.Modules.Convolution plain)
                {
                    folded.Add(InferenceConv(plain, plain.weight!, plain.bias));
                }
                else
                {
                    folded.Add(_steps[i]);
                }
            }
        }

        _folded = folded;
        return count;
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
        using (var scope = torch.NewDisposeScope())
        {
            var identity = proj is null ? input : proj.call(input);
            if (proj_norm is not null)
            {
                identity = proj_norm.call(identity);
            }

            var sum = current.add_(Layer.CenterCrop(identity, current));
            current = scope.MoveToOuter(_finalActivation.call(sum));
        }

        return current;
    }

    /// <summary>
    /// A convolution shaped like <paramref name="like"/> holding <paramref name="weight"/> and <paramref name="bias"/>
    /// in channels-last strides, the layout inference measures fastest with. It is a copy: the registered parameters
    /// keep their layout, so the state_dict saves as before, at the cost of one more copy of the weights while prepared.
    /// </summary>
    private TorchSharp.Modules.Convolution InferenceConv(TorchSharp.Modules.Convolution like, Tensor weight, Tensor? bias)
    {
        var copy = (TorchSharp.Modules.Convolution)Layer.Conv(_dimensions, (int)like.in_channels, (int)like.out_channels, _kernel, _padding, bias: bias is not null, weight.device, weight.dtype);
        copy.weight!.copy_(weight);
        if (bias is not null)
        {
            copy.bias!.copy_(bias);
        }

        Layer.UseChannelsLast(copy);
        return copy;
    }

    /// <summary>
    /// Adds this block's ONNX nodes to <paramref name="graph"/> with evaluation-mode semantics: batch norm with its
    /// running statistics, or folded into the convolution when <see cref="FoldBatchNorm"/> has run (as the
    /// evaluation-mode forward does). Weights are copied from the live parameters; initializers take the block's
    /// state_dict names (<c>enc1.conv1.weight</c>).
    /// </summary>
    /// <param name="graph">The graph to add to.</param>
    /// <param name="input">The name of the block's input value.</param>
    /// <returns>The name of the block's output value.</returns>
    public string AppendTo(OnnxGraphBuilder graph, string input)
    {
        var prefix = GetName();
        var current = input;
        var index = 0;
        foreach (var step in _folded ?? _steps)
        {
            string name;
            if (step is TorchSharp.Modules.Convolution)
            {
                index++;
                name = "conv" + index;
            }
            else
            {
                name = (step is TorchSharp.Modules.BatchNorm or TorchSharp.Modules.InstanceNorm or TorchSharp.Modules.GroupNorm ? "norm" : "act") + index;
            }

            current = OnnxModules.Append(graph, step, current, prefix + "." + name);
        }

        if (_finalActivation is null)
        {
            return current;
        }

        var identity = input;
        if (proj is not null)
        {
            identity = OnnxModules.Append(graph, proj, identity, prefix + ".proj");
        }

        if (proj_norm is not null)
        {
            identity = OnnxModules.Append(graph, proj_norm, identity, prefix + ".proj_norm");
        }

        // Unpadded convolutions shrink the map: crop the identity to the output's centre, as forward does.
        var shrinks = false;
        for (var axis = 0; axis < _kernel.Length; axis++)
        {
            shrinks |= _kernel[axis] - 1 - (2 * _padding[axis]) != 0;
        }

        if (shrinks)
        {
            identity = graph.CenterCrop(identity, current, _dimensions, prefix + "/identity_crop");
        }

        var sum = graph.Add(current, identity, prefix + "/residual");
        return OnnxModules.Append(graph, _finalActivation, sum, prefix + ".act" + index);
    }

    /// <inheritdoc />
    /// <remarks>Switching to training drops the inference copies, which further training would leave stale.</remarks>
    public override void train(bool on = true)
    {
        if (on)
        {
            DisposeFolded();
        }

        base.train(on);
    }

    private void DisposeFolded()
    {
        if (_folded is null)
        {
            return;
        }

        // Only the fused convolutions belong to the folded list alone; the rest are shared with _steps.
        foreach (var step in _folded)
        {
            if (!_steps.Contains(step))
            {
                step.Dispose();
            }
        }

        _folded = null;
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
