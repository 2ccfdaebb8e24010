using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers;

/// <summary>Factories that pick the 2D or 3D TorchSharp layer for a U-Net's dimension count.</summary>
public static class Layer
{
    /// <summary>A convolution with a per-axis kernel and zero padding, stride 1.</summary>
    public static nn.Module<Tensor, Tensor> Conv(int dimensions, int inChannels, int outChannels, int[] kernelSize, int[] padding, bool bias, Device? device = null, ScalarType? dtype = null) =>
        dimensions switch
        {
            2 => nn.Conv2d(inChannels, outChannels, (kernelSize[0], kernelSize[1]), padding: (padding[0], padding[1]), bias: bias, device: device, dtype: dtype),
            3 => nn.Conv3d(inChannels, outChannels, (kernelSize[0], kernelSize[1], kernelSize[2]), padding: (padding[0], padding[1], padding[2]), bias: bias, device: device, dtype: dtype),
            _ => throw Unsupported(dimensions),
        };

    /// <summary>A 1x1 (1x1x1) convolution with bias.</summary>
    public static nn.Module<Tensor, Tensor> Pointwise(int dimensions, int inChannels, int outChannels, Device? device = null, ScalarType? dtype = null) =>
        Conv(dimensions, inChannels, outChannels, Ones(dimensions), new int[dimensions], bias: true, device, dtype);

    /// <summary>The transposed convolution with kernel = stride = <paramref name="factors"/> that undoes a pooling.</summary>
    public static nn.Module<Tensor, Tensor> UpConv(int dimensions, int inChannels, int outChannels, int[] factors, Device? device = null, ScalarType? dtype = null) =>
        dimensions switch
        {
            2 => nn.ConvTranspose2d(inChannels, outChannels, (factors[0], factors[1]), stride: (factors[0], factors[1]), device: device, dtype: dtype),
            3 => nn.ConvTranspose3d(inChannels, outChannels, (factors[0], factors[1], factors[2]), stride: (factors[0], factors[1], factors[2]), device: device, dtype: dtype),
            _ => throw Unsupported(dimensions),
        };

    /// <summary>Max-pooling with kernel = stride = <paramref name="factors"/>.</summary>
    public static nn.Module<Tensor, Tensor> MaxPool(int dimensions, int[] factors) =>
        dimensions switch
        {
            2 => nn.MaxPool2d((factors[0], factors[1]), (factors[0], factors[1])),
            3 => nn.MaxPool3d((factors[0], factors[1], factors[2]), (factors[0], factors[1], factors[2])),
            _ => throw Unsupported(dimensions),
        };

    /// <summary>2x2 (2x2x2) max-pooling with stride 2.</summary>
    public static nn.Module<Tensor, Tensor> MaxPool(int dimensions) => MaxPool(dimensions, Twos(dimensions));

    /// <summary>Bilinear (trilinear) interpolation by <paramref name="factors"/> per axis, with half-pixel centres.</summary>
    public static nn.Module<Tensor, Tensor> Upsample(int dimensions, int[] factors) =>
        nn.Upsample(
            scale_factor: Array.ConvertAll(factors, f => (double)f),
            mode: dimensions switch { 2 => UpsampleMode.Bilinear, 3 => UpsampleMode.Trilinear, _ => throw Unsupported(dimensions) },
            align_corners: false);

    private static int[] Ones(int dimensions) => dimensions == 3 ? new[] { 1, 1, 1 } : new[] { 1, 1 };

    private static int[] Twos(int dimensions) => dimensions == 3 ? new[] { 2, 2, 2 } : new[] { 2, 2 };

    /// <summary>Bilinear (trilinear) interpolation by 2 along every axis, with half-pixel centres.</summary>
    public static nn.Module<Tensor, Tensor> Upsample(int dimensions) => Upsample(dimensions, Twos(dimensions));

    /// <summary>The normalisation layer, or null for <see cref="Normalization.None"/>.</summary>
    public static nn.Module<Tensor, Tensor>? Norm(int dimensions, Normalization normalization, int channels, int groups, Device? device = null, ScalarType? dtype = null) =>
        (normalization, dimensions) switch
        {
            (Normalization.None, _) => null,
            (Normalization.Batch, 2) => nn.BatchNorm2d(channels, device: device, dtype: dtype),
            (Normalization.Batch, 3) => nn.BatchNorm3d(channels, device: device, dtype: dtype),
            (Normalization.Instance, 2) => nn.InstanceNorm2d(channels, affine: true, device: device, dtype: dtype),
            (Normalization.Instance, 3) => nn.InstanceNorm3d(channels, affine: true, device: device, dtype: dtype),
            (Normalization.Group, 2 or 3) => GroupNorm(groups, channels, device, dtype),
            _ => throw Unsupported(dimensions),
        };

    /// <summary>
    /// Group normalisation with its affine parameters set to the identity (weight 1, bias 0). TorchSharp 0.107's
    /// <c>nn.GroupNorm</c> leaves them uninitialised (whatever the allocator returns, at times 1e36), so every group
    /// norm UNetDsl builds goes through here.
    /// </summary>
    public static TorchSharp.Modules.GroupNorm GroupNorm(int groups, int channels, Device? device = null, ScalarType? dtype = null)
    {
        var norm = nn.GroupNorm(groups, channels, device: device, dtype: dtype);
        using (torch.no_grad())
        {
            norm.weight!.fill_(1);
            norm.bias!.zero_();
        }

        return norm;
    }

    /// <summary>The activation module.</summary>
    public static nn.Module<Tensor, Tensor> Activation(Activation activation) =>
        activation switch
        {
            UNetDsl.Activation.ReLU => nn.ReLU(inplace: true),
            UNetDsl.Activation.LeakyReLU => nn.LeakyReLU(0.01, inplace: true),
            UNetDsl.Activation.SiLU => nn.SiLU(),
            UNetDsl.Activation.GELU => nn.GELU(),
            _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
        };

    /// <summary>
    /// A view of <paramref name="tensor"/> (N, C, spatial...) with channels-last strides: NHWC (NDHWC in 3D) in memory,
    /// NCHW in shape. TorchSharp 0.107 has no memory-format API; a permute, contiguous, permute round trip gives the
    /// same strides. oneDNN then runs convolutions on that layout directly instead of converting around each one.
    /// Tensors of rank below 4 are returned as a new handle unchanged.
    /// </summary>
    public static Tensor ToChannelsLast(Tensor tensor)
    {
        var rank = (int)tensor.dim();
        if (rank < 4)
        {
            return tensor.alias();
        }

        var toLast = ToLast(rank);
        var back = new long[rank];
        for (var axis = 0; axis < rank; axis++)
        {
            back[toLast[axis]] = axis;
        }

        using var permuted = tensor.permute(toLast);
        using var packed = permuted.contiguous();
        return packed.permute(back);
    }

    /// <summary>
    /// Moves every convolution weight (rank 4 or 5) of <paramref name="module"/> to channels-last strides in place; the
    /// parameters stay the same objects, with the same values. Measured 1.19x faster inference for the paper's network
    /// on this project's machine (docs/benchmarks.md, "Memory format and threads").
    /// </summary>
    public static void UseChannelsLast(nn.Module module)
    {
        using var noGrad = torch.no_grad();
        foreach (var parameter in module.parameters())
        {
            if (parameter.dim() >= 4)
            {
                using var relaid = ToChannelsLast(parameter);
                parameter.set_(relaid);
            }
        }
    }

    /// <summary>
    /// <paramref name="skip"/> without <paramref name="crop"/>[axis] elements along each spatial axis (half of them,
    /// rounded down, from the start, as <see cref="CenterCrop"/> takes them), as a contiguous copy: unlike a view, it
    /// lets the whole skip's memory go. A checkpointed encoder level hands its skip on this way, already cut to what
    /// the decoder joins (the amount is the same for every valid input size).
    /// </summary>
    /// <exception cref="ArgumentException">The crop has the wrong number of axes, or leaves nothing.</exception>
    public static Tensor CenterCropCopy(Tensor skip, params int[] crop)
    {
        if (crop.Length != skip.dim() - 2)
        {
            throw new ArgumentException($"Cropping a tensor of shape [{string.Join(", ", skip.shape)}] needs one amount per spatial axis ({skip.dim() - 2}), got {crop.Length}.", nameof(crop));
        }

        using var scope = torch.NewDisposeScope();
        var cropped = skip.alias();
        for (var axis = 0; axis < crop.Length; axis++)
        {
            var have = skip.shape[axis + 2];
            if (crop[axis] < 0 || crop[axis] >= have)
            {
                throw new ArgumentException($"Cannot crop {crop[axis]} from spatial axis {axis} of a tensor of shape [{string.Join(", ", skip.shape)}].", nameof(crop));
            }

            if (crop[axis] > 0)
            {
                cropped = cropped.narrow(axis + 2, crop[axis] / 2, have - crop[axis]);
            }
        }

        return scope.MoveToOuter(cropped.contiguous());
    }

    /// <summary>
    /// Lays out <paramref name="module"/> for a fast training step, where that was measured faster: every convolution
    /// weight (rank 4 or 5) in channels-last strides, with its gradient and <paramref name="optimizer"/>'s state for it
    /// (momentum, Adam's moments), so that convolutions, their backward and the optimiser step all run without layout
    /// conversions. The parameters stay the same objects with the same values, so an optimiser built before keeps
    /// working; the outputs and gradients are those of the NCHW layout (to float rounding).
    /// </summary>
    /// <remarks>
    /// Networks with instance norm (its kernel reshapes channels-last maps into copies) or group norm are left as they
    /// are. TorchSharp's <c>Module.save</c> and <c>Module.load</c> need contiguous parameters:
    /// <see cref="Training.Checkpoint"/> handles that itself; before calling them directly, call
    /// <see cref="UseContiguousLayout"/>.
    /// </remarks>
    /// <param name="module">The network.</param>
    /// <param name="optimizer">Its optimiser, when it already exists; null to lay out the parameters only.</param>
    /// <returns>True when the module is now laid out channels-last; false when it is left as it is.</returns>
    public static bool UseChannelsLastForTraining(nn.Module module, optim.Optimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        foreach (var (_, child) in module.named_modules())
        {
            if (child is TorchSharp.Modules.InstanceNorm or TorchSharp.Modules.GroupNorm)
            {
                return false;
            }
        }

        Relayout(module, optimizer, channelsLast: true);
        return true;
    }

    /// <summary>
    /// Undoes <see cref="UseChannelsLastForTraining"/>: every parameter, its gradient and <paramref name="optimizer"/>'s
    /// state for it contiguous again (same objects, same values), as TorchSharp's <c>Module.save</c> and
    /// <c>Module.load</c> require.
    /// </summary>
    /// <param name="module">The network.</param>
    /// <param name="optimizer">Its optimiser, or null.</param>
    public static void UseContiguousLayout(nn.Module module, optim.Optimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        Relayout(module, optimizer, channelsLast: false);
    }

    /// <summary>True when some parameter of <paramref name="module"/> has channels-last strides.</summary>
    internal static bool HasChannelsLastParameters(nn.Module module) => module.parameters().Any(IsChannelsLast);

    /// <summary>
    /// Moves the rank 4 and 5 parameters of <paramref name="module"/>, their gradients and the optimiser's state tensors of
    /// the same rank to channels-last or contiguous strides, in place (set_ keeps every tensor object and handle).
    /// </summary>
    internal static void Relayout(nn.Module module, optim.Optimizer? optimizer, bool channelsLast)
    {
        using var noGrad = torch.no_grad();
        foreach (var parameter in module.parameters())
        {
            Relayout(parameter, channelsLast);
            using var grad = parameter.grad;
            if (grad is not null)
            {
                Relayout(grad, channelsLast);
            }
        }

        foreach (var state in TorchSharpInternals.OptimizerStateTensors(optimizer))
        {
            Relayout(state, channelsLast);
        }
    }

    private static void Relayout(Tensor tensor, bool channelsLast)
    {
        if (tensor.dim() < 4 || (channelsLast ? HasChannelsLastStrides(tensor) : tensor.is_contiguous()))
        {
            return;
        }

        using var relaid = channelsLast ? ToChannelsLast(tensor) : tensor.contiguous();
        tensor.set_(relaid);
    }

    /// <summary>
    /// The centre of <paramref name="skip"/> with the spatial size of <paramref name="target"/>, as a view (no copy):
    /// the paper's cropping of the encoder map before concatenation. The result is always a new handle: dispose it
    /// when done, since a view keeps the whole skip's memory alive.
    /// </summary>
    /// <remarks>
    /// When <paramref name="skip"/> has channels-last strides and autograd records, the crop's backward writes its
    /// gradient into a channels-last map. Autograd's own backward of a narrowed view allocates an NCHW one, which the
    /// pooling's channels-last gradient is then added to, converting the layout of the largest map in the network on
    /// every training step (measured 0.15 s against 0.05 s for level 1 of the paper's network).
    /// </remarks>
    public static Tensor CenterCrop(Tensor skip, Tensor target)
    {
        var offsets = new long[skip.dim()];
        var sizes = (long[])skip.shape.Clone();
        var crops = false;
        for (var axis = 2; axis < skip.dim(); axis++)
        {
            var want = target.shape[axis];
            var have = skip.shape[axis];
            if (have != want)
            {
                offsets[axis] = (have - want) / 2;
                sizes[axis] = want;
                crops = true;
            }
        }

        // Always a handle of its own, so the caller may dispose it without touching the skip.
        if (!crops)
        {
            return skip.alias();
        }

        if (skip.requires_grad && torch.is_grad_enabled() && IsChannelsLast(skip))
        {
            return ChannelsLastCrop.apply(skip, offsets, sizes);
        }

        return Narrow(skip, offsets, sizes);
    }

    /// <summary>
    /// True when <paramref name="tensor"/> (N, C, spatial...) has the channels-last strides <see cref="ToChannelsLast"/>
    /// gives (NHWC, NDHWC in memory) and is not also contiguous: false for rank below 4, and for a single channel or a
    /// single pixel, where both layouts are the same memory.
    /// </summary>
    public static bool IsChannelsLast(Tensor tensor) => HasChannelsLastStrides(tensor) && !tensor.is_contiguous();

    private static bool HasChannelsLastStrides(Tensor tensor)
    {
        var rank = (int)tensor.dim();
        if (rank < 4)
        {
            return false;
        }

        using var permuted = tensor.permute(ToLast(rank));
        return permuted.is_contiguous();
    }

    /// <summary>The permutation that moves the channel axis last: (0, 2, ..., rank-1, 1).</summary>
    private static long[] ToLast(int rank)
    {
        var toLast = new long[rank];
        toLast[rank - 1] = 1;
        for (var axis = 2; axis < rank; axis++)
        {
            toLast[axis - 1] = axis;
        }

        return toLast;
    }

    /// <summary>The view of <paramref name="tensor"/> starting at <paramref name="offsets"/> with <paramref name="sizes"/>.</summary>
    private static Tensor Narrow(Tensor tensor, long[] offsets, long[] sizes)
    {
        var cropped = tensor;
        for (var axis = 2; axis < tensor.dim(); axis++)
        {
            if (sizes[axis] != tensor.shape[axis])
            {
                var narrowed = cropped.narrow(axis, offsets[axis], sizes[axis]);

                // Intermediate views would hold the skip's memory until the caller's scope ends.
                if (!ReferenceEquals(cropped, tensor))
                {
                    cropped.Dispose();
                }

                cropped = narrowed;
            }
        }

        return ReferenceEquals(cropped, tensor) ? tensor.alias() : cropped;
    }

    /// <summary>A centre crop whose backward keeps the channels-last layout (see <see cref="CenterCrop"/>).</summary>
    private sealed class ChannelsLastCrop : autograd.SingleTensorFunction<ChannelsLastCrop>
    {
        private const string OffsetsKey = "offsets";
        private const string ShapeKey = "shape";

        public override string Name => "UNetDslChannelsLastCrop";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var skip = (Tensor)vars[0];
            var offsets = (long[])vars[1];
            ctx.save_data(OffsetsKey, offsets);
            ctx.save_data(ShapeKey, skip.shape);
            return Narrow(skip, offsets, (long[])vars[2]);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            var offsets = (long[])ctx.get_data(OffsetsKey);
            var shape = (long[])ctx.get_data(ShapeKey);
            var rank = shape.Length;
            var toLast = ToLast(rank);
            var back = new long[rank];
            for (var axis = 0; axis < rank; axis++)
            {
                back[toLast[axis]] = axis;
            }

            // Zeros laid out NHWC (NDHWC), viewed as NCHW: the skip's own layout.
            Tensor full;
            using (var packed = torch.zeros(Array.ConvertAll(toLast, axis => shape[axis]), dtype: grad_output.dtype, device: grad_output.device))
            {
                full = packed.permute(back);
            }

            using (var window = Narrow(full, offsets, grad_output.shape))
            {
                window.copy_(grad_output);
            }

            return new List<Tensor> { full, null!, null! };
        }
    }

    private static ArgumentOutOfRangeException Unsupported(int dimensions) =>
        new(nameof(dimensions), dimensions, "UNetDsl builds 2D and 3D networks only.");
}
