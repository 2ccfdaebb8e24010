using System;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers;

/// <summary>Factories that pick the 2D or 3D TorchSharp layer for a U-Net's dimension count.</summary>
public static class Layer
{
    /// <summary>A convolution with a cubic kernel.</summary>
    public static nn.Module<Tensor, Tensor> Conv(int dimensions, int inChannels, int outChannels, int kernelSize, int stride, int padding, bool bias, Device? device = null, ScalarType? dtype = null) =>
        dimensions switch
        {
            2 => nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding, bias: bias, device: device, dtype: dtype),
            3 => nn.Conv3d(inChannels, outChannels, kernelSize, stride: stride, padding: padding, bias: bias, device: device, dtype: dtype),
            _ => throw Unsupported(dimensions),
        };

    /// <summary>The 2x2 (2x2x2) transposed convolution with stride 2 that doubles every axis.</summary>
    public static nn.Module<Tensor, Tensor> UpConv(int dimensions, int inChannels, int outChannels, Device? device = null, ScalarType? dtype = null) =>
        dimensions switch
        {
            2 => nn.ConvTranspose2d(inChannels, outChannels, 2, stride: 2, device: device, dtype: dtype),
            3 => nn.ConvTranspose3d(inChannels, outChannels, 2, stride: 2, device: device, dtype: dtype),
            _ => throw Unsupported(dimensions),
        };

    /// <summary>2x2 (2x2x2) max-pooling with stride 2.</summary>
    public static nn.Module<Tensor, Tensor> MaxPool(int dimensions) =>
        dimensions switch
        {
            2 => nn.MaxPool2d(2, 2),
            3 => nn.MaxPool3d(2, 2),
            _ => throw Unsupported(dimensions),
        };

    /// <summary>Bilinear (trilinear) interpolation by 2 along every axis, with half-pixel centres.</summary>
    public static nn.Module<Tensor, Tensor> Upsample(int dimensions) =>
        dimensions switch
        {
            2 => nn.Upsample(scale_factor: new[] { 2.0, 2.0 }, mode: UpsampleMode.Bilinear, align_corners: false),
            3 => nn.Upsample(scale_factor: new[] { 2.0, 2.0, 2.0 }, mode: UpsampleMode.Trilinear, align_corners: false),
            _ => throw Unsupported(dimensions),
        };

    /// <summary>The normalisation layer, or null for <see cref="Normalization.None"/>.</summary>
    public static nn.Module<Tensor, Tensor>? Norm(int dimensions, Normalization normalization, int channels, int groups, Device? device = null, ScalarType? dtype = null) =>
        (normalization, dimensions) switch
        {
            (Normalization.None, _) => null,
            (Normalization.Batch, 2) => nn.BatchNorm2d(channels, device: device, dtype: dtype),
            (Normalization.Batch, 3) => nn.BatchNorm3d(channels, device: device, dtype: dtype),
            (Normalization.Instance, 2) => nn.InstanceNorm2d(channels, affine: true, device: device, dtype: dtype),
            (Normalization.Instance, 3) => nn.InstanceNorm3d(channels, affine: true, device: device, dtype: dtype),
            (Normalization.Group, 2 or 3) => nn.GroupNorm(groups, channels, device: device, dtype: dtype),
            _ => throw Unsupported(dimensions),
        };

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
    /// The centre of <paramref name="skip"/> with the spatial size of <paramref name="target"/>, as a view (no copy):
    /// the paper's cropping of the encoder map before concatenation.
    /// </summary>
    public static Tensor CenterCrop(Tensor skip, Tensor target)
    {
        var cropped = skip;
        for (var axis = 2; axis < skip.dim(); axis++)
        {
            var want = target.shape[axis];
            var have = cropped.shape[axis];
            if (have != want)
            {
                cropped = cropped.narrow(axis, (have - want) / 2, want);
            }
        }

        return ReferenceEquals(cropped, skip) ? skip.alias() : cropped;
    }

    private static ArgumentOutOfRangeException Unsupported(int dimensions) =>
        new(nameof(dimensions), dimensions, "UNetDsl builds 2D and 3D networks only.");
}
