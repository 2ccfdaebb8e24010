using System;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers;

/// <summary>
/// Factories that pick the 2D or 3D TorchSharp layer for a U-Net's dimension count. The rest of the class lives beside
/// this file: channels-last layout (<c>Layer.ChannelsLast.cs</c>) and centre cropping (<c>Layer.Cropping.cs</c>).
/// </summary>
public static partial class Layer
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

    /// <summary>
    /// A depthwise convolution (groups = channels: each channel filtered on its own) with a per-axis kernel, zero
    /// padding and bias, stride 1: the spatial mixing of a ConvNeXt block.
    /// </summary>
    internal static TorchSharp.Modules.Convolution DepthwiseConv(int dimensions, int channels, int[] kernelSize, int[] padding, Device? device = null, ScalarType? dtype = null) =>
        dimensions switch
        {
            2 => nn.Conv2d(channels, channels, (kernelSize[0], kernelSize[1]), padding: (padding[0], padding[1]), groups: channels, bias: true, device: device, dtype: dtype),
            3 => nn.Conv3d(channels, channels, (kernelSize[0], kernelSize[1], kernelSize[2]), padding: (padding[0], padding[1], padding[2]), groups: channels, bias: true, device: device, dtype: dtype),
            _ => throw Unsupported(dimensions),
        };

    /// <summary>
    /// A layer norm over the last axis of width <paramref name="channels"/>, with its affine parameters set to the
    /// identity (weight 1, bias 0) explicitly, as for <see cref="GroupNorm"/>: the PyTorch twin starts from those
    /// values, and a freshly built block must not depend on what the allocator returned.
    /// </summary>
    internal static TorchSharp.Modules.LayerNorm ChannelLayerNorm(int channels, double eps, Device? device = null, ScalarType? dtype = null)
    {
        var norm = nn.LayerNorm(channels, eps, device: device, dtype: dtype);
        using (torch.no_grad())
        {
            norm.weight!.fill_(1);
            norm.bias!.zero_();
        }

        return norm;
    }

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

    private static ArgumentOutOfRangeException Unsupported(int dimensions) =>
        new(nameof(dimensions), dimensions, "UNetDsl builds 2D and 3D networks only.");
}
