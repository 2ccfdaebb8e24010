using System;
using static TorchSharp.torch;

namespace UNetDsl.Training.Augmentation;

/// <summary>
/// Warps an image or volume, its labels and its weights by one displacement field, for <see cref="ElasticDeformation"/>
/// (2D) and <see cref="ElasticDeformation3D"/>: each output pixel or voxel samples the input at its position plus the
/// displacement; the image and the weights are interpolated (bilinear, trilinear in 3D), the labels take the nearest
/// value so that they stay labels; borders reflect.
/// </summary>
internal static class DisplacementSampler
{
    /// <summary>Samples image [C, spatial...], labels [spatial...] and weights [spatial...] at the displaced positions.</summary>
    /// <param name="image">The image or volume.</param>
    /// <param name="labels">Integer labels (any integer dtype).</param>
    /// <param name="weights">A weight map, or null.</param>
    /// <param name="displacement">[spatial..., n] in pixels or voxels, its components in grid_sample's order: the last
    /// axis first (x, y in 2D; x, y, z in 3D).</param>
    public static (Tensor Image, Tensor Labels, Tensor? Weights) Sample(Tensor image, Tensor labels, Tensor? weights, Tensor displacement)
    {
        var spatial = (int)image.dim() - 1;
        using var scope = NewDisposeScope();

        // grid_sample wants the sampling positions in [-1, 1] (align_corners: -1 and 1 are the centres of the edge
        // pixels), the last axis's coordinate first. The operations are the ones the 2D augmentation always ran, so
        // its results stay the same bit for bit.
        var sizes = new long[spatial];
        Array.Copy(image.shape, 1, sizes, 0, spatial);
        var coordinates = new Tensor[spatial];
        for (var axis = 0; axis < spatial; axis++)
        {
            var size = sizes[axis];
            var along = new long[spatial];
            Array.Fill(along, 1L);
            along[axis] = -1;
            var positions = arange(size, dtype: ScalarType.Float32).view(along).expand(sizes);
            var component = spatial - 1 - axis;
            coordinates[component] = positions.add(displacement.select(spatial, component)).mul(2.0 / Math.Max(1, size - 1)).sub(1);
        }

        var grid = stack(coordinates, spatial).unsqueeze(0);

        var deformedImage = nn.functional.grid_sample(image.unsqueeze(0).to_type(ScalarType.Float32), grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Reflection, align_corners: true).squeeze(0);
        var deformedLabels = nn.functional.grid_sample(labels.unsqueeze(0).unsqueeze(0).to_type(ScalarType.Float32), grid, GridSampleMode.Nearest, GridSamplePaddingMode.Reflection, align_corners: true)
            .squeeze(0).squeeze(0).round().to_type(labels.dtype);
        Tensor? deformedWeights = null;
        if (weights is not null)
        {
            deformedWeights = nn.functional.grid_sample(weights.unsqueeze(0).unsqueeze(0).to_type(ScalarType.Float32), grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Reflection, align_corners: true).squeeze(0).squeeze(0);
            scope.MoveToOuter(deformedWeights);
        }

        scope.MoveToOuter(deformedImage, deformedLabels);
        return (deformedImage, deformedLabels, deformedWeights);
    }
}
