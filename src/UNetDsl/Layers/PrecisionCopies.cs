using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace UNetDsl.Layers;

/// <summary>
/// Copies between two networks of one declaration that differ in number format: a float32 network and its bfloat16
/// compute copy. Values are converted to the target's type; the target's tensors keep their own strides
/// (channels-last stays channels-last). Parameters and buffers are matched by name, so the two must be alike.
/// </summary>
public static class PrecisionCopies
{
    /// <summary>Copies every parameter and buffer of <paramref name="source"/> into <paramref name="target"/>.</summary>
    /// <param name="source">The network copied from.</param>
    /// <param name="target">A network of the same declaration.</param>
    /// <exception cref="ArgumentException">The two networks do not have the same parameters and buffers.</exception>
    public static void CopyWeights(nn.Module source, nn.Module target)
    {
        CopyParameters(source, target);
        CopyBuffers(source, target);
    }

    /// <summary>Copies every parameter's value of <paramref name="source"/> into <paramref name="target"/>.</summary>
    /// <param name="source">The network copied from.</param>
    /// <param name="target">A network of the same declaration.</param>
    /// <exception cref="ArgumentException">The two networks do not have the same parameters.</exception>
    public static void CopyParameters(nn.Module source, nn.Module target)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (from, to) in ParameterPairs(source, target))
        {
            to.copy_(from);
        }
    }

    /// <summary>Copies every buffer (batch-norm statistics) of <paramref name="source"/> into <paramref name="target"/>.</summary>
    /// <param name="source">The network copied from.</param>
    /// <param name="target">A network of the same declaration.</param>
    /// <exception cref="ArgumentException">The two networks do not have the same buffers.</exception>
    public static void CopyBuffers(nn.Module source, nn.Module target)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (from, to) in Pairs(source.named_buffers(), target.named_buffers(), "buffer"))
        {
            to.copy_(from);
        }
    }

    /// <summary>
    /// Sets every parameter's gradient of <paramref name="target"/> to the gradient of <paramref name="source"/>'s
    /// parameter of the same name, converted (a parameter without one gets none): a bfloat16 backward's gradients
    /// handed to the float32 weights the optimiser updates.
    /// </summary>
    /// <param name="source">The network whose backward ran.</param>
    /// <param name="target">A network of the same declaration.</param>
    /// <exception cref="ArgumentException">The two networks do not have the same parameters.</exception>
    public static void CopyGradients(nn.Module source, nn.Module target)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (from, to) in ParameterPairs(source, target))
        {
            var gradient = from.grad;
            if (gradient is null)
            {
                to.grad = null;
            }
            else if (to.grad is { } existing)
            {
                existing.copy_(gradient);
            }
            else
            {
                to.grad = empty_like(to).copy_(gradient).DetachFromDisposeScope();
            }
        }
    }

    private static IEnumerable<(Tensor From, Tensor To)> ParameterPairs(nn.Module source, nn.Module target) =>
        Pairs(source.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), target.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), "parameter");

    private static IEnumerable<(Tensor From, Tensor To)> Pairs(IEnumerable<(string Name, Tensor Tensor)> source, IEnumerable<(string Name, Tensor Tensor)> target, string kind)
    {
        var targets = target.ToDictionary(t => t.Name, t => t.Tensor, StringComparer.Ordinal);
        var pairs = new List<(Tensor, Tensor)>(targets.Count);
        foreach (var (name, tensor) in source)
        {
            if (!targets.Remove(name, out var counterpart) || !counterpart.shape.SequenceEqual(tensor.shape))
            {
                throw new ArgumentException($"The networks differ: {kind} '{name}' [{string.Join(", ", tensor.shape)}] has no counterpart of that shape. Copy between networks of one declaration.");
            }

            pairs.Add((tensor, counterpart));
        }

        if (targets.Count > 0)
        {
            throw new ArgumentException($"The networks differ: the target has {kind}(s) the source lacks ({string.Join(", ", targets.Keys.Take(3))}). Copy between networks of one declaration.");
        }

        return pairs;
    }
}
