using System;
using System.IO;
using System.Linq;
using UNetDsl.Data;
using Xunit;

namespace UNetDsl.Training.Tests.Volumes;

/// <summary>
/// The ISBI 2012 EM training stack (25 labelled 512x512 slices as PNG files, outside the repository) read as one
/// volume. The data is read where it lies and never copied into the project.
/// </summary>
public sealed class Isbi2012Tests : IDisposable
{
    // shared/ lies beside the repository (in a clone for CI too): ../shared/data/isbi2012-em from the repository root.
    private static readonly string Data = Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "data", "isbi2012-em"));

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", ".."));

    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string[] Slices(string kind)
    {
        var folder = Path.Combine(Data, kind);
        Assert.True(Directory.Exists(folder), $"The ISBI 2012 slices are expected in {folder} (see {Data}/README.md).");
        return Directory.GetFiles(folder, "*.png").Order(StringComparer.Ordinal).ToArray();
    }

    [Fact]
    public void The_25_training_slices_stack_into_a_25x512x512_volume()
    {
        var files = Slices("images");

        var volume = VolumeIO.FromSlices(files, [1, 1, 1]);

        Assert.Equal((25, 512, 512), (volume.Depth, volume.Height, volume.Width));
        foreach (var z in new[] { 0, 12, 24 })
        {
            Assert.Equal(ImageIO.ReadGray(files[z]).Pixels, volume.Slice(z).Pixels);
        }
    }

    [Fact]
    public void The_25_label_slices_stack_into_labels_that_survive_a_nifti_and_a_tiff_round_trip()
    {
        var files = Slices("labels");

        var labels = VolumeIO.LabelsFromSlices(files);

        Assert.Equal((25, 512, 512), (labels.Depth, labels.Height, labels.Width));
        Assert.Equal(ImageIO.ReadLabels(files[7]).Labels, labels.Labels.AsSpan(7 * 512 * 512, 512 * 512).ToArray());
        Assert.Equal([0, 255], labels.Labels.Distinct().Order());
        foreach (var name in new[] { "isbi-labels.nii.gz", "isbi-labels.tif" })
        {
            VolumeIO.WriteLabels(_folder.File(name), labels);
            Assert.Equal(labels.Labels, VolumeIO.ReadLabels(_folder.File(name)).Labels);
        }
    }

    [Fact]
    public void A_slice_of_another_size_is_refused_naming_the_file()
    {
        var small = _folder.File("small.png");
        ImageIO.WriteGray8(small, new GrayImage(new float[6], 3, 2));

        var error = Assert.Throws<InvalidDataException>(() => VolumeIO.FromSlices([.. Slices("images").Take(2), small]));

        Assert.Contains($"Cannot stack '{small}' as slice 3: it is 3x2 pixels; the first slice, '{Path.Combine(Data, "images", "00.png")}', is 512x512.", error.Message);
    }
}
