using System;
using System.IO;
using System.Linq;
using System.Threading;
using UNetDsl.Data;
using UNetDsl.Tests.Training;
using UNetDsl.Training;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Precision;

/// <summary>
/// bfloat16 mixed-precision training: a bfloat16 copy computes, the float32 weights learn; same seed same run, a
/// resumed run continues exactly, checkpoints hold float32, and the loss follows the float32 run's.
/// </summary>
public sealed class MixedPrecisionTrainingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("unetdsl-mixed-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static SegmentationData Cells() => SegmentationData.Synthetic(training: 4, validation: 1, seed: 3, size: 64);

    private static TrainingOptions Options(string? folder, long steps) => new()
    {
        Steps = steps,
        StepsPerEpoch = 4,
        BatchSize = 2,
        OutputTile = 24,
        LearningRate = 3e-3,
        OutputFolder = folder,
        WritePictures = false,
        Precision = ComputePrecision.BFloat16,
    };

    private static float[] Weights(nn.Module module) =>
        module.parameters().SelectMany(p => p.detach().contiguous().data<float>().ToArray()).ToArray();

    [Fact]
    public void The_float32_weights_learn_from_bfloat16_gradients_and_the_loss_follows_the_float32_run()
    {
        using var full = new TrainerNet();
        using var mixed = new TrainerNet();
        var reference = UNetTrainer.Train(full, Cells(), Options(null, 40) with { Precision = ComputePrecision.Float32 });
        var folder = Path.Combine(_folder, "mixed");
        var result = UNetTrainer.Train(mixed, Cells(), Options(folder, 40));

        // The weights the optimiser updates stay float32, finite, and moved away from the float32 run's only by rounding.
        Assert.All(mixed.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.All(Weights(mixed), w => Assert.True(float.IsFinite(w)));
        Assert.NotEqual(Weights(full), Weights(mixed));

        // Same curve within noise: the first steps nearly equal, the last ten at the float32 run's level.
        Assert.True(Math.Abs(result.StepLosses[0] - reference.StepLosses[0]) < 0.02 * reference.StepLosses[0], $"first loss {result.StepLosses[0]} vs {reference.StepLosses[0]}");
        var lastMixed = result.StepLosses.TakeLast(10).Average();
        var lastFull = reference.StepLosses.TakeLast(10).Average();
        Assert.True(lastMixed < 0.8 * result.StepLosses.Take(5).Average(), "the bfloat16 run did not learn");
        Assert.True(Math.Abs(lastMixed - lastFull) < 0.1 * lastFull, $"last ten losses {lastMixed:0.0000} (bfloat16) vs {lastFull:0.0000} (float32)");

        // And it segments the held-out image as well: foreground IoU within 0.005 of the float32 run's.
        var iouMixed = result.Validation!.MeanForegroundIoU;
        var iouFull = reference.Validation!.MeanForegroundIoU;
        Assert.True(iouFull > 0.5, $"the float32 run did not learn to segment (IoU {iouFull:0.0000})");
        Assert.True(Math.Abs(iouMixed - iouFull) < 0.005, $"held-out IoU {iouMixed:0.0000} (bfloat16) vs {iouFull:0.0000} (float32)");

        // The checkpoint records the precision and holds float32 weights: a float32 network loads and computes with them.
        var checkpoint = Path.Combine(folder, TrainingOptions.CheckpointFileName);
        Assert.Equal(ComputePrecision.BFloat16, Checkpoint.ReadInfo(checkpoint).Plan!.Precision);
        using var loaded = new TrainerNet();
        Checkpoint.Load(checkpoint, loaded);
        Assert.Equal(Weights(mixed), Weights(loaded));
    }

    [Fact]
    public void The_same_seed_repeats_a_bfloat16_run_bit_for_bit()
    {
        using var first = new TrainerNet();
        using var second = new TrainerNet();
        var a = UNetTrainer.Train(first, Cells(), Options(null, 6));
        var b = UNetTrainer.Train(second, Cells(), Options(null, 6));
        Assert.Equal(a.StepLosses, b.StepLosses);
        Assert.Equal(Weights(first), Weights(second));
    }

    [Fact]
    public void A_resumed_bfloat16_run_continues_exactly_and_keeps_its_recorded_precision()
    {
        var straightFolder = Path.Combine(_folder, "straight");
        var resumedFolder = Path.Combine(_folder, "resumed");
        using var straightNetwork = new TrainerNet();
        var straight = UNetTrainer.Train(straightNetwork, Cells(), Options(straightFolder, 8));

        using var cancel = new CancellationTokenSource();
        var stopping = new Progress(p =>
        {
            if (p.Stage == TrainingStage.Step && p.Step == 3)
            {
                cancel.Cancel();
            }
        });
        using (var interrupted = new TrainerNet())
        {
            Assert.Equal(StopReason.Cancelled, UNetTrainer.Train(interrupted, Cells(), Options(resumedFolder, 8), stopping, cancel.Token).Stop);
        }

        // Asked for float32 on resume: the recorded plan's bfloat16 is what continues.
        using var resumedNetwork = new TrainerNet();
        var messages = new System.Collections.Generic.List<string>();
        var resumed = UNetTrainer.Train(resumedNetwork, Cells(), Options(resumedFolder, 8) with { Resume = true, Precision = ComputePrecision.Float32 }, new Progress(p => messages.Add(p.Message ?? string.Empty)));
        Assert.Equal(straight.StepLosses, resumed.StepLosses);
        Assert.Equal(Weights(straightNetwork), Weights(resumedNetwork));
        Assert.Contains(messages, m => m.Contains("Precision Float32 (checkpoint: BFloat16)", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("in bfloat16 (", StringComparison.Ordinal));
    }

    [Fact]
    public void The_copys_gradients_reach_the_float32_weights_close_to_float32_gradients()
    {
        // The trainer's initialisation with a fixed seed: a fixed network, as training starts.
        using var network = new TrainerNet();
        Initialization.He(network, 1);
        using var scope = NewDisposeScope();
        var input = rand(new long[] { 2, 1, 84, 84 }, generator: new Generator(4));
        var target = rand(new long[] { 2, 2, 44, 44 }, generator: new Generator(5));

        // Without dropout's randomness the two backward passes see the same network: evaluation mode for both.
        network.eval();
        (network.call(input) - target).square().mean().backward();
        var reference = network.parameters().Select(p => p.grad!.clone()).ToList();
        network.zero_grad();

        using var mixed = new MixedPrecisionTraining(network);
        (mixed.Forward(input) - target).square().mean().backward();
        Assert.All(network.parameters(), p => Assert.Null(p.grad));
        mixed.TakeGradients();

        // Each parameter's gradient points where float32's does (8 bits of mantissa per rounding, many roundings deep),
        // and all of them together are within a few percent.
        var parameters = network.parameters().ToList();
        for (var i = 0; i < parameters.Count; i++)
        {
            var gradient = parameters[i].grad!;
            Assert.Equal(ScalarType.Float32, gradient.dtype);
            var cosine = (gradient * reference[i]).sum().item<float>() / (gradient.norm().item<float>() * reference[i].norm().item<float>());
            Assert.True(cosine > 0.99, $"parameter {i}: cosine {cosine} with the float32 gradient");
        }

        var all = cat(parameters.Select(p => p.grad!.flatten()).ToArray());
        var allReference = cat(reference.Select(g => g.flatten()).ToArray());
        var relative = (all - allReference).norm().item<float>() / allReference.norm().item<float>();
        Assert.True(relative < 0.02, $"relative gradient error {relative}");
    }

    [Fact]
    public void An_undefined_precision_is_refused_by_name()
    {
        using var network = new TrainerNet();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => UNetTrainer.Train(network, Cells(), Options(null, 1) with { Precision = (ComputePrecision)9 }));
        Assert.Contains("Precision", error.Message, StringComparison.Ordinal);
    }

    private sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
