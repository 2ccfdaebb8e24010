using System;
using System.Linq;
using UNetDsl.Generators.Shapes;
using UNetDsl.Generators.Tests.Infrastructure;
using UNetDsl.Generators.Tests.Variants;
using Xunit;

namespace UNetDsl.Generators.Tests.Shapes;

/// <summary>
/// The activation-memory model against figures worked out here by hand from a small network's shapes, at several
/// valid sizes (2D and 3D, 'Same' and 'Valid'), and the generated members' arithmetic: linear in the batch,
/// <c>MaxBatchFor</c> the inverse of <c>ActivationBytes</c>, invalid sizes refused with the nearest valid ones.
/// </summary>
public class ActivationMemoryTests
{
    // Two input channels: Predict's channels-last input then runs the whole network channels-last, with no reorders.
    private const string OneLevel = "[Level(4)]";
    private const string Bottom = "[Bottleneck(8)]";

    private static NetworkReport Same(int dimensions) =>
        VariantShapeTests.Report(Declarations.With("2, 2" + (dimensions == 3 ? ", Dimensions = 3" : string.Empty), OneLevel, Bottom));

    private static NetworkReport Valid() => VariantShapeTests.Report(Declarations.With("2, 2, Padding = ConvPadding.Valid", OneLevel, Bottom));

    private static int[] Cube(int dimensions, int size) => Enumerable.Repeat(size, dimensions).ToArray();

    [Theory]
    [InlineData(2, 2)]
    [InlineData(2, 8)]
    [InlineData(2, 30)]
    [InlineData(3, 4)]
    [InlineData(3, 10)]
    public void Same_padding_inference_peaks_at_the_decoder_join(int dimensions, int size)
    {
        var report = Same(dimensions);
        var pixels = (long)Math.Pow(size, dimensions);

        // At the join live: the input and Predict's channels-last copy (2 + 2 channels), the skip (4), the bottleneck's
        // output (8 channels at 1/2^d of the pixels), the up-convolution's output (4) and the concatenation (8).
        var maps = 2 + 2 + 4 + (8.0 / (1 << dimensions)) + 4 + 8;
        var expected = (long)(maps * pixels);

        Assert.Equal(expected * 4, report.Memory.BytesPerSample(Cube(dimensions, size), training: false, bytesPerElement: 4));
        Assert.Equal(expected * 2, report.Memory.BytesPerSample(Cube(dimensions, size), training: false, bytesPerElement: 2));
    }

    [Theory]
    [InlineData(20)]
    [InlineData(22)]
    [InlineData(64)]
    [InlineData(130)]
    public void Valid_padding_inference_is_the_largest_of_the_moments_worked_out_from_the_shapes(int size)
    {
        var report = Valid();
        Assert.True(report.Axes[0].IsValid(size), size + " is not valid: " + report.Axes[0].Describe());
        long Area(long side) => side * side;
        var input = 2 * Area(size);
        var skip = 4 * Area(size - 4);
        var pooled = 4 * Area((size - 4) / 2);
        var bottom = 8 * Area(((size - 4) / 2) - 4);
        var up = 4 * Area(size - 12);

        // Bytes per element 4; pooling indices 8 (one per pooled element).
        long[] moments =
        {
            4 * (input + input + (4 * Area(size - 2)) + skip),                          // enc1's second convolution
            (4 * (input + input + skip + pooled)) + (8 * pooled),                       // the pooling, with its indices
            4 * (input + input + skip + (8 * Area(((size - 4) / 2) - 2)) + bottom),     // the bottleneck's second convolution
            4 * (input + input + skip + bottom + up + (2 * up)),                        // the join: up-sampled map and concatenation
            4 * (input + input + (2 * up) + (4 * Area(size - 14)) + (4 * Area(size - 16))), // dec1's second convolution
        };

        Assert.Equal(moments.Max(), report.Memory.BytesPerSample(new[] { size, size }, training: false, bytesPerElement: 4));
    }

    [Fact]
    public void A_training_step_keeps_at_least_what_autograd_saves_and_the_outputs_gradient()
    {
        var report = Same(2);
        const int Size = 16;
        const long Pixels = Size * Size;

        // Saved at the end of forward: both convolutions' outputs of enc1 (ReLU in place keeps them), the pooling's
        // indices (8 bytes, a quarter of the pixels) and output, the bottleneck's two maps, the concatenation, dec1's
        // two maps; live: the input and the output, then the output's gradient.
        var floats = (2 + 4 + 4 + 1 + 2 + 2 + 8 + 4 + 4 + 2 + 2) * Pixels;
        var lowerBound = (floats * 4) + (4 * Pixels / 4 * 8);
        var training = report.Memory.BytesPerSample(new[] { Size, Size }, training: true, bytesPerElement: 4);

        Assert.True(training >= lowerBound, training + " < " + lowerBound);
        Assert.True(training > report.Memory.BytesPerSample(new[] { Size, Size }, training: false, bytesPerElement: 4));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(40)]
    public void With_AVX512_one_channel_inference_peaks_at_the_head_with_both_16_channel_blocked_copies(int size)
    {
        // One input channel: Predict's input stays NCHW. At the 1x1 head live: the input and Predict's copy (1 + 1
        // channels), dec1's output (4), and oneDNN's copies blocked by 16: the head's input (4 channels padded to 16)
        // and its result (2 padded to 16).
        var report = VariantShapeTests.Report(Declarations.With("1, 2", OneLevel, Bottom));
        var pixels = (long)size * size;
        var atTheHead = (1 + 1 + 4 + 16 + 16) * pixels * 4;
        var avx512 = report.Memory.BytesPerSample(new[] { size, size }, training: false, bytesPerElement: 4, avx512: true);
        Assert.Equal(atTheHead, avx512);
        Assert.True(avx512 > report.Memory.BytesPerSample(new[] { size, size }, training: false, bytesPerElement: 4, avx512: false));
    }

    [Fact]
    public void The_summarys_training_layout_mirrors_PrepareForTraining()
    {
        // Without instance or group norm: channels-last but for float32 on AVX-512; with instance norm: never.
        var plain = Same(2).Memory;
        Assert.True(plain.TrainsChannelsLast(4, avx512: false));
        Assert.True(plain.TrainsChannelsLast(2, avx512: true));
        Assert.False(plain.TrainsChannelsLast(4, avx512: true));
        var instance = VariantShapeTests.Report(Declarations.With("2, 2, Normalization = Normalization.Instance", OneLevel, Bottom)).Memory;
        Assert.False(instance.TrainsChannelsLast(2, avx512: false));
        Assert.Empty(instance.TrainingChannelsLast);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Bytes_grow_with_the_batch_and_MaxBatchFor_inverts_them(bool training)
    {
        var memory = Runtime(Same(2));
        var perSample = memory.BytesPerSample(training);
        long previous = -1;
        Assert.Equal(0, memory.Bytes(0, training));
        foreach (var batch in new[] { 1, 2, 3, 7, 64 })
        {
            var bytes = memory.Bytes(batch, training);
            Assert.Equal(batch * perSample, bytes);
            Assert.True(bytes > previous);
            previous = bytes;
            Assert.Equal(batch, memory.MaxBatch(bytes, training));
            Assert.Equal(batch - 1, memory.MaxBatch(bytes - 1, training));
        }

        Assert.Equal(0, memory.MaxBatch(perSample - 1, training));
    }

    [Fact]
    public void An_invalid_size_is_refused_naming_the_nearest_valid_sizes()
    {
        var memory = Runtime(Valid());
        var error = Assert.Throws<ArgumentException>(() => memory.Bytes(1, false, 4, new[] { 23, 22 }));
        Assert.Contains("H = 23", error.Message, StringComparison.Ordinal);
        Assert.Contains("22 or 24", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => memory.Bytes(1, false, 4, new[] { 22 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Bytes(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Bytes(1, bytesPerElement: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.MaxBatch(-1));
        Assert.Equal(memory.Bytes(1), memory.Bytes(1, false, 4, memory.ReferenceSize.ToArray()));
    }

    [Fact]
    public void A_size_whose_memory_exceeds_a_long_overflows_at_run_time_and_fits_no_batch()
    {
        var memory = Runtime(Same(3));
        var huge = Enumerable.Repeat(2_000_000_000, 3).ToArray();
        Assert.Throws<OverflowException>(() => memory.Bytes(1, false, 4, huge));
        Assert.Equal(0, memory.MaxBatch(long.MaxValue, false, 4, huge));
    }

    [Fact]
    public void A_declaration_too_large_to_count_gets_diagnostics_never_a_generator_failure()
    {
        var outcome = GeneratorHarness.Run(Declarations.With("2, 2, Dimensions = 3, InputSize = new[] { 2000000000, 2000000000, 2000000000 }", OneLevel, Bottom));
        Assert.NotEmpty(outcome.GeneratorDiagnostics);
        Assert.DoesNotContain(outcome.GeneratorDiagnostics, d => d.Id == "UNET0900");
    }

    [Fact]
    public void The_model_is_value_equal_across_builds()
    {
        Assert.Equal(Same(2).Memory, Same(2).Memory);
        Assert.NotEqual(Same(2).Memory, Valid().Memory);
    }

    /// <summary>The runtime's object over the generator's tables, as the generated member builds it.</summary>
    private static ActivationMemory Runtime(NetworkReport report)
    {
        var memory = report.Memory;
        return new ActivationMemory(
            memory.Axes.Select(a => new ValidSizeRule(a.MinInput, a.Step, a.Shrink)).ToArray(),
            memory.Reference.ToArray(),
            memory.Grids.ToArray(),
            memory.Sizes.ToArray(),
            memory.Inference.ToArray(),
            memory.InferenceAvx512.ToArray(),
            memory.TrainingChannelsLast.ToArray(),
            memory.TrainingNchw.ToArray(),
            memory.TrainingNchwAvx512.ToArray());
    }
}
