using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers;

/// <summary>
/// A stack of ConvNeXt blocks (Liu et al. 2022, "A ConvNet for the 2020s"), one per entry of its channel list: one
/// level of a U-Net declared with <c>Block = BlockKind.ConvNeXt</c>. Step <c>j</c> computes
/// <c>x = crop(x) + reduce(GELU(expand(norm(depthwise(x)))))</c>, where <c>depthwise{j}</c> is a depthwise
/// convolution with the level's kernel, <c>norm{j}</c> a layer norm over the channels alone (eps 1e-6),
/// <c>expand{j}</c> and <c>reduce{j}</c> 1x1 convolutions to four times the channels and back, and <c>proj{j}</c> a
/// 1x1 convolution in front of the step where the channel count changes. With unpadded (valid) convolutions the
/// residual is centre-cropped to the branch's size.
/// </summary>
/// <remarks>
/// Parameters are registered step by step in the order proj, depthwise, norm, expand, reduce, so named_parameters and
/// the state_dict keys (<c>enc1.proj0.weight</c>, <c>enc1.depthwise0.weight</c>, <c>enc1.norm0.weight</c>, ...) come in
/// the order the PyTorch twin (<c>unetdsl_torch.ConvNeXtBlock</c>) assigns them. The ONNX form is in
/// <c>Interop/Onnx/ConvNeXtBlock.Onnx.cs</c>.
/// </remarks>
public sealed partial class ConvNeXtBlock : nn.Module<Tensor, Tensor>
{
    /// <summary>ConvNeXt's layer-norm epsilon (the reference implementation's, not PyTorch's default 1e-5).</summary>
    public const double NormEpsilon = 1e-6;

    /// <summary>How much wider the inverted bottleneck is than the block.</summary>
    public const int ExpansionRatio = 4;

    private readonly Step[] _steps;
    private readonly nn.Module<Tensor, Tensor> _gelu = nn.GELU();
    private readonly int _dimensions;

    // The permutation that moves the channel axis last, (0, 2, ..., rank-1, 1), and its inverse: the layer norms
    // normalise over channels alone.
    private readonly long[] _channelsLast;
    private readonly long[] _channelsFirst;

    // Unpadded depthwise convolutions shrink the map, so each residual is cropped to the branch's centre.
    private readonly bool _shrinks;

    /// <summary>Builds the stack.</summary>
    /// <param name="name">The module's name.</param>
    /// <param name="dimensions">2 or 3 spatial dimensions.</param>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="channels">Channels of each step, in order; at least one.</param>
    /// <param name="kernelSize">The depthwise kernel size per spatial axis.</param>
    /// <param name="padding">Valid (no padding: each step shrinks the map by kernel - 1) or Same ((kernel - 1) / 2 per side).</param>
    /// <param name="device">Where the parameters live; null for the default device.</param>
    /// <param name="dtype">The parameters' type; null for the default type.</param>
    public ConvNeXtBlock(
        string name,
        int dimensions,
        int inChannels,
        int[] channels,
        int[] kernelSize,
        ConvPadding padding,
        Device? device = null,
        ScalarType? dtype = null)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(kernelSize);
        if (dimensions is not (2 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, "UNetDsl builds 2D and 3D networks only.");
        }

        if (channels.Length == 0 || channels.Any(c => c <= 0) || inChannels <= 0)
        {
            throw new ArgumentException($"A ConvNeXt block needs positive channel counts and at least one step; got {inChannels} -> [{string.Join(", ", channels)}].", nameof(channels));
        }

        if (kernelSize.Length != dimensions || kernelSize.Any(k => k <= 0))
        {
            throw new ArgumentException($"A {dimensions}D ConvNeXt block needs {dimensions} positive kernel sizes; got [{string.Join(", ", kernelSize)}].", nameof(kernelSize));
        }

        _dimensions = dimensions;
        var pad = kernelSize.Select(k => padding == ConvPadding.Same ? (k - 1) / 2 : 0).ToArray();
        _shrinks = kernelSize.Where((k, axis) => k - 1 - (2 * pad[axis]) != 0).Any();
        var rank = dimensions + 2;
        _channelsLast = new long[rank];
        _channelsFirst = new long[rank];
        _channelsLast[rank - 1] = 1;
        for (var axis = 2; axis < rank; axis++)
        {
            _channelsLast[axis - 1] = axis;
        }

        for (var axis = 0; axis < rank; axis++)
        {
            _channelsFirst[_channelsLast[axis]] = axis;
        }

        _steps = new Step[channels.Length];
        var input = inChannels;
        for (var j = 0; j < channels.Length; j++)
        {
            var width = channels[j];

            // Registered one by one, in this order: the state_dict keys follow registration.
            nn.Module<Tensor, Tensor>? proj = null;
            if (input != width)
            {
                proj = Layer.Pointwise(dimensions, input, width, device, dtype);
                register_module("proj" + j, proj);
            }

            var depthwise = Layer.DepthwiseConv(dimensions, width, kernelSize, pad, device, dtype);
            register_module("depthwise" + j, depthwise);
            var norm = Layer.ChannelLayerNorm(width, NormEpsilon, device, dtype);
            register_module("norm" + j, norm);
            var expand = Layer.Pointwise(dimensions, width, ExpansionRatio * width, device, dtype);
            register_module("expand" + j, expand);
            var reduce = Layer.Pointwise(dimensions, ExpansionRatio * width, width, device, dtype);
            register_module("reduce" + j, reduce);
            _steps[j] = new Step(proj, depthwise, norm, expand, reduce);
            input = width;
        }
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = input;
        foreach (var step in _steps)
        {
            if (step.Proj is not null)
            {
                x = step.Proj.call(x);
            }

            var branch = step.Reduce.call(_gelu.call(step.Expand.call(NormalizeChannels(step.Norm, step.Depthwise.call(x)))));

            // In place: a convolution's backward does not read its own output. Valid padding shrank the branch, so
            // the residual is its centre.
            x = branch.add_(Layer.CenterCrop(x, branch));
        }

        return scope.MoveToOuter(x);
    }

    /// <summary>
    /// Layer norm over the channel axis of an (N, C, spatial...) map, as ConvNeXt's channels-first LayerNorm: channels
    /// moved last, normalised, moved back. On a channels-last map both permutes are free views.
    /// </summary>
    private Tensor NormalizeChannels(TorchSharp.Modules.LayerNorm norm, Tensor map)
    {
        using var channelsLast = map.permute(_channelsLast);
        using var normalized = norm.call(channelsLast);
        return normalized.permute(_channelsFirst);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var step in _steps)
            {
                step.Proj?.Dispose();
                step.Depthwise.Dispose();
                step.Norm.Dispose();
                step.Expand.Dispose();
                step.Reduce.Dispose();
            }

            _gelu.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The submodules of one step; <paramref name="Proj"/> is null where the channels stay.</summary>
    private sealed record Step(
        nn.Module<Tensor, Tensor>? Proj,
        nn.Module<Tensor, Tensor> Depthwise,
        TorchSharp.Modules.LayerNorm Norm,
        nn.Module<Tensor, Tensor> Expand,
        nn.Module<Tensor, Tensor> Reduce);
}
