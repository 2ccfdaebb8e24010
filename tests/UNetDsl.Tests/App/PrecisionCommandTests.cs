using System;
using System.Collections.Generic;
using System.IO;
using UNetDsl.Data;
using UNetDsl.Training;
using Xunit;
using static UNetDsl.Tests.App.CommandLineTests;

namespace UNetDsl.Tests.App;

/// <summary><c>--precision</c> of train, predict and evaluate, and UNETDSL_PRECISION: what runs is said, bad values are one error line.</summary>
public sealed class PrecisionCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("unetdsl-precision-app-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Bfloat16_training_is_recorded_and_prediction_says_which_precision_ran()
    {
        var run = Path.Combine(_folder, "run");
        var (code, output) = Unet("train", "--steps", "2", "--steps-per-epoch", "2", "--validation", "1", "--precision", "bf16", "--out", run);
        Assert.True(code == 0, output);
        Assert.Contains("in bfloat16 (CPU ", output, StringComparison.Ordinal);
        var checkpoint = Path.Combine(run, TrainingOptions.CheckpointFileName);
        Assert.Equal(ComputePrecision.BFloat16, Checkpoint.ReadInfo(checkpoint).Plan!.Precision);

        var image = Path.Combine(_folder, "cells.png");
        ImageIO.WriteGray8(image, SyntheticCells.Generate(5, 90, 70).Image);
        (code, output) = Unet("predict", "--model", checkpoint, "--input", image, "--out", Path.Combine(_folder, "bf16"), "--precision", "bf16");
        Assert.True(code == 0, output);
        Assert.Contains("computes in bfloat16 (CPU ", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_folder, "bf16", "cells-prediction.png")));

        (code, output) = Unet("predict", "--model", checkpoint, "--input", image, "--out", Path.Combine(_folder, "mirrored"), "--precision", "fp32", "--mirror");
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(_folder, "mirrored", "cells-prediction.png")));

        // The environment variable decides Auto (predict's default), an explicit --precision decides itself.
        (code, output) = UnetWith(new Dictionary<string, string?> { [PrecisionChoice.EnvironmentVariable] = "fp32" }, "predict", "--model", checkpoint, "--input", image, "--out", Path.Combine(_folder, "auto"));
        Assert.True(code == 0, output);
        Assert.Contains("computes in float32 (CPU ", output, StringComparison.Ordinal);

        (code, output) = UnetWith(new Dictionary<string, string?> { [PrecisionChoice.EnvironmentVariable] = "half" }, "predict", "--model", checkpoint, "--input", image, "--out", Path.Combine(_folder, "bad-env"));
        Assert.Equal(UNetDsl.CommandLine.UNetCommandLine.BadInput, code);
        Assert.Contains("error: UNETDSL_PRECISION is 'half'; give fp32, bf16 or auto", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_folder, "bad-env")));

        // A bad input is refused before the network is prepared (no bfloat16 copy made for nothing).
        (code, output) = Unet("predict", "--model", checkpoint, "--input", Path.Combine(_folder, "missing.png"), "--out", Path.Combine(_folder, "missing"), "--precision", "bf16");
        Assert.Equal(UNetDsl.CommandLine.UNetCommandLine.BadInput, code);
        Assert.Contains("missing.png' is neither an image nor a folder", output, StringComparison.Ordinal);
        Assert.DoesNotContain("computes in", output, StringComparison.Ordinal);
        var file = Path.Combine(_folder, "notes.txt");
        File.WriteAllText(file, "a file, not a folder");
        (code, output) = Unet("predict", "--model", checkpoint, "--input", image, "--out", Path.Combine(file, "masks"), "--precision", "bf16");
        Assert.Equal(UNetDsl.CommandLine.UNetCommandLine.BadInput, code);
        Assert.Contains($"--out '{Path.Combine(file, "masks")}' lies under '{file}', which is a file; give a folder path.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("computes in", output, StringComparison.Ordinal);
        Assert.Equal("a file, not a folder", File.ReadAllText(file));
        (code, output) = Unet("evaluate", "--model", checkpoint, "--data", Path.Combine(_folder, "nowhere"), "--precision", "bf16");
        Assert.Equal(UNetDsl.CommandLine.UNetCommandLine.BadInput, code);
        Assert.DoesNotContain("computes in", output, StringComparison.Ordinal);

        (code, output) = Unet("evaluate", "--model", checkpoint, "--data", Path.Combine(_folder, "nowhere"), "--precision", "half");
        Assert.NotEqual(0, code);
        Assert.Contains("--precision is 'half'; it must be one of auto, fp32, bf16", output, StringComparison.Ordinal);
    }
}
