using System;
using static TorchSharp.torch;

namespace UNetDsl.Training.Augmentation;

/// <summary>A random transformation of one training tile, applied alike to its image, labels and weights.</summary>
public interface IAugmentation
{
    /// <summary>Transforms image [C, spatial...], labels [spatial...] and optional weights [spatial...] by one random draw.</summary>
    /// <param name="image">The tile's image.</param>
    /// <param name="labels">Its integer labels.</param>
    /// <param name="weights">Its weight map, or null.</param>
    /// <param name="random">Chooses flips and turns.</param>
    /// <param name="generator">Draws the displacements; null for the global generator.</param>
    (Tensor Image, Tensor Labels, Tensor? Weights) Augment(Tensor image, Tensor labels, Tensor? weights, Random random, Generator? generator = null);
}
