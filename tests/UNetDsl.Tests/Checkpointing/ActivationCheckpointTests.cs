using System;
using System.Linq;
using TorchSharp;
using UNetDsl;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Checkpointing;

// Pairs of identical networks, one of each pair with checkpointed levels. Parameters are copied from the plain one,
// so every difference comes from recomputation.

[UNet(1, 2, Padding = ConvPadding.Valid)]
[Level(4)]
[Level(6)]
[Level(8)]
[Bottleneck(12, Dropout = 0.5)]
public partial class PlainValidNet
{
}

[UNet(1, 2, Padding = ConvPadding.Valid)]
[Level(4, Checkpoint = true)]
[Level(6)]
[Level(8, Checkpoint = true)]
[Bottleneck(12, Dropout = 0.5)]
public partial class CheckpointedValidNet
{
}

[UNet(2, 3, Normalization = Normalization.Group, NormGroups = 2, Activation = Activation.SiLU, UpSampling = UpSampling.Bilinear)]
[Level(4)]
[Level(6, Skip = SkipKind.AttentionGate)]
[Bottleneck(8)]
public partial class PlainGatedNet
{
}

[UNet(2, 3, Normalization = Normalization.Group, NormGroups = 2, Activation = Activation.SiLU, UpSampling = UpSampling.Bilinear)]
[Level(4)]
[Level(6, Skip = SkipKind.AttentionGate, Checkpoint = true)]
[Bottleneck(8)]
public partial class CheckpointedGatedNet
{
}

[UNet(1, 2, Padding = ConvPadding.Valid)]
[Level(4, Pool = new[] { 1, 1 })]
[Level(6, SkipFrom = 1)]
[Bottleneck(8)]
public partial class PlainCrossingNet
{
}

[UNet(1, 2, Padding = ConvPadding.Valid)]
[Level(4, Pool = new[] { 1, 1 }, Checkpoint = true)]
[Level(6, SkipFrom = 1, Checkpoint = true)]
[Bottleneck(8)]
public partial class CheckpointedCrossingNet
{
}

[UNet(1, 3)]
[Level(4)]
[Level(6, DeepSupervision = true)]
[Bottleneck(8)]
public partial class PlainSupervisedNet
{
}

[UNet(1, 3)]
[Level(4, Checkpoint = true)]
[Level(6, DeepSupervision = true, Checkpoint = true)]
[Bottleneck(8)]
public partial class CheckpointedSupervisedNet
{
}

[UNet(1, 1, Normalization = Normalization.Group, NormGroups = 4, Activation = Activation.SiLU)]
[Conditioning(TimeChannels = 16, ContextChannels = 4, Heads = 2, AttentionLevels = new[] { 2 })]
[Level(8)]
[Level(16)]
[Bottleneck(16)]
public partial class PlainDenoiser
{
}

[UNet(1, 1, Normalization = Normalization.Group, NormGroups = 4, Activation = Activation.SiLU)]
[Conditioning(TimeChannels = 16, ContextChannels = 4, Heads = 2, AttentionLevels = new[] { 2 })]
[Level(8, Checkpoint = true)]
[Level(16, Checkpoint = true)]
[Bottleneck(16)]
public partial class CheckpointedDenoiser
{
}

/// <summary>Activation checkpointing changes memory, never results: outputs, gradients and dropout masks match.</summary>
public class ActivationCheckpointTests
{
    private static (Tensor Output, Tensor[] Gradients) Step(nn.Module model, Func<Tensor> forward, long seed, params Tensor[] inputs)
    {
        model.zero_grad();
        foreach (var input in inputs)
        {
            input.grad?.zero_();
        }

        torch.manual_seed(seed);
        var output = forward();
        output.square().mean().backward();
        var gradients = model.named_parameters().Select(p => p.parameter.grad?.clone() ?? throw new InvalidOperationException(p.name + " has no gradient"))
            .Concat(inputs.Select(i => i.grad?.clone() ?? throw new InvalidOperationException("an input has no gradient")))
            .ToArray();
        return (output.detach(), gradients);
    }

    private static void AssertSameStep(nn.Module<Tensor, Tensor> plain, nn.Module<Tensor, Tensor> checkpointed, Tensor input) =>
        AssertSameStep(plain, checkpointed, () => plain.call(input), () => checkpointed.call(input));

    /// <summary>
    /// One step of each network; the forward functions may read inputs that need gradients, which are compared too.
    /// </summary>
    private static void AssertSameStep(nn.Module plain, nn.Module checkpointed, Func<Tensor> plainForward, Func<Tensor> checkpointedForward, params Tensor[] inputs)
    {
        checkpointed.load_state_dict(plain.state_dict());
        plain.train();
        checkpointed.train();

        var (plainOutput, plainGradients) = Step(plain, plainForward, 11, inputs);
        var (checkpointedOutput, checkpointedGradients) = Step(checkpointed, checkpointedForward, 11, inputs);

        Assert.Equal(plainOutput.shape, checkpointedOutput.shape);
        Assert.True(plainOutput.allclose(checkpointedOutput, rtol: 0, atol: 1e-6), "outputs differ");
        Assert.Equal(plainGradients.Length, checkpointedGradients.Length);
        for (var i = 0; i < plainGradients.Length; i++)
        {
            var difference = (plainGradients[i] - checkpointedGradients[i]).abs().max().item<float>();
            Assert.True(difference < 1e-5f, $"gradient {i} differs by {difference}");
        }

        // A non-zero gradient everywhere shows backward really went through the recomputed levels.
        Assert.All(checkpointedGradients, g => Assert.True(g.abs().sum().item<float>() > 0));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void Checkpointed_valid_levels_with_dropout_give_the_plain_networks_output_and_gradients(int stepsAboveMinimum)
    {
        // The skip leaves a checkpointed encoder cropped by the amount derived at the smallest size; at larger sizes
        // the crop must be the same, or the outputs would differ.
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        using var plain = new PlainValidNet();
        using var checkpointed = new CheckpointedValidNet();
        var size = PlainValidNet.SizeRules[0].MinInput + (stepsAboveMinimum * PlainValidNet.SizeRules[0].Step);
        AssertSameStep(plain, checkpointed, randn(2, 1, size, size + PlainValidNet.SizeRules[1].Step));
    }

    [Fact]
    public void A_skip_joined_by_two_checkpointed_decoder_levels_gives_the_plain_networks_output_and_gradients()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(4);
        using var plain = new PlainCrossingNet();
        using var checkpointed = new CheckpointedCrossingNet();
        var size = PlainCrossingNet.SizeRules[0].MinInput + PlainCrossingNet.SizeRules[0].Step;
        AssertSameStep(plain, checkpointed, randn(2, 1, size, size));
    }

    [Fact]
    public void Checkpointed_levels_with_a_deep_supervision_head_give_the_plain_networks_heads_and_gradients()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(6);
        using var plain = new PlainSupervisedNet();
        using var checkpointed = new CheckpointedSupervisedNet();
        var input = randn(2, 1, 16, 16);

        // The deep-supervision head reads the output of a recomputed decoder level; its loss must reach that level.
        static Tensor Both(Tensor main, Tensor head) => cat(new[] { main.flatten(), head.flatten() });
        AssertSameStep(
            plain,
            checkpointed,
            () => { var heads = plain.ForwardWithHeads(input); return Both(heads.Main, heads.Level2); },
            () => { var heads = checkpointed.ForwardWithHeads(input); return Both(heads.Main, heads.Level2); });
    }

    [Fact]
    public void A_checkpointed_conditional_network_passes_gradients_to_its_timestep_embedding_and_context()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(8);
        using var plain = new PlainDenoiser();
        using var checkpointed = new CheckpointedDenoiser();
        var input = randn(2, 1, 16, 16);
        var timestep = tensor(new long[] { 3, 70 });
        var context = randn(2, 5, 4).requires_grad_(true);

        // The context's gradient is compared as well: it only arrives if the segments take it as an input.
        AssertSameStep(plain, checkpointed, () => plain.call(input, timestep, context), () => checkpointed.call(input, timestep, context), context);
    }

    [Fact]
    public void A_checkpointed_attention_gated_level_gives_the_plain_networks_output_and_gradients()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        using var plain = new PlainGatedNet();
        using var checkpointed = new CheckpointedGatedNet();
        AssertSameStep(plain, checkpointed, randn(2, 2, 16, 12));
    }

    [Fact]
    public void A_segment_output_nothing_differentiates_leaves_the_other_outputs_gradients_exact()
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(2, 3, 3, padding: 1);
        var input = randn(1, 2, 6, 6).requires_grad_(true);

        Tensor[] Segment(Tensor[] s) => new[] { conv.call(s[0]).relu(), s[0].mul(2) };
        var expectedOutput = Segment(new[] { input })[0];
        expectedOutput.sum().backward();
        var expectedInputGradient = input.grad!.clone();
        var expectedWeightGradient = conv.weight!.grad!.clone();
        input.grad!.zero_();
        conv.zero_grad();

        var outputs = Layers.ActivationCheckpoint.Run(new[] { input }, Segment);
        Assert.Equal(2, outputs.Length);
        outputs[0].sum().backward();

        Assert.Equal(0f, (outputs[0] - expectedOutput).abs().max().item<float>());
        Assert.Equal(0f, (input.grad! - expectedInputGradient).abs().max().item<float>());
        Assert.Equal(0f, (conv.weight!.grad! - expectedWeightGradient).abs().max().item<float>());
    }

    [Fact]
    public void Without_autograd_the_checkpointed_network_runs_as_the_plain_one()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(9);
        using var plain = new PlainValidNet();
        using var checkpointed = new CheckpointedValidNet();
        checkpointed.load_state_dict(plain.state_dict());
        plain.eval();
        checkpointed.eval();
        var input = randn(PlainValidNet.InputShape(1));

        var expected = plain.Predict(input);
        var actual = checkpointed.Predict(input);
        Assert.Equal(PlainValidNet.OutputShape(1), actual.shape);
        Assert.Equal(0f, (expected - actual).abs().max().item<float>());
    }

    [Fact]
    public void Training_steps_with_checkpointed_levels_leave_no_tensor_behind()
    {
        torch.manual_seed(13);
        using var model = new CheckpointedValidNet();
        using var optimizer = torch.optim.SGD(model.parameters(), 0.01);
        var size = CheckpointedValidNet.SizeRules[0].MinInput;
        long? liveAfterWarmUp = null;
        for (var step = 0; step < 6; step++)
        {
            using (var scope = NewDisposeScope())
            {
                optimizer.zero_grad();
                var loss = model.call(randn(2, 1, size, size)).square().mean();
                loss.backward();
                optimizer.step();
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            if (step == 2)
            {
                liveAfterWarmUp = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            }
        }

        Assert.Equal(liveAfterWarmUp, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}

/// <summary>The concatenation-free first convolution a checkpointed decoder level runs computes the block's function.</summary>
public class ConcatenationFreeBlockTests
{
    [Theory]
    [InlineData(2, Normalization.Batch)]
    [InlineData(2, Normalization.None)]
    [InlineData(3, Normalization.Group)]
    public void ForwardConcatenated_equals_the_block_on_the_concatenation_with_the_same_gradients(int dimensions, Normalization normalization)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(21);
        var kernel = Enumerable.Repeat(3, dimensions).ToArray();
        using var block = new Layers.ConvBlock("dec", dimensions, 10, new[] { 6, 4 }, kernel, ConvPadding.Valid, normalization, 2, Activation.ReLU);
        block.train();
        var spatial = Enumerable.Repeat(9L, dimensions);
        var skip = randn(new[] { 2L, 4 }.Concat(spatial).ToArray()).requires_grad_(true);
        var up = randn(new[] { 2L, 6 }.Concat(spatial).ToArray()).requires_grad_(true);

        var expected = block.call(cat(new[] { skip, up }, 1));
        expected.square().sum().backward();
        var expectedGradients = block.parameters().Select(p => p.grad!.clone()).Append(skip.grad!.clone()).Append(up.grad!.clone()).ToArray();
        block.zero_grad();
        skip.grad!.zero_();
        up.grad!.zero_();

        var actual = block.ForwardConcatenated(skip, up);
        actual.square().sum().backward();
        var actualGradients = block.parameters().Select(p => p.grad!).Append(skip.grad!).Append(up.grad!).ToArray();

        Assert.Equal(expected.shape, actual.shape);
        Assert.True((expected - actual).abs().max().item<float>() < 1e-5f, "outputs differ");
        for (var i = 0; i < expectedGradients.Length; i++)
        {
            var scale = Math.Max(1f, expectedGradients[i].abs().max().item<float>());
            var difference = (expectedGradients[i] - actualGradients[i]).abs().max().item<float>();
            Assert.True(difference < 1e-4f * scale, $"gradient {i} differs by {difference} (scale {scale})");
        }
    }
}
