using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using UNetDsl.Data;
using UNetDsl.Inference;
using UNetDsl.Training.Augmentation;
using static TorchSharp.torch;

namespace UNetDsl.Training;

/// <summary>
/// What <see cref="UNetTrainer"/> needs of its data, whatever the data's dimensions: the trainer's loop is one for
/// images and volumes, and each kind of data says how it is checked, tiled, augmented, scored and drawn.
/// </summary>
internal abstract class TrainingSet
{
    /// <summary>Where the data came from, for messages.</summary>
    public abstract string Source { get; }

    /// <summary>"image" or "volume", for messages.</summary>
    public abstract string Unit { get; }

    public abstract int TrainingCount { get; }

    public abstract int ValidationCount { get; }

    /// <summary>Throws unless the network can learn this data: its dimensions, input channels and classes.</summary>
    public abstract UNetGeometry CheckNetwork(nn.Module<Tensor, Tensor> network);

    /// <summary>The training samples, mirror-extended and weighted, ready to be cut into tiles.</summary>
    public abstract TrainingTiles CreateTiles(TrainingPlan plan);

    /// <summary>The paper's augmentation for this data (its dimensions and voxel spacing) and these tiles.</summary>
    public abstract IAugmentation CreateAugmentation(TrainingPlan plan);

    /// <summary>Scores the held-out samples, or, when <paramref name="trainingWhenNoneHeldOut"/> and none are held out, the first training sample.</summary>
    public abstract EvaluationReport Evaluate(nn.Module<Tensor, Tensor> network, bool trainingWhenNoneHeldOut, string? pictures);

    /// <summary>Writes the weight map and an augmentation preview of the first training sample.</summary>
    public abstract void WritePictures(string folder, TrainingPlan plan, IAugmentation? augmentation);
}

/// <summary>2D images.</summary>
internal sealed class ImageTrainingSet(SegmentationData data) : TrainingSet
{
    public override string Source => data.Source;

    public override string Unit => "image";

    public override int TrainingCount => data.Training.Count;

    public override int ValidationCount => data.Validation.Count;

    public override UNetGeometry CheckNetwork(nn.Module<Tensor, Tensor> network)
    {
        var geometry = Segmenter.CheckSegmentsGrayImages(network);
        foreach (var sample in data.Training.Concat(data.Validation))
        {
            UNetEvaluator.CheckClasses(sample, geometry);
        }

        return geometry;
    }

    public override TrainingTiles CreateTiles(TrainingPlan plan) =>
        new(data.Training, plan.Classes, plan.InputTile, plan.OutputTile, plan.BorderWeight);

    public override IAugmentation CreateAugmentation(TrainingPlan plan) => new ElasticDeformation();

    public override EvaluationReport Evaluate(nn.Module<Tensor, Tensor> network, bool trainingWhenNoneHeldOut, string? pictures) =>
        UNetEvaluator.Evaluate(network, data.Validation.Count > 0 || !trainingWhenNoneHeldOut ? data.Validation : data.Training.Take(1).ToList(), pictures);

    public override void WritePictures(string folder, TrainingPlan plan, IAugmentation? augmentation) =>
        TrainingPictures.Write(folder, data.Training[0], plan, plan.Classes, augmentation);
}

/// <summary>Volumes.</summary>
internal sealed class VolumeTrainingSet(VolumeData data) : TrainingSet
{
    public override string Source => data.Source;

    public override string Unit => "volume";

    public override int TrainingCount => data.Training.Count;

    public override int ValidationCount => data.Validation.Count;

    public override UNetGeometry CheckNetwork(nn.Module<Tensor, Tensor> network)
    {
        var geometry = VolumeSegmenter.CheckSegmentsGrayVolumes(network);
        foreach (var sample in data.Training.Concat(data.Validation))
        {
            UNetEvaluator.CheckClasses(sample.Name, sample.MaxClass(), geometry);
        }

        var unlabelled = data.Training.FirstOrDefault(s => s.LabelledVoxels() == 0);
        if (unlabelled is not null)
        {
            throw new ArgumentException($"'{unlabelled.Name}' has no labelled voxel: every voxel carries the unlabelled value. Label some of it, or leave it out.", nameof(data));
        }

        return geometry;
    }

    public override TrainingTiles CreateTiles(TrainingPlan plan) =>
        new(data.Training, plan.Classes, plan.InputTile, plan.OutputTile, plan.BorderWeight);

    public override IAugmentation CreateAugmentation(TrainingPlan plan) =>
        ElasticDeformation3D.ForSpacing(data.Training[0].Image.Spacing, plan.InputTile);

    public override EvaluationReport Evaluate(nn.Module<Tensor, Tensor> network, bool trainingWhenNoneHeldOut, string? pictures) =>
        UNetEvaluator.Evaluate(network, data.Validation.Count > 0 || !trainingWhenNoneHeldOut ? data.Validation : data.Training.Take(1).ToList(), pictures);

    public override void WritePictures(string folder, TrainingPlan plan, IAugmentation? augmentation) =>
        TrainingPictures.Write(folder, data.Training[0], plan, plan.Classes, augmentation);
}
