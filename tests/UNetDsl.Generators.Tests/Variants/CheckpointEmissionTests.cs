using System.Linq;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Variants;

/// <summary>
/// A checkpointed level becomes two recomputed segments, its encoder and its decoder, each taking every tensor that
/// enters it as an input; so checkpointing combines with every other feature.
/// </summary>
public class CheckpointEmissionTests
{
    private static string Generated(GeneratorOutcome outcome) => string.Join("\n", outcome.HintNames.Where(h => !h.Contains(".Onnx.") && !h.Contains(".PyTorch.")).Select(outcome.GeneratedSource));

    private static int Segments(string source) => source.Split("ActivationCheckpoint.Run(").Length - 1;

    [Fact]
    public void Each_checkpointed_level_recomputes_its_encoder_and_its_decoder_separately()
    {
        var outcome = GeneratorHarness.Run(Declarations.With("1, 2, Padding = ConvPadding.Valid", "[Level(8, Checkpoint = true)]", "[Level(16)]", "[Level(16, Checkpoint = true)]", "[Bottleneck(32)]"));

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompileErrors);
        var source = Generated(outcome);
        Assert.Equal(4, Segments(source));
        Assert.Contains("global::TorchSharp.torch.Tensor[] level1 = global::UNetDsl.Layers.ActivationCheckpoint.Run(new global::TorchSharp.torch.Tensor[] { input }, e =>", source);
        Assert.Contains("x = Consume(x, global::UNetDsl.Layers.ActivationCheckpoint.Run(new global::TorchSharp.torch.Tensor[] { x, skip3 }, d =>", source);
        Assert.DoesNotContain("level2 =", source);

        // A recomputed decoder level convolves skip and up-sampled map without concatenating them; the others concatenate.
        Assert.Contains("x = Consume(x, global::UNetDsl.Layers.DecoderJoin.ConcatInto(dec3, up3, x, skip3));", source);
        Assert.Contains("x = Consume(x, global::UNetDsl.Layers.DecoderJoin.ConcatInto(dec1, up1, x, skip1));", source);
        Assert.Contains("x = Consume(x, global::UNetDsl.Layers.DecoderJoin.Concat(up2, x, skip2));", source);
        Assert.DoesNotContain("dec3.call(", source);
    }

    [Fact]
    public void A_valid_padding_skip_leaves_its_checkpointed_encoder_already_cropped()
    {
        var outcome = GeneratorHarness.Run(Declarations.With("1, 2, Padding = ConvPadding.Valid", "[Level(8, Checkpoint = true)]", "[Level(16)]", "[Bottleneck(32)]"));

        Assert.Empty(outcome.CompileErrors);
        var source = Generated(outcome);

        // At the smallest valid size level 1's skip is 40x40 and decoder level 1 joins 8x8 of it: the shape engine's
        // crop, 32 per axis, taken inside the segment so that only the cropped copy outlives it.
        Assert.Contains("global::TorchSharp.torch.Tensor skip = enc1.call(e[0]); // [N, 8, 40, 40]", source);
        Assert.Contains("global::TorchSharp.torch.Tensor kept = Consume(skip, global::UNetDsl.Layers.Layer.CenterCropCopy(skip, 32, 32)); // what decoder level 1 joins", source);
        Assert.Contains("global::TorchSharp.torch.Tensor skip1 = level1[0];", source);
    }

    [Fact]
    public void Checkpointing_combines_with_deep_supervision_skips_from_other_levels_and_conditioning()
    {
        var supervised = GeneratorHarness.Run(Declarations.With("1, 2", "[Level(8, Checkpoint = true)]", "[Level(16, DeepSupervision = true, Checkpoint = true)]", "[Bottleneck(32)]"));
        var crossing = GeneratorHarness.Run(Declarations.With("1, 2, Padding = ConvPadding.Valid", "[Level(8, Pool = new[] { 1, 1 }, Checkpoint = true)]", "[Level(8, SkipFrom = 1, Checkpoint = true)]", "[Bottleneck(16)]"));
        var conditional = GeneratorHarness.Run(Declarations.With(
            "1, 1, Normalization = Normalization.Group, NormGroups = 4", "[Conditioning(ContextChannels = 8, Heads = 2, AttentionLevels = new[] { 2 })]", "[Level(16, Checkpoint = true)]", "[Level(32, Checkpoint = true)]", "[Bottleneck(32)]"));

        foreach (var outcome in new[] { supervised, crossing, conditional })
        {
            Assert.Empty(outcome.GeneratorDiagnostics);
            Assert.Empty(outcome.CompileErrors);
        }

        // Level 1 does not pool, so level 2 can take its skip at its own resolution. Level 1's skip feeds both decoder levels, so its checkpointed encoder hands it on whole, and both decoder
        // segments take it as an input; level 2's own skip joins nothing and does not leave its segment.
        var crossingSource = Generated(crossing);
        Assert.Contains("global::TorchSharp.torch.Tensor skip1 = level1[0];", crossingSource);
        Assert.Contains("x = level2[0];", crossingSource);
        Assert.Equal(2, crossingSource.Split("ActivationCheckpoint.Run(new global::TorchSharp.torch.Tensor[] { x, skip1 }, d =>").Length - 1);

        // The timestep embedding and the context enter the segments as inputs, so they get their gradients.
        var conditionalSource = Generated(conditional);
        Assert.Contains("global::TorchSharp.torch.Tensor[] level1 = global::UNetDsl.Layers.ActivationCheckpoint.Run(new global::TorchSharp.torch.Tensor[] { input, t }, e =>", conditionalSource);
        Assert.Contains("global::TorchSharp.torch.Tensor[] level2 = global::UNetDsl.Layers.ActivationCheckpoint.Run(new global::TorchSharp.torch.Tensor[] { x, t, context }, e =>", conditionalSource);
        Assert.Contains("ActivationCheckpoint.Run(new global::TorchSharp.torch.Tensor[] { x, skip2, t, context }, d =>", conditionalSource);
    }
}
