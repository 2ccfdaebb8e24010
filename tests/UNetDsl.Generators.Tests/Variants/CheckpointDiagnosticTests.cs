using System.Globalization;
using System.Linq;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Variants;

/// <summary>Where activation checkpointing cannot work, UNET0012 sits on the level's <c>Checkpoint</c> argument.</summary>
public class CheckpointDiagnosticTests
{
    [Fact]
    public void Checkpointed_levels_compile_and_recompute_through_ActivationCheckpoint()
    {
        var outcome = GeneratorHarness.Run(Declarations.With("1, 2", "[Level(8, Checkpoint = true)]", "[Level(16, Checkpoint = true)]", "[Bottleneck(32)]"));

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompileErrors);
        var source = string.Join("\n", outcome.HintNames.Select(outcome.GeneratedSource));
        Assert.Equal(2, source.Split("ActivationCheckpoint.Run(").Length - 1);
        Assert.Contains("x = global::UNetDsl.Layers.ActivationCheckpoint.Run(input, x =>", source);
    }

    [Fact]
    public void Deep_supervision_inside_the_recomputed_levels_is_UNET0012_on_Checkpoint()
    {
        var outcome = GeneratorHarness.Run(Declarations.With("1, 2", "[Level(8, Checkpoint = true)]", "[Level(16, DeepSupervision = true)]", "[Bottleneck(32)]"));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET0012", diagnostic.Id);
        Assert.Equal("Checkpoint = true", GeneratorHarness.LocatedText(diagnostic));
        Assert.Contains("deep-supervision head of level 2", diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Deep_supervision_above_the_recomputed_levels_is_allowed()
    {
        var outcome = GeneratorHarness.Run(Declarations.With("1, 2", "[Level(8)]", "[Level(16, DeepSupervision = true)]", "[Level(16, Checkpoint = true)]", "[Bottleneck(32)]"));

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompileErrors);
    }

    [Fact]
    public void A_skip_across_the_recomputed_levels_is_UNET0012_on_Checkpoint()
    {
        var outcome = GeneratorHarness.Run(Declarations.With("1, 2", "[Level(8, SkipFrom = 2)]", "[Level(8, Checkpoint = true)]", "[Bottleneck(16)]"));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics, d => d.Id == "UNET0012");
        Assert.Equal("Checkpoint = true", GeneratorHarness.LocatedText(diagnostic));
        Assert.Contains("skip of level 1 comes from level 2", diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }
}
