using System;
using System.Linq;
using static TorchSharp.torch;

namespace UNetDsl.Training;

/// <summary>
/// The losses of segmentation training: the paper's pixel-wise softmax cross-entropy weighted per pixel, soft Dice,
/// and their sum. Logits are [N, C, H, W] (or [N, C, D, H, W] for volumes), targets int64 class indices [N, H, W]
/// (or [N, D, H, W]), weights floating point of the target's shape. Every shape, type and class index is checked
/// first, and a mismatch is an <see cref="ArgumentException"/> naming the expected and the actual shape.
/// </summary>
public static class Losses
{
    /// <summary>The default smoothing of <see cref="Dice"/>: added to numerator and denominator of every class's score.</summary>
    public const double DefaultDiceSmoothing = 1.0;

    /// <summary>
    /// Pixel-wise softmax cross-entropy weighted per pixel (the paper's energy, equation 1), averaged over all pixels
    /// of the batch: mean over x of w(x) * -log softmax(logits)(x)[label(x)].
    /// </summary>
    /// <param name="logits">Scores [N, C, H, W] or [N, C, D, H, W].</param>
    /// <param name="target">Class indices [N, H, W] or [N, D, H, W], int64, each in 0..C-1.</param>
    /// <param name="weights">Per-pixel weights of the target's shape (e.g. from <see cref="WeightMap"/>); null for all ones.</param>
    /// <returns>A scalar.</returns>
    /// <remarks>
    /// The paper writes the energy as the weighted sum over pixels; this divides that sum by the pixel count (not by
    /// the sum of the weights), so its scale does not depend on the tile size and, with all weights 1, it is exactly
    /// torch's cross_entropy. The weight map then changes how pixels count against each other and also the overall
    /// scale (about the mean weight), which a learning rate absorbs.
    /// </remarks>
    public static Tensor WeightedCrossEntropy(Tensor logits, Tensor target, Tensor? weights = null)
    {
        Check(logits, target, weights);
        using var scope = NewDisposeScope();
        var perPixel = PixelCrossEntropyUnchecked(logits, target);
        var loss = weights is null ? perPixel.mean() : perPixel.mul(weights).mean();
        return scope.MoveToOuter(loss);
    }

    /// <summary>
    /// The unreduced cross-entropy -log softmax(logits)(x)[label(x)] of every pixel, [N, H, W] (or [N, D, H, W]),
    /// for losses that weigh or select pixels themselves.
    /// </summary>
    /// <param name="logits">Scores [N, C, H, W] or [N, C, D, H, W].</param>
    /// <param name="target">Class indices of the logits' batch and spatial shape, int64.</param>
    public static Tensor PixelCrossEntropy(Tensor logits, Tensor target)
    {
        Check(logits, target, null);
        return PixelCrossEntropyUnchecked(logits, target);
    }

    /// <summary>
    /// Soft Dice loss over the foreground classes: 1 - mean over c = 1..C-1 of (2 |P_c n T_c| + s) / (|P_c| + |T_c| + s),
    /// with P the softmax probabilities, T the one-hot target, sums over the whole batch and every pixel, and s the
    /// smoothing.
    /// </summary>
    /// <param name="logits">Scores [N, C, H, W] or [N, C, D, H, W].</param>
    /// <param name="target">Class indices [N, H, W] or [N, D, H, W], int64.</param>
    /// <param name="smoothing">
    /// s: keeps the score defined and the gradient finite for a class absent from target and prediction (its score
    /// is then 1, no loss); 0 gives the plain soft Dice, undefined for an absent class.
    /// </param>
    /// <returns>A scalar in [0, 1]; 0 for a confident perfect prediction.</returns>
    /// <remarks>
    /// Class 0 (background) is left out because it dominates most images and its Dice is near 1 whatever the network
    /// does; summing over the batch (nnU-Net's batch Dice) keeps a tile without foreground from scoring 0 or 1 on its own.
    /// </remarks>
    public static Tensor Dice(Tensor logits, Tensor target, double smoothing = DefaultDiceSmoothing)
    {
        Check(logits, target, null);
        if (!(smoothing >= 0) || double.IsInfinity(smoothing))
        {
            throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "The Dice smoothing must be finite and 0 or more.");
        }

        return DiceOver(logits, target, null, smoothing);
    }

    /// <summary>The weighted cross-entropy (<see cref="WeightedCrossEntropy"/>) plus the soft Dice loss (<see cref="Dice"/>).</summary>
    /// <param name="logits">Scores [N, C, H, W] or [N, C, D, H, W].</param>
    /// <param name="target">Class indices [N, H, W] or [N, D, H, W], int64.</param>
    /// <param name="weights">Per-pixel weights of the target's shape; null for all ones.</param>
    /// <param name="smoothing">The Dice smoothing.</param>
    public static Tensor CrossEntropyPlusDice(Tensor logits, Tensor target, Tensor? weights = null, double smoothing = DefaultDiceSmoothing)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(WeightedCrossEntropy(logits, target, weights).add(Dice(logits, target, smoothing)));
    }

    /// <summary>The class value of a pixel or voxel that carries no label (sparse annotation): it adds nothing to a loss or a metric.</summary>
    public const int Unlabelled = -1;

    /// <summary>
    /// The trainer's loss with sparse annotations: the weighted cross-entropy plus <paramref name="diceWeight"/> times
    /// the soft Dice, where pixels whose target is <see cref="Unlabelled"/> (-1) count for nothing. Their weight is
    /// made 0 and they are left out of Dice's sums, so the gradient at them is exactly 0 (Cicek et al. 2016).
    /// </summary>
    /// <param name="logits">Scores [N, C, H, W] or [N, C, D, H, W].</param>
    /// <param name="target">Class indices, or -1 for unlabelled, [N, H, W] or [N, D, H, W], int64.</param>
    /// <param name="weights">Per-pixel weights of the target's shape; null for all ones.</param>
    /// <param name="diceWeight">Weight of the Dice term; 0 for the plain weighted cross-entropy.</param>
    /// <param name="smoothing">The Dice smoothing.</param>
    public static Tensor SparseSegmentationLoss(Tensor logits, Tensor target, Tensor? weights = null, double diceWeight = 1.0, double smoothing = DefaultDiceSmoothing)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var scope = NewDisposeScope();
        var labelled = target.ge(0);
        var known = target.clamp_min(0);
        var mask = labelled.to_type(logits.dtype);
        var weight = weights is null ? mask : weights.mul(mask);
        var loss = WeightedCrossEntropy(logits, known, weight);
        if (diceWeight != 0)
        {
            // WeightedCrossEntropy above has checked logits and target.
            loss = loss.add(DiceOver(logits, known, mask, smoothing).mul(diceWeight));
        }

        return scope.MoveToOuter(loss);
    }

    // Soft Dice over the foreground classes; with a mask, over the pixels it marks only: probabilities and one-hot target
    // are both multiplied by it, so the pixels outside add nothing to the sums and get no gradient.
    private static Tensor DiceOver(Tensor logits, Tensor target, Tensor? mask, double smoothing)
    {
        using var scope = NewDisposeScope();
        var classes = logits.shape[1];
        var probabilities = nn.functional.softmax(logits, 1);
        var oneHot = nn.functional.one_hot(target, classes).movedim(new long[] { -1 }, new long[] { 1 }).to_type(probabilities.dtype);
        if (mask is not null)
        {
            probabilities = probabilities.mul(mask.unsqueeze(1));
            oneHot = oneHot.mul(mask.unsqueeze(1));
        }

        var dimensions = Enumerable.Range(0, (int)logits.dim()).Where(d => d != 1).Select(d => (long)d).ToArray();
        var intersection = probabilities.mul(oneHot).sum(dimensions);
        var total = probabilities.sum(dimensions).add(oneHot.sum(dimensions));
        var dice = intersection.mul(2).add(smoothing).div(total.add(smoothing));
        var foreground = dice.narrow(0, 1, classes - 1);
        return scope.MoveToOuter(foreground.mean().neg().add(1));
    }

    private static Tensor PixelCrossEntropyUnchecked(Tensor logits, Tensor target)
    {
        using var scope = NewDisposeScope();
        var logProbabilities = nn.functional.log_softmax(logits, 1);
        var picked = logProbabilities.gather(1, target.unsqueeze(1)).squeeze(1).neg();
        return scope.MoveToOuter(picked);
    }

    private static void Check(Tensor logits, Tensor target, Tensor? weights)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(target);
        var rank = logits.dim();
        if (rank != 4 && rank != 5)
        {
            throw new ArgumentException($"logits must be [N, C, H, W] or [N, C, D, H, W]; got {Format(logits.shape)}.", nameof(logits));
        }

        if (!logits.is_floating_point())
        {
            throw new ArgumentException($"logits must be floating point; got {logits.dtype}.", nameof(logits));
        }

        var classes = logits.shape[1];
        if (classes < 2)
        {
            throw new ArgumentException($"logits {Format(logits.shape)} have {classes} class(es); softmax losses need at least 2 (background and foreground).", nameof(logits));
        }

        var expected = new[] { logits.shape[0] }.Concat(logits.shape.Skip(2)).ToArray();
        if (!target.shape.SequenceEqual(expected))
        {
            throw new ArgumentException($"logits {Format(logits.shape)} need a target {Format(expected)}; got {Format(target.shape)}.", nameof(target));
        }

        if (target.dtype != ScalarType.Int64)
        {
            throw new ArgumentException($"The target holds class indices and must be Int64; got {target.dtype}.", nameof(target));
        }

        CheckDevice(logits, target, nameof(target));
        if (weights is not null)
        {
            if (!weights.shape.SequenceEqual(expected))
            {
                throw new ArgumentException($"logits {Format(logits.shape)} need weights {Format(expected)}; got {Format(weights.shape)}.", nameof(weights));
            }

            if (!weights.is_floating_point())
            {
                throw new ArgumentException($"The weights must be floating point; got {weights.dtype}.", nameof(weights));
            }

            CheckDevice(logits, weights, nameof(weights));
        }

        if (target.numel() == 0)
        {
            return;
        }

        // An index outside 0..C-1 would otherwise surface as a native gather or one_hot error without the shapes.
        using var scope = NewDisposeScope();
        var low = target.min().item<long>();
        var high = target.max().item<long>();
        if (low < 0 || high >= classes)
        {
            throw new ArgumentException($"The target holds class {(low < 0 ? low : high)}, but logits {Format(logits.shape)} have classes 0..{classes - 1}.", nameof(target));
        }
    }

    private static void CheckDevice(Tensor logits, Tensor other, string name)
    {
        if (other.device_type != logits.device_type || other.device_index != logits.device_index)
        {
            throw new ArgumentException($"{name} on {other.device} and logits on {logits.device} must be on one device.", name);
        }
    }

    private static string Format(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
