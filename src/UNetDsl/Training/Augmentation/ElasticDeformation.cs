using System;
using static TorchSharp.torch;

namespace UNetDsl.Training.Augmentation;

/// <summary>
/// The paper's elastic deformation: random displacement vectors on a coarse 3x3 grid (standard deviation 10 px),
/// interpolated smoothly to every pixel by bicubic interpolation, applied with one sampling grid to the image
/// (bilinear), the labels (nearest, so they stay labels) and the weight map (bilinear); plus random flips and
/// 90-degree rotations. Runs on tensors (grid sampling), not pixel loops. Volumes: <see cref="ElasticDeformation3D"/>.
/// </summary>
public sealed class ElasticDeformation : IAugmentation
{
    /// <summary>Builds the augmentation.</summary>
    /// <param name="sigma">Standard deviation of the coarse displacements in pixels; 10 in the paper.</param>
    /// <param name="gridSize">Coarse grid points per axis; 3 in the paper.</param>
    /// <param name="flipAndRotate">Also apply a random flip and a random multiple of 90 degrees.</param>
    public ElasticDeformation(double sigma = 10, int gridSize = 3, bool flipAndRotate = true)
    {
        Sigma = sigma;
        GridSize = gridSize;
        FlipAndRotate = flipAndRotate;
    }

    /// <summary>Standard deviation of the coarse displacements in pixels.</summary>
    public double Sigma { get; }

    /// <summary>Coarse grid points per axis.</summary>
    public int GridSize { get; }

    /// <summary>Whether a random flip and rotation follow the deformation.</summary>
    public bool FlipAndRotate { get; }

    /// <summary>A dense displacement field [H, W, 2] in pixels (x, y), smooth, from random coarse displacements.</summary>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <param name="generator">The random source; null for the global one.</param>
    public Tensor RandomDisplacement(int height, int width, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var coarse = randn(new long[] { 1, 2, GridSize, GridSize }, generator: generator).mul(Sigma);
        var dense = nn.functional.interpolate(coarse, size: new long[] { height, width }, mode: InterpolationMode.Bicubic, align_corners: true);
        return scope.MoveToOuter(dense.squeeze(0).permute(1, 2, 0).contiguous());
    }

    /// <summary>
    /// Deforms image [C, H, W], labels [H, W] (integer classes) and optional weights [H, W] by the same displacement
    /// field [H, W, 2] (pixels; each output pixel samples the input at its position plus the displacement).
    /// </summary>
    /// <param name="image">The image.</param>
    /// <param name="labels">Integer labels (any integer dtype).</param>
    /// <param name="weights">A weight map, or null.</param>
    /// <param name="displacement">The displacement field in pixels.</param>
    public static (Tensor Image, Tensor Labels, Tensor? Weights) Apply(Tensor image, Tensor labels, Tensor? weights, Tensor displacement)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(displacement);
        var height = image.shape[1];
        var width = image.shape[2];
        if (labels.shape[0] != height || labels.shape[1] != width || displacement.shape[0] != height || displacement.shape[1] != width)
        {
            throw new ArgumentException($"image [{string.Join(", ", image.shape)}], labels [{string.Join(", ", labels.shape)}] and displacement [{string.Join(", ", displacement.shape)}] must share height and width.");
        }

        return DisplacementSampler.Sample(image, labels, weights, displacement);
    }

    /// <summary>A random deformation (and flip and rotation) of one training sample.</summary>
    /// <param name="image">Image [C, H, W].</param>
    /// <param name="labels">Labels [H, W].</param>
    /// <param name="weights">Weights [H, W] or null.</param>
    /// <param name="random">The source of the flip and rotation.</param>
    /// <param name="generator">The source of the displacements; null for the global one.</param>
    public (Tensor Image, Tensor Labels, Tensor? Weights) Augment(Tensor image, Tensor labels, Tensor? weights, Random random, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(random);
        using var scope = NewDisposeScope();
        using var displacement = RandomDisplacement((int)image.shape[1], (int)image.shape[2], generator);
        var (i, l, w) = Apply(image, labels, weights, displacement);
        if (FlipAndRotate)
        {
            var turns = random.Next(4);
            var flip = random.Next(2) == 1;
            (i, l, w) = (Orient(i, turns, flip), Orient(l, turns, flip), w is null ? null : Orient(w, turns, flip));
        }

        scope.MoveToOuter(i, l);
        if (w is not null)
        {
            scope.MoveToOuter(w);
        }

        return (i, l, w);
    }

    // Rotates the last two axes by turns x 90 degrees and optionally mirrors the last axis.
    private static Tensor Orient(Tensor x, int turns, bool flip)
    {
        var last = x.dim() - 1;
        var rotated = turns == 0 ? x : x.rot90(turns, (last - 1, last));
        return (flip ? rotated.flip(last) : rotated).contiguous();
    }
}
