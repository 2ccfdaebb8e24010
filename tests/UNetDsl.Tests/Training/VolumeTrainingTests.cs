using System;
using System.IO;
using System.Linq;
using System.Threading;
using UNetDsl.Data;
using UNetDsl.Inference;
using UNetDsl.Training;
using UNetDsl.Training.Augmentation;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Training;

/// <summary>A small anisotropic 3D network with batch norm: in-plane kernels and pooling at level 1, 'Same' padding.</summary>
[UNet(1, 2, Dimensions = 3, Normalization = Normalization.Batch)]
[Level(4, Kernel = new[] { 1, 3, 3 }, Pool = new[] { 1, 2, 2 })]
[Level(8)]
[Bottleneck(8)]
public partial class TrainerVolumeNet
{
}

/// <summary>'Valid' 3D: the tiles' margins and mirror extension on every axis.</summary>
[UNet(1, 3, Dimensions = 3, Padding = ConvPadding.Valid)]
[Level(4, Kernel = new[] { 1, 3, 3 }, Pool = new[] { 1, 2, 2 })]
[Bottleneck(4)]
public partial class ValidTrainerVolumeNet
{
}

/// <summary>The library trainer on volumes: tiles, weights, augmentation, sparse labels, evaluation and pictures.</summary>
public sealed class VolumeTrainingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("unetdsl-volume-training-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static VolumeData SmallVolumes(int classes = 2, int training = 2) =>
        VolumeData.Synthetic(training: training, validation: 1, seed: 5, classes: classes, shape: [8, 48, 48], spacing: [3, 1, 1]);

    private static TrainingOptions Options(string? folder, long steps = 4) => new()
    {
        Steps = steps,
        StepsPerEpoch = 2,
        BatchSize = 2,
        OutputTileSizes = [8, 24, 24],
        LearningRate = 3e-3,
        OutputFolder = folder,
        WritePictures = false,
    };

    private static float[] Weights(nn.Module module) =>
        module.parameters().SelectMany(p => p.detach().contiguous().data<float>().ToArray()).ToArray();

    [Fact]
    public void Tiles_of_volumes_have_the_input_tile_in_and_the_output_tile_out_on_every_axis()
    {
        var data = SmallVolumes(classes: 3);
        var (input, output) = UNetTrainer.Tiles(ValidTrainerVolumeNet.StaticGeometry, new[] { 8, 20, 20 });
        Assert.Equal(3, input.Length);
        Assert.True(input.Zip(output).All(p => p.First > p.Second), $"a 'Valid' network's input tile is larger on every axis: [{string.Join(", ", input)}] -> [{string.Join(", ", output)}]");
        using var tiles = new TrainingTiles(data.Training, 3, input, output, WeightMap.DefaultW0);
        using var scope = NewDisposeScope();
        var augmentation = ElasticDeformation3D.ForSpacing(data.Training[0].Image.Spacing, input);
        var (images, labels, weights) = tiles.Draw(3, new Random(1), new Generator(1), augmentation);

        Assert.Equal(new long[] { 3, 1 }.Concat(input.Select(s => (long)s)), images.shape);
        Assert.Equal(new long[] { 3 }.Concat(output.Select(s => (long)s)), labels.shape);
        Assert.Equal(labels.shape, weights.shape);
        Assert.True(labels.min().item<long>() >= 0 && labels.max().item<long>() <= 2);
        Assert.True(weights.min().item<float>() >= 0);

        // The volumes are 8 slices deep and the tile needs more: mirror extension made up the difference.
        Assert.True(input[0] > 8);
    }

    [Fact]
    public void Tiles_without_class_balance_or_border_weigh_every_labelled_voxel_one()
    {
        var data = SmallVolumes(classes: 3);
        var (input, output) = UNetTrainer.Tiles(ValidTrainerVolumeNet.StaticGeometry, new[] { 8, 20, 20 });
        using var plain = new TrainingTiles(data.Training, 3, input, output, borderWeight: 0, balanceClasses: false);
        using var balanced = new TrainingTiles(data.Training, 3, input, output, borderWeight: 0);
        using var scope = NewDisposeScope();

        // The same draws from both: only the weights differ, 1 everywhere against w_c.
        var (_, labels, weights) = plain.Draw(4, new Random(5), new Generator(5), null);
        var (_, sameLabels, classWeights) = balanced.Draw(4, new Random(5), new Generator(5), null);
        Assert.True(labels.equal(sameLabels).all().item<bool>());
        Assert.Equal(1f, weights.min().item<float>());
        Assert.Equal(1f, weights.max().item<float>());
        Assert.True(classWeights.max().item<float>() > 1.2f, "the balanced tiles weigh a rarer class more");
    }

    [Fact]
    public void The_deformation_for_thick_slices_turns_and_flips_only_in_plane_and_moves_less_across_slices()
    {
        var thick = ElasticDeformation3D.ForSpacing([4, 1, 1], [8, 32, 32]);
        Assert.Equal(new[] { 1, 2 }, thick.OrientAxes.OrderBy(a => a));
        Assert.Equal(1.0, thick.Sigma[0], 6);
        Assert.Equal(4.0, thick.Sigma[1], 6);
        Assert.Equal(8, thick.GridSpacing[0]);
        Assert.Equal(32, thick.GridSpacing[2]);

        // Isotropic voxels and a cubic tile: every axis may turn.
        Assert.Equal(new[] { 0, 1, 2 }, ElasticDeformation3D.ForSpacing([1, 1, 1], [16, 16, 16]).OrientAxes.OrderBy(a => a));

        // Isotropic voxels but a flat tile: a turn into the short axis would change the tile's shape.
        Assert.Equal(new[] { 1, 2 }, ElasticDeformation3D.ForSpacing([1, 1, 1], [8, 16, 16]).OrientAxes.OrderBy(a => a));
    }

    [Fact]
    public void A_3D_network_trains_on_volumes_validates_and_checkpoints_and_repeats_bit_for_bit()
    {
        var folder = Path.Combine(_folder, "run");
        using var first = new TrainerVolumeNet();
        var a = UNetTrainer.Train(first, SmallVolumes(), Options(folder) with { WritePictures = true });
        using var second = new TrainerVolumeNet();
        var b = UNetTrainer.Train(second, SmallVolumes(), Options(null));

        Assert.Equal(StopReason.Completed, a.Stop);
        Assert.Equal(4, a.StepLosses.Count);
        Assert.All(a.StepLosses, l => Assert.True(double.IsFinite(l)));
        Assert.Equal(a.StepLosses, b.StepLosses);
        Assert.Equal(Weights(first), Weights(second));
        Assert.Equal(2, a.EpochValidationIoU.Count);
        Assert.Equal(1, a.Validation!.Images);
        Assert.Equal(4, Checkpoint.ReadInfo(Path.Combine(folder, TrainingOptions.CheckpointFileName)).Step);

        var pictures = Path.Combine(folder, "pictures");
        var name = SmallVolumes().Validation[0].Name;
        foreach (var file in new[] { "weight-map-slices.png", "augmentation-preview-slices.png", name + "-slices.png", name + "-prediction-slices.png", name + "-labels-slices.png" })
        {
            Assert.True(new FileInfo(Path.Combine(pictures, file)).Length > 100, file);
        }
    }

    [Fact]
    public void The_image_trainer_and_the_volume_trainer_turn_away_networks_of_the_other_dimensions()
    {
        using var flat = new TrainerNet();
        var exception = Assert.Throws<ArgumentException>(() => UNetTrainer.Train(flat, SmallVolumes(), Options(null)));
        Assert.Contains("TrainerNet is a 2D network; volumes need a 3D one", exception.Message, StringComparison.Ordinal);

        using var deep = new TrainerVolumeNet();
        exception = Assert.Throws<ArgumentException>(() => UNetTrainer.Train(deep, SegmentationData.Synthetic(2, 1, size: 64), Options(null) with { OutputTileSizes = null }));
        Assert.Contains("TrainerVolumeNet is a 3D network; images are 2D", exception.Message, StringComparison.Ordinal);

        exception = Assert.Throws<ArgumentException>(() => UNetTrainer.Train(deep, SmallVolumes(), Options(null) with { OutputTileSizes = [24, 24] }));
        Assert.Contains("The output tile has 2 sizes (OutputTileSizes, --tile); TrainerVolumeNet is 3D: give one per spatial axis (D, H, W)", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_volume_whose_labels_hold_a_class_the_network_lacks_is_refused_by_name()
    {
        var data = SmallVolumes(classes: 3);
        using var network = new TrainerVolumeNet();
        var exception = Assert.Throws<ArgumentException>(() => UNetTrainer.Train(network, data, Options(null)));
        Assert.Contains($"The labels of '{data.Training[0].Name}' hold class 2, but TrainerVolumeNet has 2 classes", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_network_trained_with_half_its_slices_unlabelled_still_learns()
    {
        // Cicek et al.'s setting: every other slice of the training volumes carries no label. The held-out volume is
        // fully labelled, and the sparse run must come close to the dense one after the same steps.
        var dense = SmallVolumes(training: 3);
        var sparse = dense with
        {
            Training = dense.Training.Select(s => new VolumeSample(s.Name, s.Image, s.Classes with
            {
                Labels = s.Classes.Labels.Select((c, i) => i / (s.Image.Height * s.Image.Width) % 2 == 1 ? Losses.Unlabelled : c).ToArray(),
            })).ToList(),
        };
        Assert.All(sparse.Training, s => Assert.Equal(s.Classes.Labels.Length / 2, s.LabelledVoxels()));

        var options = Options(null, steps: LearningSteps) with { StepsPerEpoch = LearningSteps };
        using var denseNetwork = new TrainerVolumeNet();
        using var sparseNetwork = new TrainerVolumeNet();
        var denseIoU = UNetTrainer.Train(denseNetwork, dense, options).Validation!.MeanForegroundIoU;
        var sparseIoU = UNetTrainer.Train(sparseNetwork, sparse, options).Validation!.MeanForegroundIoU;

        Assert.True(sparseIoU > MinimumIoU, $"half the slices unlabelled: held-out IoU {sparseIoU:0.000} (dense {denseIoU:0.000})");
        Assert.True(sparseIoU > denseIoU - 0.1, $"half the slices unlabelled: held-out IoU {sparseIoU:0.000}, dense {denseIoU:0.000}");
    }

    private const int LearningSteps = 60;

    private const double MinimumIoU = 0.6;

    [Fact]
    public void Evaluation_of_volumes_scores_dice_over_the_volume_and_rand_error_slice_by_slice_leaving_out_unlabelled_slices()
    {
        var tally = new EvaluationAccumulator(2);
        // 2 slices of 2x3: slice 0 labelled and predicted right but for one voxel, slice 1 unlabelled.
        int[] truth = [1, 1, 0, 0, 1, 1, -1, -1, -1, -1, -1, -1];
        int[] predicted = [1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0];
        tally.AddVolume(predicted, truth, 2, 2, 3, Losses.Unlabelled);
        var report = tally.Report();

        Assert.Equal(1, report.Images);
        Assert.Equal(1.0 / 6, report.PixelError, 10);
        Assert.Equal(2.0 * 3 / (3 + 4), report.PerClass[1].Dice, 10);

        var slice = new EvaluationAccumulator(2);
        slice.Add(predicted.Take(6).ToArray(), truth.Take(6).ToArray(), 3, 2);
        Assert.Equal(slice.Report().RandError, report.RandError, 12);
        Assert.Equal(slice.Report().AdaptedRandError, report.AdaptedRandError, 12);
    }

    [Fact]
    public void A_volume_or_image_without_a_labelled_voxel_counts_in_no_figure()
    {
        int[] truth = [1, 1, 0, 0, 1, 1];
        int[] predicted = [1, 0, 0, 0, 1, 1];
        var alone = new EvaluationAccumulator(2);
        alone.AddVolume(predicted, truth, 1, 2, 3, Losses.Unlabelled);
        var withEmpty = new EvaluationAccumulator(2);
        withEmpty.AddVolume(predicted, truth, 1, 2, 3, Losses.Unlabelled);
        withEmpty.AddVolume([1, 1, 1, 1, 1, 1], Enumerable.Repeat(Losses.Unlabelled, 6).ToArray(), 1, 2, 3, Losses.Unlabelled);
        withEmpty.Add([0, 0, 0, 0, 0, 0], Enumerable.Repeat(Losses.Unlabelled, 6).ToArray(), 3, 2, Losses.Unlabelled);

        var (expected, actual) = (alone.Report(), withEmpty.Report());
        Assert.Equal(expected, actual with { PerClass = expected.PerClass });
        Assert.Equal(1, actual.Images);
        Assert.Equal(expected.PerClass, actual.PerClass);
    }
}
