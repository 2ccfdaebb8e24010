using System;
using System.IO;
using UNetDsl.Data;
using Xunit;

namespace UNetDsl.Training.Tests.Volumes;

/// <summary>The volume records' shape checks and helpers, and how <see cref="VolumeIO"/> treats names it does not know.</summary>
public sealed class VolumeTests : IDisposable
{
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void An_array_that_does_not_fit_the_size_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new GrayVolume(new float[59], 3, 4, 5, [1, 1, 1]));

        Assert.Equal("A GrayVolume of 3 x 4 x 5 (depth x height x width) needs 60 values; the array holds 59.", error.Message);
    }

    [Fact]
    public void Labels_that_do_not_fit_the_size_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new LabelVolume(new int[61], 3, 4, 5, [1, 1, 1]));

        Assert.Equal("A LabelVolume of 3 x 4 x 5 (depth x height x width) needs 60 values; the array holds 61.", error.Message);
    }

    [Theory]
    [InlineData(0, 4, 5)]
    [InlineData(3, -4, 5)]
    public void A_size_below_1_is_refused(int depth, int height, int width)
    {
        var error = Assert.Throws<ArgumentException>(() => new GrayVolume([], depth, height, width, [1, 1, 1]));

        Assert.Contains("every size must be at least 1", error.Message);
    }

    [Theory]
    [InlineData(new[] { 1.0, 1.0 }, "3 values, one per axis in (depth, height, width) order; 2 were given")]
    [InlineData(new[] { 1.0, 0.0, 1.0 }, "positive and finite along every axis; (1, 0, 1) was given")]
    [InlineData(new[] { 1.0, double.NaN, 1.0 }, "positive and finite")]
    public void A_spacing_that_is_not_three_positive_numbers_is_refused(double[] spacing, string problem)
    {
        var error = Assert.Throws<ArgumentException>(() => new LabelVolume(new int[60], 3, 4, 5, spacing));

        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void A_slice_is_a_2D_image_in_the_same_row_order()
    {
        var volume = new GrayVolume([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 2, 2, 3, [1, 1, 1]);

        var slice = volume.Slice(1);

        Assert.Equal((3, 2), (slice.Width, slice.Height));
        Assert.Equal([6, 7, 8, 9, 10, 11], slice.Pixels);
    }

    [Fact]
    public void Scaling_to_the_unit_range_maps_min_to_0_and_max_to_1()
    {
        var volume = new GrayVolume([-1024, 0, 1024, 3072], 1, 2, 2, [2, 0.5, 0.5]);

        var scaled = volume.ScaledToUnitRange();

        Assert.Equal([0, 0.25f, 0.5f, 1], scaled.Voxels);
        Assert.Equal(volume.Spacing, scaled.Spacing);
        Assert.Equal([0f, 0f], new GrayVolume([7, 7], 1, 1, 2, [1, 1, 1]).ScaledToUnitRange().Voxels);
    }

    [Fact]
    public void A_name_that_is_no_volume_format_is_refused_for_reading_and_writing()
    {
        var path = _folder.File("slice.png");
        File.WriteAllBytes(path, [1, 2, 3]);

        var read = Assert.Throws<InvalidDataException>(() => VolumeIO.ReadImage(path));
        var write = Assert.Throws<ArgumentException>(() => VolumeIO.WriteLabels(path, new LabelVolume([1], 1, 1, 1, [1, 1, 1])));

        Assert.Contains("'slice.png' is not named as a volume: UNetDsl reads and writes .nii, .nii.gz, .tif and .tiff.", read.Message);
        Assert.Contains("VolumeIO.FromSlices", read.Message);
        Assert.Contains("'slice.png' is not named as a volume", write.Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = _folder.File("missing.nii.gz");

        var error = Assert.Throws<InvalidDataException>(() => VolumeIO.ReadLabels(path));

        Assert.Equal($"Cannot read volume '{path}': the file does not exist.", error.Message);
    }

    [Fact]
    public void Upper_case_extensions_are_recognised()
    {
        var path = _folder.File("SCAN.NII.GZ");
        VolumeIO.WriteLabels(path, new LabelVolume([1, 2], 1, 1, 2, [1, 1, 1]));

        Assert.Equal([1, 2], VolumeIO.ReadLabels(path).Labels);
    }
}
