using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace UNetDsl.Inference;

/// <summary>
/// Test-time mirroring (nnU-Net's): the network sees the image as it is and mirrored along every combination of its
/// spatial axes (4 passes in 2D, 8 in 3D), each prediction is mirrored back, and the class probabilities are averaged.
/// A network is not mirror-symmetric, and overlap-tile prediction cuts a mirrored image at other places, so the passes
/// disagree where the network is unsure: the average is a small ensemble at the cost of 2^d predictions.
/// </summary>
public static class MirroredPrediction
{
    /// <summary>
    /// The mean class probabilities [classes, spatial...] of <paramref name="predict"/> on <paramref name="image"/>
    /// [C, spatial...] and its mirror images along every combination of spatial axes.
    /// </summary>
    /// <param name="image">The image or volume.</param>
    /// <param name="predict">Class scores (before softmax) of an image of the same shape, e.g. overlap-tile prediction.</param>
    /// <param name="progress">Called with (passes done, passes in all).</param>
    public static Tensor Probabilities(Tensor image, Func<Tensor, Tensor> predict, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(predict);
        using var scope = NewDisposeScope();
        var flips = Flips((int)image.dim() - 1);
        Tensor? sum = null;
        for (var pass = 0; pass < flips.Count; pass++)
        {
            using var passScope = NewDisposeScope();
            var axes = flips[pass];
            var input = axes.Length == 0 ? image : image.flip(axes);
            var probabilities = predict(input).softmax(0);
            var back = axes.Length == 0 ? probabilities : probabilities.flip(axes);
            if (sum is null)
            {
                sum = back.clone().MoveToOuterDisposeScope();
            }
            else
            {
                sum.add_(back);
            }

            progress?.Invoke(pass + 1, flips.Count);
        }

        return scope.MoveToOuter(sum!.div_(flips.Count));
    }

    /// <summary>Every subset of the spatial axes 1..<paramref name="spatialAxes"/> of a [C, spatial...] tensor, the empty one first.</summary>
    /// <param name="spatialAxes">2 or 3.</param>
    public static IReadOnlyList<long[]> Flips(int spatialAxes) =>
        Enumerable.Range(0, 1 << spatialAxes)
            .Select(mask => Enumerable.Range(0, spatialAxes).Where(axis => (mask & (1 << axis)) != 0).Select(axis => (long)axis + 1).ToArray())
            .ToList();
}
