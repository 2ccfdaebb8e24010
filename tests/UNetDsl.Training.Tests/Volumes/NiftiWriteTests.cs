using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using UNetDsl.Data;
using Xunit;

namespace UNetDsl.Training.Tests.Volumes;

/// <summary>Files <see cref="VolumeIO"/> wrote, read by nibabel: type, byte order, shape, spacing and values must match.</summary>
public sealed class NiftiWriteTests : IClassFixture<NiftiWriteTests.WrittenFiles>
{
    private readonly WrittenFiles _files;

    public NiftiWriteTests(WrittenFiles files) => _files = files;

    [Theory]
    [InlineData("image.nii")]
    [InlineData("image.nii.gz")]
    public void An_image_is_float32_little_endian_with_its_spacing(string name)
    {
        var report = _files.Reports[name];

        Assert.Equal("float32", report.GetProperty("dtype").GetString());
        Assert.Equal("<", report.GetProperty("endian").GetString());
        AssertMatches(report, WrittenFiles.Image.Depth, WrittenFiles.Image.Height, WrittenFiles.Image.Width, WrittenFiles.Image.Spacing);
        Assert.Equal(WrittenFiles.Image.Voxels.Select(v => (double)v), report.Doubles("values"));
    }

    [Theory]
    [InlineData("labels-uint8.nii.gz", "uint8")]
    [InlineData("labels-int16.nii", "int16")]
    [InlineData("labels-int32.nii.gz", "int32")]
    public void Labels_are_the_smallest_integer_type_that_holds_them(string name, string type)
    {
        var report = _files.Reports[name];
        var labels = WrittenFiles.Labels[name];

        Assert.Equal(type, report.GetProperty("dtype").GetString());
        AssertMatches(report, labels.Depth, labels.Height, labels.Width, labels.Spacing);
        Assert.Equal(labels.Labels.Select(v => (double)v), report.Doubles("values"));
    }

    [Fact]
    public void The_affine_is_the_spacing_alone()
    {
        var report = _files.Reports["image.nii"];
        var (dz, dy, dx) = ((float)WrittenFiles.Image.Spacing[0], (float)WrittenFiles.Image.Spacing[1], (float)WrittenFiles.Image.Spacing[2]);

        Assert.Equal([dx, 0, 0, 0, 0, dy, 0, 0, 0, 0, dz, 0, 0, 0, 0, 1], report.Doubles("affine"));
        Assert.Equal(1.0, report.GetProperty("slope").GetDouble());
        Assert.Equal(0.0, report.GetProperty("inter").GetDouble());
        Assert.Equal(352, report.GetProperty("offset").GetInt32());
    }

    [Fact]
    public void What_is_written_reads_back_the_same()
    {
        var image = VolumeIO.ReadImage(_files.Folder.File("image.nii.gz"));
        var labels = VolumeIO.ReadLabels(_files.Folder.File("labels-int32.nii.gz"));

        Assert.Equal(WrittenFiles.Image.Voxels, image.Voxels);
        Assert.Equal(WrittenFiles.Image.Spacing.Select(s => (double)(float)s), image.Spacing);
        Assert.Equal(WrittenFiles.Labels["labels-int32.nii.gz"].Labels, labels.Labels);
    }

    // NIfTI keeps spacing as float32: nibabel reports the float32 nearest to what was written.
    private static void AssertMatches(JsonElement report, int depth, int height, int width, double[] spacing)
    {
        Assert.Equal([depth, height, width], report.Ints("shape"));
        Assert.Equal(spacing.Select(s => (double)(float)s), report.Doubles("spacing"));
    }

    /// <summary>Writes the files with <see cref="VolumeIO"/> and has nibabel read them all in one Python process.</summary>
    public sealed class WrittenFiles : IDisposable
    {
        public static readonly GrayVolume Image = new(
            Enumerable.Range(0, 4 * 3 * 6).Select(i => (i * 0.37f) - 5f).Append(float.MaxValue).Append(-1e-30f).Skip(2).ToArray(),
            4, 3, 6, [2.5, 0.35, 0.7]);

        public static readonly Dictionary<string, LabelVolume> Labels = new()
        {
            ["labels-uint8.nii.gz"] = Of(Enumerable.Range(0, 60).Select(i => i * 17 % 256)),
            ["labels-int16.nii"] = Of(Enumerable.Range(0, 60).Select(i => (i * 977 % 40000) - 20000).Append(-1).Skip(1)),
            ["labels-int32.nii.gz"] = Of(Enumerable.Range(0, 60).Select(i => (i - 30) * 70001)),
        };

        public WrittenFiles()
        {
            VolumeIO.WriteImage(Folder.File("image.nii"), Image);
            VolumeIO.WriteImage(Folder.File("image.nii.gz"), Image);
            foreach (var (name, labels) in Labels)
            {
                VolumeIO.WriteLabels(Folder.File(name), labels);
            }

            Reports = PythonReference.Run("nifti-read", Labels.Keys.Append("image.nii").Append("image.nii.gz")
                .Select(name => new Dictionary<string, object> { ["name"] = name, ["path"] = Folder.File(name) }));
        }

        public ScratchFolder Folder { get; } = new();

        public IReadOnlyDictionary<string, JsonElement> Reports { get; }

        public void Dispose() => Folder.Dispose();

        private static LabelVolume Of(IEnumerable<int> labels) => new(labels.ToArray(), 3, 4, 5, [1.5, 0.25, 0.125]);
    }
}
