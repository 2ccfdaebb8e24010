using System;
using System.IO;
using System.Linq;
using UNetDsl.Data;
using UNetDsl.Training.Augmentation;
using static TorchSharp.torch;

namespace UNetDsl.Training;

/// <summary>The pictures a training run leaves besides the held-out predictions: the weight map and an augmentation preview (orthogonal slices for volumes).</summary>
public static class TrainingPictures
{
    /// <summary>Writes <c>weight-map.png</c> and <c>augmentation-preview.png</c> of <paramref name="sample"/> to <paramref name="folder"/>.</summary>
    /// <param name="folder">The pictures folder.</param>
    /// <param name="sample">A training image.</param>
    /// <param name="plan">The run's plan (its border weight).</param>
    /// <param name="classes">The network's classes.</param>
    /// <param name="deformation">The run's augmentation, or null (the preview then shows the image and labels as they are).</param>
    public static void Write(string folder, SegmentationSample sample, TrainingPlan plan, int classes, IAugmentation? deformation)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(plan);
        Directory.CreateDirectory(folder);
        var (w, h) = (sample.Image.Width, sample.Image.Height);
        var labels = sample.Classes();
        SegmentationPictures.Scaled(Path.Combine(folder, "weight-map.png"), WeightMap.ComputeForClasses(labels, sample.Instances, classes, w, h, plan.BorderWeight, ignore: Losses.Unlabelled, balanceClasses: plan.ClassBalance), w, h);

        // The image and its labels deformed by one random field, side by side.
        using var scope = NewDisposeScope();
        var image = tensor(sample.Image.Pixels, new long[] { 1, h, w });
        var target = tensor(labels.Select(l => (long)l).ToArray(), new long[] { h, w });
        if (deformation is not null)
        {
            (image, target, _) = deformation.Augment(image, target, null, new Random(7));
        }

        var left = image.squeeze(0).contiguous().data<float>().ToArray();
        var scale = 1f / Math.Max(1, classes - 1);
        var right = target.clamp_min(0).to_type(ScalarType.Float32).mul(scale).contiguous().data<float>().ToArray();
        var preview = new float[w * 2 * h];
        for (var y = 0; y < h; y++)
        {
            Array.Copy(left, y * w, preview, y * 2 * w, w);
            Array.Copy(right, y * w, preview, (y * 2 * w) + w, w);
        }

        ImageIO.WriteGray8(Path.Combine(folder, "augmentation-preview.png"), new GrayImage(preview, 2 * w, h));
    }

    /// <summary>Writes <c>weight-map-slices.png</c> and <c>augmentation-preview-slices.png</c> (orthogonal slices) of a training volume.</summary>
    /// <param name="folder">The pictures folder.</param>
    /// <param name="sample">A training volume.</param>
    /// <param name="plan">The run's plan (its border weight).</param>
    /// <param name="classes">The network's classes.</param>
    /// <param name="deformation">The run's augmentation, or null (the preview then shows the volume and labels as they are).</param>
    public static void Write(string folder, VolumeSample sample, TrainingPlan plan, int classes, IAugmentation? deformation)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(plan);
        Directory.CreateDirectory(folder);
        var image = sample.Image;
        var (d, h, w) = (image.Depth, image.Height, image.Width);
        var weights = WeightMap.ComputeForClasses(sample.Classes.Labels, sample.InstanceLabels(), classes, d, h, w, image.Spacing, plan.BorderWeight, ignore: Losses.Unlabelled, balanceClasses: plan.ClassBalance);
        var top = Math.Max(1e-6f, weights.Max());
        VolumePictures.OrthogonalSlices(Path.Combine(folder, "weight-map-slices.png"), image with { Voxels = Array.ConvertAll(weights, v => v / top) }, null, classes);

        // The volume tinted by its labels, both deformed by one random field.
        using var scope = NewDisposeScope();
        var voxels = tensor(image.Voxels, new long[] { 1, d, h, w });
        var labels = tensor(sample.Classes.Labels.Select(l => (long)l).ToArray(), new long[] { d, h, w });
        if (deformation is not null)
        {
            (voxels, labels, _) = deformation.Augment(voxels, labels, null, new Random(7));
        }

        var shape = labels.shape.Select(s => (int)s).ToArray();
        var deformedImage = new GrayVolume(voxels.contiguous().data<float>().ToArray(), shape[0], shape[1], shape[2], (double[])image.Spacing.Clone());
        var deformedLabels = new LabelVolume(labels.to_type(ScalarType.Int32).contiguous().data<int>().ToArray(), shape[0], shape[1], shape[2], (double[])image.Spacing.Clone());
        VolumePictures.OrthogonalSlices(Path.Combine(folder, "augmentation-preview-slices.png"), deformedImage, deformedLabels, classes);
    }
}
