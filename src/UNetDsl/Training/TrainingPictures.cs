using System;
using System.IO;
using System.Linq;
using UNetDsl.Data;
using UNetDsl.Training.Augmentation;
using static TorchSharp.torch;

namespace UNetDsl.Training;

/// <summary>The pictures a training run leaves besides the held-out predictions: the weight map and an augmentation preview.</summary>
public static class TrainingPictures
{
    /// <summary>Writes <c>weight-map.png</c> and <c>augmentation-preview.png</c> of <paramref name="sample"/> to <paramref name="folder"/>.</summary>
    /// <param name="folder">The pictures folder.</param>
    /// <param name="sample">A training image.</param>
    /// <param name="plan">The run's plan (its border weight).</param>
    /// <param name="classes">The network's classes.</param>
    /// <param name="deformation">The run's augmentation, or null (the preview then shows the image and labels as they are).</param>
    public static void Write(string folder, SegmentationSample sample, TrainingPlan plan, int classes, ElasticDeformation? deformation)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(plan);
        Directory.CreateDirectory(folder);
        var (w, h) = (sample.Image.Width, sample.Image.Height);
        var labels = sample.Classes();
        SegmentationPictures.Scaled(Path.Combine(folder, "weight-map.png"), WeightMap.ComputeForClasses(labels, sample.Instances, classes, w, h, plan.BorderWeight, ignore: Losses.Unlabelled), w, h);

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
}
