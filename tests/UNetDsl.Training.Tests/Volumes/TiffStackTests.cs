using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using BitMiracle.LibTiff.Classic;
using UNetDsl.Data;
using Xunit;

namespace UNetDsl.Training.Tests.Volumes;

/// <summary>
/// Multi-page TIFF stacks both ways against tifffile (plain, zlib-compressed and ImageJ stacks, 8 and 16 bits), and
/// the stacks the reader refuses, written here with LibTiff.
/// </summary>
public sealed class TiffStackTests : IClassFixture<TiffStackTests.StackFiles>
{
    private readonly StackFiles _files;

    public TiffStackTests(StackFiles files) => _files = files;

    public static TheoryData<string> TifffileStacks() => new(StackFiles.Written.Select(c => (string)c["name"]));

    [Theory]
    [MemberData(nameof(TifffileStacks))]
    public void A_tifffile_stack_reads_as_tifffile_reads_it(string name)
    {
        var report = _files.Reports[name];
        var path = _files.Folder.File(name);

        var labels = VolumeIO.ReadLabels(path);
        var image = VolumeIO.ReadImage(path);

        Assert.Equal(new[] { labels.Depth, labels.Height, labels.Width }, report.Ints("shape"));
        Assert.Equal([1.0, 1.0, 1.0], labels.Spacing);
        Assert.Equal(report.Doubles("values").Select(v => (int)v), labels.Labels);

        // Images are scaled to [0, 1] by bit depth, as ImageIO reads a single page.
        var max = report.Ints("bits")[0] == 8 ? 255f : 65535f;
        Assert.Equal(labels.Labels.Select(v => v / max), image.Voxels);
    }

    [Theory]
    [InlineData("written-8.tif", 8)]
    [InlineData("written-16.tiff", 16)]
    public void An_image_stack_is_written_as_pages_of_the_asked_depth(string name, int bits)
    {
        var report = _files.Reports[name];
        var max = (1 << bits) - 1;

        Assert.Equal(StackFiles.Image.Depth, report.GetProperty("pages").GetInt32());
        Assert.All(report.Ints("bits"), b => Assert.Equal(bits, b));
        Assert.Equal([StackFiles.Image.Depth, StackFiles.Image.Height, StackFiles.Image.Width], report.Ints("shape"));
        Assert.Equal(StackFiles.Image.Voxels.Select(v => (double)MathF.Round(v * max)), report.Doubles("values"));
    }

    [Theory]
    [InlineData("labels-8.tif", 8)]
    [InlineData("labels-16.tif", 16)]
    public void A_label_stack_is_written_8_bit_when_the_labels_fit_else_16_bit(string name, int bits)
    {
        var report = _files.Reports[name];

        Assert.All(report.Ints("bits"), b => Assert.Equal(bits, b));
        Assert.Equal(StackFiles.Labels[name].Labels.Select(v => (double)v), report.Doubles("values"));
        Assert.Equal(StackFiles.Labels[name].Labels, VolumeIO.ReadLabels(_files.Folder.File(name)).Labels);
    }

    [Fact]
    public void A_caller_gives_a_stack_its_spacing()
    {
        var volume = VolumeIO.ReadImage(_files.Folder.File("plain-8.tif"), [0.05, 0.004, 0.004]);

        Assert.Equal([0.05, 0.004, 0.004], volume.Spacing);
    }

    [Fact]
    public void Pages_of_different_sizes_are_refused_naming_the_page()
    {
        var path = _files.Folder.File("mixed-sizes.tif");
        WritePages(path, (4, 3, 8), (4, 3, 8), (5, 3, 8));

        var error = Assert.Throws<InvalidDataException>(() => VolumeIO.ReadImage(path));

        Assert.Contains($"'{path}': page 3 of 3 is 5x3 pixels; the first page is 4x3", error.Message);
    }

    [Fact]
    public void Pages_of_different_bit_depths_are_refused_naming_the_page()
    {
        var path = _files.Folder.File("mixed-bits.tif");
        WritePages(path, (4, 3, 8), (4, 3, 16));

        var error = Assert.Throws<InvalidDataException>(() => VolumeIO.ReadLabels(path));

        Assert.Contains($"'{path}': page 2 of 2 has 16 bits per pixel; the first page has 8", error.Message);
    }

    [Fact]
    public void Values_outside_0_to_1_are_not_clipped_into_a_stack()
    {
        var volume = new GrayVolume([0f, 0.5f, 1.5f, 1f], 1, 2, 2, [1, 1, 1]);

        var error = Assert.Throws<ArgumentException>(() => VolumeIO.WriteImage(_files.Folder.File("clipped.tif"), volume));

        Assert.Contains("voxel 2 is 1.5, outside [0, 1]", error.Message);
        Assert.False(File.Exists(_files.Folder.File("clipped.tif")));
    }

    [Fact]
    public void Labels_beyond_16_bits_are_refused_for_a_stack()
    {
        var labels = new LabelVolume([0, 70000], 1, 1, 2, [1, 1, 1]);

        var error = Assert.Throws<ArgumentException>(() => VolumeIO.WriteLabels(_files.Folder.File("big.tif"), labels));

        Assert.Contains("label 70000 (voxel 1) is outside 0..65535", error.Message);
    }

    // One page per (width, height, bits), every pixel 1.
    private static void WritePages(string path, params (int Width, int Height, int Bits)[] pages)
    {
        using var tiff = Tiff.Open(path, "w");
        foreach (var (width, height, bits) in pages)
        {
            tiff.SetField(TiffTag.SUBFILETYPE, FileType.PAGE);
            tiff.SetField(TiffTag.IMAGEWIDTH, width);
            tiff.SetField(TiffTag.IMAGELENGTH, height);
            tiff.SetField(TiffTag.SAMPLESPERPIXEL, 1);
            tiff.SetField(TiffTag.BITSPERSAMPLE, bits);
            tiff.SetField(TiffTag.ROWSPERSTRIP, height);
            tiff.SetField(TiffTag.PHOTOMETRIC, Photometric.MINISBLACK);
            tiff.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
            var row = new byte[width * bits / 8];
            for (var x = 0; x < width; x++)
            {
                row[x * bits / 8] = 1;
            }

            for (var y = 0; y < height; y++)
            {
                tiff.WriteScanline(row, y);
            }

            tiff.WriteDirectory();
        }
    }

    /// <summary>Stacks tifffile writes and stacks VolumeIO writes, all reported by tifffile in two Python processes.</summary>
    public sealed class StackFiles : IDisposable
    {
        public static readonly Dictionary<string, object>[] Written =
        [
            Stack("plain-8.tif", 8),
            Stack("plain-16.tif", 16),
            Stack("zlib-16.tiff", 16, ("compression", "zlib")),
            Stack("imagej-8.tif", 8, ("imagej", true)),
            Stack("imagej-16.tif", 16, ("imagej", true)),
            Stack("one-page-16.tif", 16, ("shape", new[] { 1, 6, 9 })),
        ];

        public static readonly GrayVolume Image = new(
            Enumerable.Range(0, 3 * 4 * 5).Select(i => i / 59f).ToArray(), 3, 4, 5, [1, 1, 1]);

        public static readonly Dictionary<string, LabelVolume> Labels = new()
        {
            ["labels-8.tif"] = new(Enumerable.Range(0, 60).Select(i => i * 7 % 256).ToArray(), 3, 4, 5, [1, 1, 1]),
            ["labels-16.tif"] = new(Enumerable.Range(0, 60).Select(i => i * 1103 % 65536).ToArray(), 3, 4, 5, [1, 1, 1]),
        };

        public StackFiles()
        {
            var reports = new Dictionary<string, JsonElement>(PythonReference.Run("tiff-write",
                Written.Select(c => new Dictionary<string, object>(c) { ["path"] = Folder.File((string)c["name"]) })));

            VolumeIO.WriteImage(Folder.File("written-8.tif"), Image, tiffBits: 8);
            VolumeIO.WriteImage(Folder.File("written-16.tiff"), Image);
            foreach (var (name, labels) in Labels)
            {
                VolumeIO.WriteLabels(Folder.File(name), labels);
            }

            var ours = PythonReference.Run("tiff-read", Labels.Keys.Append("written-8.tif").Append("written-16.tiff")
                .Select(name => new Dictionary<string, object> { ["name"] = name, ["path"] = Folder.File(name) }));
            foreach (var (name, report) in ours)
            {
                reports[name] = report;
            }

            Reports = reports;
        }

        public ScratchFolder Folder { get; } = new();

        public IReadOnlyDictionary<string, JsonElement> Reports { get; }

        public void Dispose() => Folder.Dispose();

        // Sizes differ along every axis; a width of 3 or 4 would make tifffile write colour pages.
        private static Dictionary<string, object> Stack(string name, int bits, params (string Key, object Value)[] extra)
        {
            var entry = new Dictionary<string, object> { ["name"] = name, ["bits"] = bits, ["shape"] = new[] { 4, 6, 9 }, ["seed"] = bits };
            foreach (var (key, value) in extra)
            {
                entry[key] = value;
            }

            return entry;
        }
    }
}
