using System;
using System.Linq;
using static TorchSharp.torch;

namespace UNetDsl.Training;

/// <summary>The losses of segmentation training: the paper's weighted pixel-wise cross-entropy, soft Dice, and their sum.</summary>
public static class Losses
{
    /// <summary>
    /// Pixel-wise softmax cross-entropy weighted per pixel (the paper's energy, equation 1), averaged over pixels:
    /// mean(w(x) * -log softmax(logits)(x)[label(x)]).
    /// </summary>
    /// <param name="logits">Scores [N, C, spatial...].</param>
    /// <param name="target">Class indices [N, spatial...] (int64).</param>
    /// <param name="weights">Per-pixel weights [N, spatial...]; null for all ones.</param>
    public static Tensor WeightedCrossEntropy(Tensor logits, Tensor target, Tensor? weights = null)
    {
        CheckShapes(logits, target, weights);
        using var scope = NewDisposeScope();
        var logProbabilities = nn.functional.log_softmax(logits, 1);
        var picked = logProbabilities.gather(1, target.unsqueeze(1)).squeeze(1).neg();
        var loss = weights is null ? picked.mean() : picked.mul(weights).mean();
        return scope.MoveToOuter(loss);
    }

    /// <summary>
    /// Soft Dice loss: 1 - mean over the foreground classes (1..C-1) of 2 |P n T| / (|P| + |T|), with softmax
    /// probabilities P and one-hot targets T summed over batch and pixels, smoothed by 1 so empty classes score 0 loss.
    /// </summary>
    /// <param name="logits">Scores [N, C, spatial...].</param>
    /// <param name="target">Class indices [N, spatial...].</param>
    public static Tensor Dice(Tensor logits, Tensor target)
    {
        CheckShapes(logits, target, null);
        using var scope = NewDisposeScope();
        var classes = logits.shape[1];
        var probabilities = nn.functional.softmax(logits, 1);
        var oneHot = nn.functional.one_hot(target, classes).movedim(new long[] { -1 }, new long[] { 1 }).to_type(probabilities.dtype);
        var dimensions = Enumerable.Range(0, (int)logits.dim()).Where(d => d != 1).Select(d => (long)d).ToArray();
        var intersection = probabilities.mul(oneHot).sum(dimensions);
        var total = probabilities.sum(dimensions).add(oneHot.sum(dimensions));
        var dice = intersection.mul(2).add(1).div(total.add(1));
        var foreground = classes > 1 ? dice.narrow(0, 1, classes - 1) : dice;
        return scope.MoveToOuter(foreground.mean().neg().add(1));
    }

    /// <summary>The weighted cross-entropy plus the Dice loss.</summary>
    /// <param name="logits">Scores [N, C, spatial...].</param>
    /// <param name="target">Class indices [N, spatial...].</param>
    /// <param name="weights">Per-pixel weights; null for all ones.</param>
    public static Tensor CrossEntropyPlusDice(Tensor logits, Tensor target, Tensor? weights = null)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(WeightedCrossEntropy(logits, target, weights).add(Dice(logits, target)));
    }

    private static void CheckShapes(Tensor logits, Tensor target, Tensor? weights)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(target);
        var expected = new[] { logits.shape[0] }.Concat(logits.shape.Skip(2)).ToArray();
        if (!target.shape.SequenceEqual(expected))
        {
            throw new ArgumentException($"logits {Format(logits.shape)} need a target {Format(expected)}; got {Format(target.shape)}.", nameof(target));
        }

        if (target.dtype != ScalarType.Int64)
        {
            throw new ArgumentException($"The target holds class indices and must be Int64; got {target.dtype}.", nameof(target));
        }

        if (weights is not null && !weights.shape.SequenceEqual(expected))
        {
            throw new ArgumentException($"logits {Format(logits.shape)} need weights {Format(expected)}; got {Format(weights.shape)}.", nameof(weights));
        }
    }

    private static string Format(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
