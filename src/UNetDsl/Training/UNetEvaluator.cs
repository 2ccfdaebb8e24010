using System;
using System.Collections.Generic;
using System.IO;
using UNetDsl.Data;
using UNetDsl.Inference;
using static TorchSharp.torch;

namespace UNetDsl.Training;

/// <summary>Scores a generated network on labelled images: overlap-tile prediction of each whole image, then <see cref="EvaluationReport"/>.</summary>
public static class UNetEvaluator
{
    /// <summary>Predicts every image and scores it against its labels.</summary>
    /// <param name="network">A generated 2D network of one input channel.</param>
    /// <param name="samples">Labelled images.</param>
    /// <param name="picturesFolder">Where to write each image's input, prediction and overlay; null for none.</param>
    /// <param name="mirror">Test-time mirroring (<see cref="MirroredPrediction"/>): every combination of mirrored axes predicted and averaged.</param>
    /// <param name="imageDone">Called after each image with (images done, images in all).</param>
    /// <exception cref="ArgumentException">The network cannot segment these images, or a label is not one of its classes.</exception>
    public static EvaluationReport Evaluate(nn.Module<Tensor, Tensor> network, IReadOnlyList<SegmentationSample> samples, string? picturesFolder = null, Action<int, int>? imageDone = null, bool mirror = false)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var geometry = Segmenter.CheckSegmentsGrayImages(network);
        var tally = new EvaluationAccumulator(geometry.OutputChannels);
        if (picturesFolder is not null)
        {
            Directory.CreateDirectory(picturesFolder);
        }

        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i];
            CheckClasses(sample, geometry);
            var predicted = Segmenter.Classes(network, sample.Image, mirror: mirror);
            tally.Add(predicted, sample.Classes(), sample.Image.Width, sample.Image.Height, Losses.Unlabelled);
            if (picturesFolder is not null)
            {
                ImageIO.WriteGray8(Path.Combine(picturesFolder, sample.Name + "-input.png"), sample.Image);
                SegmentationPictures.Prediction(picturesFolder, sample.Name, sample.Image, predicted, geometry.OutputChannels);
            }

            imageDone?.Invoke(i + 1, samples.Count);
        }

        return tally.Report();
    }

    /// <summary>Predicts every volume (3D overlap-tile) and scores it against its labels (<see cref="EvaluationAccumulator.AddVolume"/>).</summary>
    /// <param name="network">A generated 3D network of one input channel.</param>
    /// <param name="samples">Labelled volumes; unlabelled voxels are left out of every figure.</param>
    /// <param name="picturesFolder">Where to write each volume's orthogonal slices (image, prediction, labels); null for none.</param>
    /// <param name="mirror">Test-time mirroring (<see cref="MirroredPrediction"/>): every combination of mirrored axes predicted and averaged.</param>
    /// <param name="volumeDone">Called after each volume with (volumes done, volumes in all).</param>
    /// <exception cref="ArgumentException">The network cannot segment volumes, or a label is not one of its classes.</exception>
    public static EvaluationReport Evaluate(nn.Module<Tensor, Tensor> network, IReadOnlyList<VolumeSample> samples, string? picturesFolder = null, Action<int, int>? volumeDone = null, bool mirror = false)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var geometry = VolumeSegmenter.CheckSegmentsGrayVolumes(network);
        var tally = new EvaluationAccumulator(geometry.OutputChannels);
        if (picturesFolder is not null)
        {
            Directory.CreateDirectory(picturesFolder);
        }

        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i];
            CheckClasses(sample.Name, sample.MaxClass(), geometry);
            var predicted = VolumeSegmenter.Classes(network, sample.Image, mirror: mirror);
            tally.AddVolume(predicted.Labels, sample.Classes.Labels, sample.Image.Depth, sample.Image.Height, sample.Image.Width, Losses.Unlabelled);
            if (picturesFolder is not null)
            {
                VolumePictures.OrthogonalSlices(Path.Combine(picturesFolder, sample.Name + "-slices.png"), sample.Image, null, geometry.OutputChannels);
                VolumePictures.OrthogonalSlices(Path.Combine(picturesFolder, sample.Name + "-prediction-slices.png"), sample.Image, predicted, geometry.OutputChannels);
                VolumePictures.OrthogonalSlices(Path.Combine(picturesFolder, sample.Name + "-labels-slices.png"), sample.Image, sample.Classes, geometry.OutputChannels);
            }

            volumeDone?.Invoke(i + 1, samples.Count);
        }

        return tally.Report();
    }

    /// <summary>Throws when a sample's labels hold a class the network does not have.</summary>
    /// <param name="sample">The sample.</param>
    /// <param name="geometry">The network's geometry.</param>
    /// <exception cref="ArgumentException">A label value is not one of the network's classes.</exception>
    public static void CheckClasses(SegmentationSample sample, UNetGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(geometry);
        CheckClasses(sample.Name, sample.MaxClass(), geometry);
    }

    /// <summary>Throws when a sample's largest class is not one of the network's.</summary>
    internal static void CheckClasses(string name, int max, UNetGeometry geometry)
    {
        if (max >= geometry.OutputChannels)
        {
            throw new ArgumentException($"The labels of '{name}' hold class {max}, but {geometry.Name} has {geometry.OutputChannels} classes (0..{geometry.OutputChannels - 1}). Declare the network with classes: {max + 1}, or relabel.", "sample");
        }
    }
}
