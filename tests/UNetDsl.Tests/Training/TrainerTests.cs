using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using TorchSharp;
using UNetDsl.Data;
using UNetDsl.Training;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Training;

/// <summary>A network with batch norm and dropout: buffers and random masks that a resumed run must reproduce.</summary>
[UNet(1, 2, Padding = ConvPadding.Valid, Normalization = Normalization.Batch)]
[Level(4)]
[Level(8)]
[Bottleneck(8, Dropout = 0.3)]
public partial class TrainerNet
{
}

/// <summary>Three classes: background and two kinds of cells.</summary>
[UNet(1, 3, Padding = ConvPadding.Same)]
[Level(8)]
[Level(16)]
[Bottleneck(16)]
public partial class ThreeClassNet
{
}

/// <summary>A 3D network, which the 2D image trainer must turn away clearly.</summary>
[UNet(1, 2, Dimensions = 3)]
[Level(2)]
[Bottleneck(4)]
public partial class Tiny3DNet
{
}

/// <summary>Two input channels: grayscale images do not fit it.</summary>
[UNet(2, 2)]
[Level(4)]
[Bottleneck(8)]
public partial class TwoChannelNet
{
}

/// <summary>The library trainer on small networks and small synthetic images: what it promises, checked step by step.</summary>
public sealed class TrainerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("unetdsl-trainer-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static SegmentationData SmallData(int classes = 2) => SegmentationData.Synthetic(training: 4, validation: 1, seed: 3, classes: classes, size: 64);

    private static TrainingOptions Options(string? folder, long steps = 6) => new()
    {
        Steps = steps,
        StepsPerEpoch = 2,
        BatchSize = 2,
        OutputTile = 24,
        LearningRate = 3e-3,
        OutputFolder = folder,
        WritePictures = false,
    };

    private static float[] Weights(nn.Module module) =>
        module.parameters().SelectMany(p => p.detach().contiguous().data<float>().ToArray()).ToArray();

    [Fact]
    public void The_same_options_give_the_same_losses_and_weights_bit_for_bit()
    {
        using var first = new TrainerNet();
        using var second = new TrainerNet();
        var a = UNetTrainer.Train(first, SmallData(), Options(null));
        var b = UNetTrainer.Train(second, SmallData(), Options(null));

        Assert.Equal(6, a.StepLosses.Count);
        Assert.Equal(a.StepLosses, b.StepLosses);
        Assert.Equal(Weights(first), Weights(second));

        // Another seed is another run.
        using var third = new TrainerNet();
        var c = UNetTrainer.Train(third, SmallData(), Options(null) with { Seed = 2 });
        Assert.NotEqual(a.StepLosses, c.StepLosses);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam, 3)]
    [InlineData(OptimizerKind.Sgd, 5)]
    public void A_cancelled_and_resumed_run_continues_exactly_as_an_uninterrupted_one(OptimizerKind optimizer, int stopAfter)
    {
        var straightFolder = Path.Combine(_folder, "straight");
        var resumedFolder = Path.Combine(_folder, "resumed");
        var options = Options(straightFolder, steps: 8) with { Optimizer = optimizer, LearningRate = optimizer == OptimizerKind.Sgd ? 1e-3 : 3e-3 };
        using var straightNetwork = new TrainerNet();
        var straight = UNetTrainer.Train(straightNetwork, SmallData(), options);

        // Stop after a step inside an epoch: the partial epoch is saved too.
        using var cancel = new CancellationTokenSource();
        var stopping = new Listener(p =>
        {
            if (p.Stage == TrainingStage.Step && p.Step == stopAfter)
            {
                cancel.Cancel();
            }
        });
        using (var interrupted = new TrainerNet())
        {
            var partial = UNetTrainer.Train(interrupted, SmallData(), options with { OutputFolder = resumedFolder }, stopping, cancel.Token);
            Assert.Equal(StopReason.Cancelled, partial.Stop);
            Assert.Equal(stopAfter, partial.Steps);
            Assert.Equal(stopAfter, Checkpoint.ReadInfo(Path.Combine(resumedFolder, TrainingOptions.CheckpointFileName)).Step);
        }

        // A fresh process would start from a fresh network: the checkpoint carries everything else. The options
        // given on resume may differ; the recorded plan is what counts.
        using var resumedNetwork = new TrainerNet();
        var resumed = UNetTrainer.Train(resumedNetwork, SmallData(), options with { OutputFolder = resumedFolder, Resume = true, LearningRate = 0.5, Seed = 9 });

        Assert.Equal(StopReason.Completed, resumed.Stop);
        Assert.Equal(straight.StepLosses, resumed.StepLosses);
        Assert.Equal(Weights(straightNetwork), Weights(resumedNetwork));
        Assert.Equal(
            straightNetwork.buffers().SelectMany(b => b.to_type(ScalarType.Float64).contiguous().data<double>().ToArray()),
            resumedNetwork.buffers().SelectMany(b => b.to_type(ScalarType.Float64).contiguous().data<double>().ToArray()));
    }

    [Fact]
    public void An_existing_checkpoint_is_neither_overwritten_nor_continued_unless_asked()
    {
        var folder = Path.Combine(_folder, "run");
        using (var network = new TrainerNet())
        {
            UNetTrainer.Train(network, SmallData(), Options(folder, steps: 2));
        }

        var checkpoint = Path.Combine(folder, TrainingOptions.CheckpointFileName);
        var before = File.ReadAllBytes(checkpoint);
        using var again = new TrainerNet();
        var exception = Assert.Throws<CheckpointExistsException>(() => UNetTrainer.Train(again, SmallData(), Options(folder, steps: 4)));
        Assert.Contains("already holds TrainerNet after 2 steps", exception.Message, StringComparison.Ordinal);
        Assert.Contains("--resume", exception.Message, StringComparison.Ordinal);
        Assert.Contains("--overwrite", exception.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(checkpoint));

        // Asked: replaced by a new run of its own length.
        var replaced = UNetTrainer.Train(again, SmallData(), Options(folder, steps: 4) with { Overwrite = true });
        Assert.Equal(4, replaced.Steps);
        Assert.Equal(4, Checkpoint.ReadInfo(checkpoint).Step);
    }

    [Fact]
    public void A_checkpoint_of_another_network_is_not_resumed()
    {
        var folder = Path.Combine(_folder, "run");
        using (var network = new TileNet())
        {
            UNetTrainer.Train(network, SmallData(), Options(folder, steps: 2));
        }

        using var other = new TrainerNet();
        var exception = Assert.Throws<InvalidDataException>(() => UNetTrainer.Train(other, SmallData(), Options(folder) with { Resume = true }));
        Assert.Contains("holds TileNet, not TrainerNet", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resuming_without_a_checkpoint_says_so_and_starts_a_new_run()
    {
        var messages = new List<string>();
        using var network = new TrainerNet();
        var result = UNetTrainer.Train(network, SmallData(), Options(Path.Combine(_folder, "new"), steps: 2) with { Resume = true }, new Listener(p => messages.Add(p.Message ?? string.Empty)));

        Assert.Equal(2, result.Steps);
        Assert.Contains(messages, m => m.StartsWith("No checkpoint in", StringComparison.Ordinal) && m.EndsWith("starting a new run.", StringComparison.Ordinal));
    }

    [Fact]
    public void Resume_alone_runs_the_recorded_plan_to_its_end_and_needs_a_plan_to_run()
    {
        var folder = Path.Combine(_folder, "plan");
        using (var network = new TrainerNet())
        {
            using var cancel = new CancellationTokenSource();
            var stopping = new Listener(p => { if (p.Stage == TrainingStage.Step && p.Step == 2) { cancel.Cancel(); } });
            Assert.Equal(StopReason.Cancelled, UNetTrainer.Train(network, SmallData(), Options(folder, steps: 6), stopping, cancel.Token).Stop);
        }

        // Neither Steps, Epochs nor Minutes: the checkpoint's plan of 6 steps decides.
        using var resumed = new TrainerNet();
        var result = UNetTrainer.Train(resumed, SmallData(), Options(folder) with { Steps = null, Resume = true });
        Assert.Equal(StopReason.Completed, result.Stop);
        Assert.Equal(6, result.Steps);

        // Without a checkpoint there is no plan to continue: the same call is refused, naming what to set.
        using var fresh = new TrainerNet();
        var empty = Path.Combine(_folder, "empty");
        var error = Assert.Throws<ArgumentException>(() => UNetTrainer.Train(fresh, SmallData(), Options(empty) with { Steps = null, Resume = true }));
        Assert.Contains("Say how long to train: set Steps, Epochs or Minutes. Resume alone continues a recorded plan", error.Message, StringComparison.Ordinal);
        Assert.Contains("holds no checkpoint", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(empty));
    }

    [Fact]
    public void Without_held_out_images_the_run_checkpoints_and_resumes()
    {
        var folder = Path.Combine(_folder, "run");
        var data = SegmentationData.Synthetic(training: 3, validation: 0, seed: 3, size: 64);
        using (var network = new TrainerNet())
        {
            var first = UNetTrainer.Train(network, data, Options(folder, steps: 2));
            Assert.Equal(new[] { double.NaN }, first.EpochValidationIoU);
        }

        var info = Checkpoint.ReadInfo(Path.Combine(folder, TrainingOptions.CheckpointFileName));
        Assert.Equal(new[] { double.NaN }, info.ValidationIoU);
        using var resumed = new TrainerNet();
        var result = UNetTrainer.Train(resumed, data, Options(folder, steps: 4) with { Resume = true });
        Assert.Equal(4, result.Steps);
        Assert.Equal(2, result.EpochValidationIoU.Count);
    }

    [Fact]
    public void A_diverging_run_never_writes_non_finite_weights_and_names_the_last_good_checkpoint()
    {
        var folder = Path.Combine(_folder, "run");
        using (var network = new TrainerNet())
        {
            UNetTrainer.Train(network, SmallData(), Options(folder, steps: 2));
        }

        var checkpoint = Path.Combine(folder, TrainingOptions.CheckpointFileName);
        var good = File.ReadAllBytes(checkpoint);
        using var diverging = new TrainerNet();
        var exception = Assert.Throws<TrainingDivergedException>(() =>
            UNetTrainer.Train(diverging, SmallData(), Options(folder, steps: 40) with { Overwrite = true, LearningRate = 1e30, Schedule = ScheduleKind.Constant }));

        Assert.Matches("The (loss became|weights stopped being finite)", exception.Message);
        Assert.Equal(good, File.ReadAllBytes(checkpoint));
        Assert.Contains("No checkpoint was written by this run", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_refuses_non_finite_weights_and_leaves_the_file_as_it_was()
    {
        var path = Path.Combine(_folder, "weights.unet");
        using var network = new TileNet();
        var info = new CheckpointInfo("TileNet", TileNet.ParameterCount, 1, 1, 1, Array.Empty<double>());
        Checkpoint.Save(path, network, null, info);
        var before = File.ReadAllBytes(path);
        using (no_grad())
        {
            network.parameters().Last().fill_(double.NaN);
        }

        var exception = Assert.Throws<NonFiniteWeightsException>(() => Checkpoint.Save(path, network, null, info));
        Assert.Contains("NaN or infinite", exception.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Fact]
    public void The_output_folder_is_checked_before_training_and_stale_temporaries_are_removed()
    {
        var file = Path.Combine(_folder, "a-file");
        File.WriteAllText(file, "x");
        using var network = new TrainerNet();
        var steps = 0;
        var counting = new Listener(p => steps += p.Stage == TrainingStage.Step ? 1 : 0);
        var exception = Assert.Throws<IOException>(() => UNetTrainer.Train(network, SmallData(), Options(file), counting));
        Assert.Contains("is a file", exception.Message, StringComparison.Ordinal);
        exception = Assert.Throws<IOException>(() => UNetTrainer.Train(network, SmallData(), Options(Path.Combine(file, "below")), counting));
        Assert.Contains("cannot be written", exception.Message, StringComparison.Ordinal);
        Assert.Equal(0, steps);

        // What a killed save leaves behind goes at the next run.
        var folder = Path.Combine(_folder, "run");
        Directory.CreateDirectory(folder);
        var stale = Path.Combine(folder, ".checkpoint.unet.0badc0de.tmp");
        File.WriteAllText(stale, "half a checkpoint");
        UNetTrainer.Train(network, SmallData(), Options(folder, steps: 2));
        Assert.False(File.Exists(stale));
        Assert.Equal(new[] { "checkpoint.unet" }, Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Bad_options_and_data_are_exceptions_that_name_the_problem()
    {
        using var network = new TrainerNet();
        Assert.Contains("BatchSize is 0", Assert.Throws<ArgumentOutOfRangeException>(() => UNetTrainer.Train(network, SmallData(), Options(null) with { BatchSize = 0 })).Message, StringComparison.Ordinal);
        Assert.Contains("LearningRate is NaN", Assert.Throws<ArgumentOutOfRangeException>(() => UNetTrainer.Train(network, SmallData(), Options(null) with { LearningRate = double.NaN })).Message, StringComparison.Ordinal);
        Assert.Contains("Minutes is", Assert.Throws<ArgumentOutOfRangeException>(() => UNetTrainer.Train(network, SmallData(), Options(null) with { Minutes = 1e300 })).Message, StringComparison.Ordinal);
        Assert.Contains("Steps, Epochs or Minutes", Assert.Throws<ArgumentException>(() => UNetTrainer.Train(network, SmallData(), Options(null) with { Steps = null })).Message, StringComparison.Ordinal);

        // Labels of three classes for a network of two.
        var exception = Assert.Throws<ArgumentException>(() => UNetTrainer.Train(network, SmallData(classes: 3), Options(null)));
        Assert.Contains("hold class 2, but TrainerNet has 2 classes", exception.Message, StringComparison.Ordinal);

        using var twoChannels = new TwoChannelNet();
        var channels = Assert.Throws<ArgumentException>(() => UNetTrainer.Train(twoChannels, SmallData(), Options(null)));
        Assert.Contains("TwoChannelNet takes 2 input channels, but the images are grayscale (1 channel)", channels.Message, StringComparison.Ordinal);
        Assert.Contains("TwoChannelNet takes 2 input channels", Assert.Throws<ArgumentException>(() => UNetEvaluator.Evaluate(twoChannels, SmallData().Validation)).Message, StringComparison.Ordinal);

        using var volume = new Tiny3DNet();
        Assert.Contains("is a 3D network", Assert.Throws<ArgumentException>(() => UNetTrainer.Train(volume, SmallData(), Options(null))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_three_class_network_learns_two_kinds_of_cells_and_reports_every_class()
    {
        using var network = new ThreeClassNet();
        var data = SegmentationData.Synthetic(training: 6, validation: 2, seed: 4, classes: 3, size: 64);
        var result = UNetTrainer.Train(network, data, Options(null, steps: 60) with { StepsPerEpoch = 20, LearningRate = 1e-2, BatchSize = 4, OutputTile = 48 });

        var first = result.StepLosses.Take(10).Average();
        var last = result.StepLosses.Skip(50).Average();
        Assert.True(last < 0.8 * first, $"loss {first:0.000} -> {last:0.000}");
        Assert.Equal(3, result.Validation!.PerClass.Count);
        Assert.Equal(new[] { 0, 1, 2 }, result.Validation.PerClass.Select(c => c.Class));
        Assert.True(result.EpochValidationIoU.Count == 3);
        Assert.True(result.Validation.MeanForegroundDice > 0.3, $"mean foreground Dice {result.Validation.MeanForegroundDice:0.000}");
    }

    [Fact]
    public void Images_smaller_than_a_tile_down_to_one_pixel_train()
    {
        var samples = new[] { (1, 1), (3, 5), (30, 2) }
            .Select((size, i) => SyntheticCells.Generate(i, size.Item1, size.Item2))
            .ToList();
        using var network = new TrainerNet();
        var result = UNetTrainer.Train(network, SegmentationData.Split(samples, 1, "tiny images"), Options(null, steps: 3));

        Assert.Equal(3, result.StepLosses.Count);
        Assert.All(result.StepLosses, loss => Assert.True(double.IsFinite(loss)));
        Assert.Equal(1, result.Validation!.Images);
    }

    [Fact]
    public void Training_steps_leave_no_tensor_alive()
    {
        using var network = new TrainerNet();
        var live = new List<long>();
        var watching = new Listener(p =>
        {
            if (p.Stage == TrainingStage.Step && p.Step >= 3)
            {
                live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            }
        });
        UNetTrainer.Train(network, SmallData(), Options(null, steps: 12) with { StepsPerEpoch = 100 }, watching);

        Assert.Equal(10, live.Count);
        Assert.All(live, count => Assert.Equal(live[0], count));
    }

    private sealed class Listener(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }
}
