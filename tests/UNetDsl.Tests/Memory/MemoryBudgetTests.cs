using System;
using System.IO;
using System.Linq;
using UNetDsl.Data;
using UNetDsl.Tests.App;
using UNetDsl.Tests.Training;
using UNetDsl.Training;
using Xunit;

namespace UNetDsl.Tests.Memory;

/// <summary>The trainer checks a step's activations (the compiler's estimate) against a memory budget before the first step.</summary>
public sealed class MemoryBudgetTests
{
    private static SegmentationData Cells() => SegmentationData.Synthetic(training: 2, validation: 1, seed: 3, size: 64);

    private static TrainingOptions Options => new() { Steps = 1, BatchSize = 4, OutputTile = 24, WritePictures = false };

    [Fact]
    public void A_batch_over_the_budget_is_refused_before_training_with_the_largest_that_fits()
    {
        using var network = new TileNet();
        var memory = network.Geometry.ActivationMemory!;
        var (input, _) = UNetTrainer.Tiles(network.Geometry, 24);
        var perTile = memory.BytesPerSample(training: true, 4, input);

        // Room for two and a half tiles: a batch of 4 does not fit, 2 does.
        var budget = (5 * perTile) / 2;
        var refusal = Assert.Throws<ArgumentException>(() => UNetTrainer.Train(network, Cells(), Options with { MemoryBudgetBytes = budget }));
        Assert.Contains("A training step of 4 tile(s) " + string.Join("x", input), refusal.Message, StringComparison.Ordinal);
        Assert.Contains("Use a batch of at most 2 (BatchSize, --batch 2)", refusal.Message, StringComparison.Ordinal);

        var result = UNetTrainer.Train(network, Cells(), Options with { MemoryBudgetBytes = budget, BatchSize = 2 });
        Assert.Equal(1, result.Steps);
    }

    [Fact]
    public void Not_even_one_tile_fits_says_so_and_a_bfloat16_step_needs_half()
    {
        using var network = new TileNet();
        var memory = network.Geometry.ActivationMemory!;
        var (input, _) = UNetTrainer.Tiles(network.Geometry, 24);
        var oneTile = memory.BytesPerSample(training: true, 4, input);
        var refusal = Assert.Throws<ArgumentException>(() => UNetTrainer.Train(network, Cells(), Options with { MemoryBudgetBytes = oneTile - 1 }));
        Assert.Contains("Not even one tile fits", refusal.Message, StringComparison.Ordinal);

        // Mixed precision's activations are bfloat16: four tiles fit where two float32 ones would.
        var bf16 = memory.BytesPerSample(training: true, 2, input);
        Assert.True(bf16 < oneTile);
        var result = UNetTrainer.Train(network, Cells(), Options with { MemoryBudgetBytes = 4 * bf16, Precision = ComputePrecision.BFloat16 });
        Assert.Equal(1, result.Steps);
    }

    [Fact]
    public void A_budget_that_is_not_positive_is_refused_by_name()
    {
        using var network = new TileNet();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => UNetTrainer.Train(network, Cells(), Options with { MemoryBudgetBytes = 0 }));
        Assert.Contains("MemoryBudgetBytes is 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_budget_is_three_quarters_of_the_available_memory()
    {
        var available = long.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        Assert.InRange(MemoryBudget.Default(), 0.7 * available, 0.8 * available);
    }

    [Fact]
    public void The_app_refuses_a_batch_over_its_memory_option_in_one_error_line()
    {
        var folder = Directory.CreateTempSubdirectory("unetdsl-memory-app-").FullName;
        try
        {
            var (code, output) = CommandLineTests.Unet("train", "--steps", "1", "--batch", "4096", "--memory", "1", "--out", folder);
            Assert.Equal(UNetDsl.CommandLine.UNetCommandLine.BadInput, code);
            Assert.Contains("error: A training step of 4096 tile(s)", output, StringComparison.Ordinal);
            Assert.Matches("Use a batch of at most [0-9]+ \\(BatchSize, --batch [0-9]+\\)", output);
            Assert.False(File.Exists(Path.Combine(folder, TrainingOptions.CheckpointFileName)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
