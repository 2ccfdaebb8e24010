using System;
using System.IO;
using System.Linq;
using TorchSharp;
using UNetDsl.Data;
using UNetDsl.Inference;
using UNetDsl.Tests.Core;
using UNetDsl.Tests.Training;
using UNetDsl.Tests.Variants;
using UNetDsl.Training;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Precision;

/// <summary>
/// <c>PrepareForInference(BFloat16)</c>: a bfloat16 copy computes, float32 scores come back, the float32 weights and
/// state_dict stay as they were, and on trained weights the classes agree with float32 inference.
/// </summary>
public sealed class BFloat16InferenceTests
{
    private static readonly Lazy<TrainerNet> Trained = new(TrainSmallNetwork);

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static SegmentationData Cells() => SegmentationData.Synthetic(training: 6, validation: 2, seed: 5, size: 96);

    // Trained weights, not random ones: margins between the classes are what rounding must not flip.
    private static TrainerNet TrainSmallNetwork()
    {
        var network = new TrainerNet();
        UNetTrainer.Train(network, Cells(), new TrainingOptions
        {
            Steps = 80, StepsPerEpoch = 40, BatchSize = 4, OutputTile = 48, LearningRate = 1e-2, WritePictures = false,
        });
        return network;
    }

    [Fact]
    public void Trained_weights_segment_the_same_classes_in_bfloat16_as_in_float32()
    {
        var network = Trained.Value;
        var images = Cells().Validation.Select(s => s.Image).ToList();

        network.PrepareForInference(ComputePrecision.Float32);
        Assert.Equal(ComputePrecision.Float32, network.InferencePrecision);
        var reference = images.Select(image => Segmenter.Classes(network, image)).ToList();

        network.PrepareForInference(ComputePrecision.BFloat16);
        Assert.Equal(ComputePrecision.BFloat16, network.InferencePrecision);
        var reduced = images.Select(image => Segmenter.Classes(network, image)).ToList();

        var pixels = reference.Sum(c => c.Length);
        var agreeing = reference.Zip(reduced).Sum(pair => pair.First.Zip(pair.Second).Count(p => p.First == p.Second));
        Assert.True(agreeing >= 0.999 * pixels, $"{pixels - agreeing} of {pixels} pixels change class in bfloat16");

        // The network learnt something, or agreement would be cheap: its classes cover both foreground and background.
        Assert.Contains(reference.SelectMany(c => c), c => c == 1);
        Assert.Contains(reference.SelectMany(c => c), c => c == 0);
    }

    [Fact]
    public void Bfloat16_scores_are_float32_tensors_close_to_the_float32_scores()
    {
        var network = Trained.Value;
        using var scope = NewDisposeScope();
        var input = rand(new long[] { 2, 1, 124, 124 }, generator: new Generator(11));
        network.PrepareForInference(ComputePrecision.Float32);
        var reference = network.Predict(input);
        network.PrepareForInference(ComputePrecision.BFloat16);
        var reduced = network.Predict(input);

        Assert.Equal(ScalarType.Float32, reduced.dtype);
        Assert.Equal(reference.shape, reduced.shape);
        Assert.True(reduced.is_contiguous());

        // bfloat16 keeps 8 bits of mantissa: about 0.4% per rounding, a few percent of the scores' scale after a network.
        var scale = reference.abs().max().item<float>();
        var difference = (reduced - reference).abs().max().item<float>();
        Assert.True(difference > 0, "the bfloat16 copy computed exactly the float32 result: it did not run");
        Assert.True(difference < 0.05 * scale, $"max |difference| {difference} on scores of scale {scale}");
    }

    [Fact]
    public void The_float32_weights_and_state_dict_do_not_change_and_training_mode_drops_the_copy()
    {
        using var network = new SmallBatchNormNet();
        using var scope = NewDisposeScope();
        var before = network.state_dict().ToDictionary(e => e.Key, e => e.Value.detach().clone());
        var input = rand(new long[] { 1, 1, 32, 32 }, generator: new Generator(3));

        network.PrepareForInference(ComputePrecision.BFloat16);
        Assert.Equal(before.Keys, network.state_dict().Keys);
        Assert.All(network.state_dict(), e =>
        {
            Assert.Equal(before[e.Key].dtype, e.Value.dtype);
            Assert.True(Same(before[e.Key], e.Value), e.Key + " changed");
        });
        Assert.All(network.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        var reduced = network.Predict(input);

        // Training mode drops the copy; prepared again in float32 the network computes in float32.
        network.train();
        Assert.Equal(ComputePrecision.Float32, network.InferencePrecision);
        network.PrepareForInference(ComputePrecision.Float32);
        var full = network.Predict(input);
        Assert.False(Same(full, reduced));
        network.eval();
        Assert.True(Same(network.Predict(input), full));
    }

    [Fact]
    public void A_move_or_cast_drops_the_copy()
    {
        using var network = new SmallBatchNormNet();
        network.PrepareForInference(ComputePrecision.BFloat16);
        network.to(ScalarType.Float64);
        Assert.Equal(ComputePrecision.Float32, network.InferencePrecision);
        using var output = network.Predict(rand(new long[] { 1, 1, 16, 16 }, ScalarType.Float64));
        Assert.Equal(ScalarType.Float64, output.dtype);
    }

    [Fact]
    public void Deep_supervision_heads_still_come_from_the_float32_network_in_evaluation_mode()
    {
        using var network = new SupervisedResidualNet();
        using var scope = NewDisposeScope();
        var input = rand(new long[] { 1, 1, 32, 32 }, generator: new Generator(5));
        network.PrepareForInference(ComputePrecision.BFloat16);
        using var heads = network.ForwardWithHeads(input);
        Assert.All(new[] { heads.Main, heads.Level2, heads.Level3 }, h => Assert.Equal(ScalarType.Float32, h.dtype));
        using var main = network.Predict(input);
        Assert.Equal(heads.Main.shape, main.shape);
        Assert.True((main - heads.Main).abs().max().item<float>() < 0.05 * heads.Main.abs().max().item<float>() + 1e-3);
    }

    [Fact]
    public void A_conditioned_network_computes_in_float32_and_refuses_an_explicit_bfloat16()
    {
        using var network = new TinyDenoiser();
        network.PrepareForInference(ComputePrecision.Auto);
        Assert.Equal(ComputePrecision.Float32, network.InferencePrecision);
        var refusal = Assert.Throws<NotSupportedException>(() => network.PrepareForInference(ComputePrecision.BFloat16));
        Assert.Contains("TinyDenoiser", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("Float32", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlap_tile_prediction_runs_the_bfloat16_copy_and_stitches_float32_scores()
    {
        var network = Trained.Value;
        using var scope = NewDisposeScope();
        var image = rand(new long[] { 1, 150, 130 }, generator: new Generator(8));
        network.PrepareForInference(ComputePrecision.Float32);
        var reference = OverlapTilePredictor.Predict(network, image, outputTile: 40);
        network.PrepareForInference(ComputePrecision.BFloat16);
        var reduced = OverlapTilePredictor.Predict(network, image, outputTile: 40);
        Assert.Equal(ScalarType.Float32, reduced.dtype);
        Assert.Equal(new long[] { 2, 150, 130 }, reduced.shape);
        var difference = (reduced - reference).abs().max().item<float>();
        Assert.True(difference > 0 && difference < 0.05 * reference.abs().max().item<float>(), "max |difference| " + difference);
    }
}
