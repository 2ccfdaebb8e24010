using System;
using System.Linq;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Inference3D;

/// <summary>Bit-for-bit comparison of tensors (TorchSharp's <c>equal</c> is element-wise here).</summary>
internal static class TensorComparison
{
    /// <summary>True when both have the same shape, dtype and bytes.</summary>
    public static bool IsBitIdentical(this Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape) || a.dtype != b.dtype)
        {
            return false;
        }

        using var left = a.contiguous();
        using var right = b.contiguous();
        return left.bytes.SequenceEqual(right.bytes);
    }
}
