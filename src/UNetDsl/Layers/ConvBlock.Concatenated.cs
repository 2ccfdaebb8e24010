using System;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers;

// The decoder path that joins a skip and an up-sampled map without concatenating them (training only).
public sealed partial class ConvBlock
{
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
}
