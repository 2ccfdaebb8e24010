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

/// <summary>Activation checkpointing changes memory, never results: outputs, gradients and dropout masks match.</summary>
public class ActivationCheckpointTests
{
    private static (Tensor Output, Tensor[] Gradients) Step(nn.Module<Tensor, Tensor> model, Tensor input, long seed)
    {
        model.zero_grad();
        torch.manual_seed(seed);
        var output = model.call(input);
        output.square().mean().backward();
        var gradients = model.named_parameters().Select(p => p.parameter.grad?.clone() ?? throw new InvalidOperationException(p.name + " has no gradient")).ToArray();
        return (output.detach(), gradients);
    }

    private static void AssertSameStep(nn.Module<Tensor, Tensor> plain, nn.Module<Tensor, Tensor> checkpointed, Tensor input)
    {
        checkpointed.load_state_dict(plain.state_dict());
        plain.train();
        checkpointed.train();

        var (plainOutput, plainGradients) = Step(plain, input, seed: 11);
        var (checkpointedOutput, checkpointedGradients) = Step(checkpointed, input, seed: 11);

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

    [Fact]
    public void Nested_checkpointed_levels_with_dropout_give_the_plain_networks_output_and_gradients()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        using var plain = new PlainValidNet();
        using var checkpointed = new CheckpointedValidNet();
        var size = PlainValidNet.SizeRules[0].MinInput + PlainValidNet.SizeRules[0].Step;
        AssertSameStep(plain, checkpointed, randn(2, 1, size, size));
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
