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

/// <summary>The part of a training set that is the same for every kind of sample: the split and the held-out rule.</summary>
internal abstract class TrainingSet<TSample>(IReadOnlyList<TSample> training, IReadOnlyList<TSample> validation, string source, string unit) : TrainingSet
{
    public override string Source => source;

    public override string Unit => unit;

    public override int TrainingCount => training.Count;

    public override int ValidationCount => validation.Count;

    protected IReadOnlyList<TSample> Training => training;

    protected IEnumerable<TSample> All => training.Concat(validation);

    public override EvaluationReport Evaluate(nn.Module<Tensor, Tensor> network, bool trainingWhenNoneHeldOut, string? pictures) =>
        Evaluate(network, validation.Count > 0 || !trainingWhenNoneHeldOut ? validation : training.Take(1).ToList(), pictures);

    protected abstract EvaluationReport Evaluate(nn.Module<Tensor, Tensor> network, IReadOnlyList<TSample> samples, string? pictures);
}

/// <summary>2D images.</summary>
internal sealed class ImageTrainingSet(SegmentationData data) : TrainingSet<SegmentationSample>(data.Training, data.Validation, data.Source, "image")
{
    public override UNetGeometry CheckNetwork(nn.Module<Tensor, Tensor> network)
    {
        var geometry = Segmenter.CheckSegmentsGrayImages(network);
        foreach (var sample in All)
        {
            UNetEvaluator.CheckClasses(sample, geometry);
        }

        return geometry;
    }

    public override TrainingTiles CreateTiles(TrainingPlan plan) =>
        new(Training, plan.Classes, plan.InputTile, plan.OutputTile, plan.BorderWeight, plan.ClassBalance);

    public override IAugmentation CreateAugmentation(TrainingPlan plan) => new ElasticDeformation();

    public override void WritePictures(string folder, TrainingPlan plan, IAugmentation? augmentation) =>
        TrainingPictures.Write(folder, Training[0], plan, plan.Classes, augmentation);

    protected override EvaluationReport Evaluate(nn.Module<Tensor, Tensor> network, IReadOnlyList<SegmentationSample> samples, string? pictures) =>
        UNetEvaluator.Evaluate(network, samples, pictures);
}

/// <summary>Volumes.</summary>
internal sealed class VolumeTrainingSet(VolumeData data) : TrainingSet<VolumeSample>(data.Training, data.Validation, data.Source, "volume")
{
    public override UNetGeometry CheckNetwork(nn.Module<Tensor, Tensor> network)
    {
        var geometry = VolumeSegmenter.CheckSegmentsGrayVolumes(network);
        foreach (var sample in All)
        {
            UNetEvaluator.CheckClasses(sample.Name, sample.MaxClass(), geometry);
        }

        var unlabelled = Training.FirstOrDefault(s => s.LabelledVoxels() == 0);
        if (unlabelled is not null)
        {
            throw new ArgumentException($"Training volume '{unlabelled.Name}' has no labelled voxel: every voxel carries the unlabelled value. Label some of it, or leave it out.", nameof(data));
        }

        return geometry;
    }

    public override TrainingTiles CreateTiles(TrainingPlan plan) =>
        new(Training, plan.Classes, plan.InputTile, plan.OutputTile, plan.BorderWeight, plan.ClassBalance);

    // One deformation for the run: its spacing is the first volume's (a folder's volumes share their scanner's).
    public override IAugmentation CreateAugmentation(TrainingPlan plan) =>
        ElasticDeformation3D.ForSpacing(Training[0].Image.Spacing, plan.InputTile);

    public override void WritePictures(string folder, TrainingPlan plan, IAugmentation? augmentation) =>
        TrainingPictures.Write(folder, Training[0], plan, plan.Classes, augmentation);

    protected override EvaluationReport Evaluate(nn.Module<Tensor, Tensor> network, IReadOnlyList<VolumeSample> samples, string? pictures) =>
        UNetEvaluator.Evaluate(network, samples, pictures);
}
