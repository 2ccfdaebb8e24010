using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace UNetDsl;

/// <summary>
/// The outputs of a deeply supervised U-Net: the main head and the extra heads, each at its own resolution, with the
/// loss weights of nnU-Net. Generated networks return a subclass with one named property per head.
/// </summary>
public abstract class DeepSupervisionOutputs : IDisposable
{
    /// <summary>Takes ownership of the heads.</summary>
    /// <param name="heads">Scores of each head, the main (level 1) first, then deeper levels.</param>
    /// <param name="levels">The decoder level of each head.</param>
    protected DeepSupervisionOutputs(Tensor[] heads, int[] levels)
    {
        ArgumentNullException.ThrowIfNull(heads);
        ArgumentNullException.ThrowIfNull(levels);
        if (heads.Length != levels.Length)
        {
            throw new ArgumentException($"Got {heads.Length} heads for {levels.Length} levels.", nameof(levels));
        }

        Heads = heads;
        Levels = levels;
        Weights = WeightsFor(levels);
    }

    /// <summary>Scores of each head, the main first.</summary>
    public IReadOnlyList<Tensor> Heads { get; }

    /// <summary>The decoder level of each head (1 = the main, full resolution).</summary>
    public IReadOnlyList<int> Levels { get; }

    /// <summary>
    /// Loss weights, as nnU-Net: 1/2^(level - 1), the lowest resolution's set to 0 (its map is too coarse to help),
    /// normalised to sum to 1.
    /// </summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>nnU-Net's weights for heads at <paramref name="levels"/>.</summary>
    /// <param name="levels">The decoder level of each head.</param>
    public static double[] WeightsFor(IReadOnlyList<int> levels)
    {
        ArgumentNullException.ThrowIfNull(levels);
        var weights = levels.Select(level => Math.Pow(0.5, level - 1)).ToArray();
        if (weights.Length > 1)
        {
            weights[Array.IndexOf(levels.ToArray(), levels.Max())] = 0;
        }

        var sum = weights.Sum();
        return weights.Select(w => w / sum).ToArray();
    }

    /// <summary>
    /// The weighted sum of <paramref name="loss"/> over the heads, the target brought to each head's size by
    /// nearest-neighbour resampling (exact for 'Same' padding; with 'Valid' padding the deeper heads see a slightly
    /// different field of view, which the resampling approximates).
    /// </summary>
    /// <param name="target">Class indices [N, spatial...] at the main head's size.</param>
    /// <param name="loss">The loss of one head: (scores, target) to a scalar.</param>
    public Tensor Loss(Tensor target, Func<Tensor, Tensor, Tensor> loss)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(loss);
        using var scope = NewDisposeScope();
        Tensor? total = null;
        for (var i = 0; i < Heads.Count; i++)
        {
            if (Weights[i] == 0)
            {
                continue;
            }

            var head = Heads[i];
            var size = head.shape.Skip(2).ToArray();
            var resized = size.SequenceEqual(target.shape.Skip(1))
                ? target
                : nn.functional.interpolate(target.unsqueeze(1).to_type(ScalarType.Float32), size: size, mode: InterpolationMode.Nearest).squeeze(1).to_type(ScalarType.Int64);
            var term = loss(head, resized).mul(Weights[i]);
            total = total is null ? term : total.add(term);
        }

        return scope.MoveToOuter(total ?? zeros(1));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var head in Heads)
        {
            head.Dispose();
        }

        GC.SuppressFinalize(this);
    }
}
