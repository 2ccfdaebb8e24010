using static TorchSharp.torch;

namespace UNetDsl.Layers;

/// <summary>
/// The join at the top of a decoder level: up-sample the coarser map, centre-crop the skip to it, join them. The
/// generated forward calls one of these per level; they own every temporary the join makes (the up-sampled map, the
/// crop view, the gated skip) and release it as soon as the join is computed, since at full resolution those are
/// the largest tensors the network holds. Neither argument map is disposed: the caller owns them.
/// </summary>
public static class DecoderJoin
{
    /// <summary>The channel concatenation [cropped skip, up-sampled map] (the paper).</summary>
    public static Tensor Concat(nn.Module<Tensor, Tensor> up, Tensor coarse, Tensor skip)
    {
        using var upSampled = up.call(coarse);
        using var cropped = Layer.CenterCrop(skip, upSampled);
        return cat(new[] { cropped, upSampled }, 1);
    }

    /// <summary>The element-wise sum of the up-sampled map and the cropped skip.</summary>
    public static Tensor Add(nn.Module<Tensor, Tensor> up, Tensor coarse, Tensor skip)
    {
        using var upSampled = up.call(coarse);
        using var cropped = Layer.CenterCrop(skip, upSampled);
        return upSampled.add(cropped);
    }

    /// <summary>The concatenation [gated skip, up-sampled map], the gate reading the cropped skip and the coarser map.</summary>
    public static Tensor Gated(nn.Module<Tensor, Tensor> up, AttentionGate gate, Tensor coarse, Tensor skip)
    {
        using var upSampled = up.call(coarse);
        using var cropped = Layer.CenterCrop(skip, upSampled);
        using var gated = gate.call(cropped, coarse);
        return cat(new[] { gated, upSampled }, 1);
    }

    /// <summary>
    /// <paramref name="block"/> run on the concatenation <see cref="Concat"/> would make, without making it
    /// (<see cref="ConvBlock.ForwardConcatenated"/>): what a recomputed decoder level runs, where the copy would be the
    /// largest tensor kept for backward.
    /// </summary>
    public static Tensor ConcatInto(ConvBlock block, nn.Module<Tensor, Tensor> up, Tensor coarse, Tensor skip)
    {
        using var upSampled = up.call(coarse);
        using var cropped = Layer.CenterCrop(skip, upSampled);
        return block.ForwardConcatenated(cropped, upSampled);
    }
}
