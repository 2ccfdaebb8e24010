using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers;

/// <summary>
/// Bilinear (trilinear) up-sampling followed by a 1x1 convolution that sets the channels: the up-sampling of
/// <see cref="UpSampling.Bilinear"/>. The convolution is the <c>conv</c> submodule (state_dict: <c>up1.conv.weight</c>).
/// </summary>
public sealed partial class UpsampleConv : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> upsample;
    private readonly nn.Module<Tensor, Tensor> conv;

    /// <summary>Builds the block.</summary>
    /// <param name="name">The module's name.</param>
    /// <param name="dimensions">2 or 3 spatial dimensions.</param>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels of the output.</param>
    /// <param name="factors">Up-sampling factor per spatial axis.</param>
    /// <param name="device">Where the parameters live; null for the default device.</param>
    /// <param name="dtype">The parameters' type; null for the default type.</param>
    public UpsampleConv(string name, int dimensions, int inChannels, int outChannels, int[] factors, Device? device = null, ScalarType? dtype = null)
        : base(name)
    {
        upsample = Layer.Upsample(dimensions, factors);
        conv = Layer.Pointwise(dimensions, inChannels, outChannels, device, dtype);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var upsampled = upsample.call(input);
        return conv.call(upsampled);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            upsample.Dispose();
            conv.Dispose();
        }

        base.Dispose(disposing);
    }
}
