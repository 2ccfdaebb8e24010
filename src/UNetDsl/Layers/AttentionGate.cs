using System;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers;

/// <summary>
/// The additive attention gate of Oktay et al. 2018 ("Attention U-Net"): the skip <c>x</c> is weighted per pixel by
/// alpha = sigmoid(psi(relu(W_x x + W_g g))), where <c>g</c> is the coarser decoder map; alpha is computed at g's
/// resolution and resampled to x's size. Submodules: <c>w_x</c> (kernel = stride = the pooling factors, no bias),
/// <c>w_g</c> (1x1), <c>psi</c> (1x1 to one channel).
/// </summary>
public sealed partial class AttentionGate : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> w_x;
    private readonly nn.Module<Tensor, Tensor> w_g;
    private readonly nn.Module<Tensor, Tensor> psi;
    private readonly int _dimensions;

    /// <summary>Builds the gate.</summary>
    /// <param name="name">The module's name.</param>
    /// <param name="dimensions">2 or 3 spatial dimensions.</param>
    /// <param name="skipChannels">Channels of x, the encoder map.</param>
    /// <param name="gatingChannels">Channels of g, the coarser decoder map.</param>
    /// <param name="intermediateChannels">Channels of W_x x + W_g g.</param>
    /// <param name="factors">How much coarser g is than x, per axis (the level's pooling factors).</param>
    /// <param name="device">Where the parameters live; null for the default device.</param>
    /// <param name="dtype">The parameters' type; null for the default type.</param>
    public AttentionGate(string name, int dimensions, int skipChannels, int gatingChannels, int intermediateChannels, int[] factors, Device? device = null, ScalarType? dtype = null)
        : base(name)
    {
        _dimensions = dimensions;
        w_x = dimensions switch
        {
            2 => nn.Conv2d(skipChannels, intermediateChannels, (factors[0], factors[1]), stride: (factors[0], factors[1]), bias: false, device: device, dtype: dtype),
            3 => nn.Conv3d(skipChannels, intermediateChannels, (factors[0], factors[1], factors[2]), stride: (factors[0], factors[1], factors[2]), bias: false, device: device, dtype: dtype),
            _ => throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, "UNetDsl builds 2D and 3D networks only."),
        };
        w_g = Layer.Pointwise(dimensions, gatingChannels, intermediateChannels, device, dtype);
        psi = Layer.Pointwise(dimensions, intermediateChannels, 1, device, dtype);
        RegisterComponents();
    }

    /// <summary>The attention coefficients alpha at x's resolution: [N, 1, x's spatial size].</summary>
    /// <param name="x">The encoder map.</param>
    /// <param name="g">The coarser decoder map.</param>
    public Tensor Coefficients(Tensor x, Tensor g)
    {
        using var scope = torch.NewDisposeScope();
        var coarse = torch.sigmoid(psi.call(torch.nn.functional.relu(w_x.call(x).add_(w_g.call(g)))));
        var size = new long[_dimensions];
        for (var axis = 0; axis < _dimensions; axis++)
        {
            size[axis] = x.shape[axis + 2];
        }

        var mode = _dimensions == 3 ? InterpolationMode.Trilinear : InterpolationMode.Bilinear;
        return scope.MoveToOuter(torch.nn.functional.interpolate(coarse, size: size, mode: mode, align_corners: false));
    }

    /// <summary>Returns x weighted by its attention coefficients.</summary>
    /// <param name="x">The encoder map (the skip), cropped to the decoder's size.</param>
    /// <param name="g">The coarser decoder map.</param>
    public override Tensor forward(Tensor x, Tensor g)
    {
        using var alpha = Coefficients(x, g);
        return x.mul(alpha);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            w_x.Dispose();
            w_g.Dispose();
            psi.Dispose();
        }

        base.Dispose(disposing);
    }
}
