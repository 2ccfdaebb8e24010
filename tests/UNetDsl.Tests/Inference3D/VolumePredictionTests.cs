using System;
using System.IO;
using System.Linq;
using UNetDsl.Data;
using UNetDsl.Inference;
using UNetDsl.Tests.App;
using UNetDsl.Training;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Inference3D;

/// <summary>Volumes in, volumes out: a 3D network segments NIfTI volumes and TIFF stacks of any size, in the library and in the app.</summary>
public sealed class VolumePredictionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("unetdsl-volumes-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static GrayVolume Ramp(int depth, int height, int width, double[] spacing) =>
        new(Enumerable.Range(0, depth * height * width).Select(i => (float)((Math.Sin(i * 0.37) + 1) / 2)).ToArray(), depth, height, width, spacing);

    [Fact]
    public void A_volume_of_any_size_gets_one_class_per_voxel_with_its_shape_and_spacing()
    {
        manual_seed(3);
        using var network = new ValidThickSliceNet();
        Assert.Contains("takes 2 input channels", Assert.Throws<ArgumentException>(() => VolumeSegmenter.Classes(network, Ramp(4, 4, 4, new[] { 1.0, 1, 1 }))).Message, StringComparison.Ordinal);

        using var volumeNet = new ValidVolumeNet();
        Initialization.He(volumeNet, 3);
        var volume = Ramp(7, 19, 26, new[] { 5.0, 1, 1 });
        var classes = VolumeSegmenter.Classes(volumeNet, volume);

        Assert.Equal((7, 19, 26), (classes.Depth, classes.Height, classes.Width));
        Assert.Equal(volume.Spacing, classes.Spacing);
        using var scores = OverlapTilePredictor.Predict(volumeNet, tensor(volume.Voxels, new long[] { 1, 7, 19, 26 }));
        Assert.Equal(scores.argmax(0).to_type(ScalarType.Int32).flatten().data<int>().ToArray(), classes.Labels);
        Assert.Contains(0, classes.Labels);
        Assert.Contains(1, classes.Labels);

        using var flat = new UNetDsl.Tests.Training.TileNet();
        Assert.Contains("is a 2D network; volumes need a 3D one", Assert.Throws<ArgumentException>(() => VolumeSegmenter.Classes(flat, volume)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_app_segments_nifti_volumes_and_tiff_stacks_and_refuses_the_wrong_kind_of_input()
    {
        var checkpoint = Path.Combine(_folder, "model", TrainingOptions.CheckpointFileName);
        using (var network = new SameVolumeNet())
        {
            Initialization.He(network, 4);
            Checkpoint.Save(checkpoint, network, null, new CheckpointInfo("SameVolumeNet", SameVolumeNet.ParameterCount, 0, 0, 4, Array.Empty<double>()));
        }

        var inputs = Path.Combine(_folder, "volumes");
        Directory.CreateDirectory(inputs);
        var volume = Ramp(6, 20, 14, new[] { 4.0, 1, 1 });
        VolumeIO.WriteImage(Path.Combine(inputs, "cells.nii.gz"), volume);
        VolumeIO.WriteImage(Path.Combine(inputs, "stack.tif"), volume, 8);
        var output = Path.Combine(_folder, "out");
        var tests = typeof(SameVolumeNet).Assembly.Location;

        var (code, text) = CommandLineTests.Unet("predict", "--assembly", tests, "--model", checkpoint, "--input", inputs, "--out", output);

        Assert.True(code == 0, text);
        Assert.Contains("6x20x14", text, StringComparison.Ordinal);
        // NIfTI keeps its voxel spacing; a TIFF stack has none of its own (1, 1, 1).
        foreach (var (name, spacing) in new[] { ("cells", new[] { 4.0, 1, 1 }), ("stack", new[] { 1.0, 1, 1 }) })
        {
            var labels = VolumeIO.ReadLabels(Path.Combine(output, name + "-prediction.nii.gz"));
            Assert.Equal((6, 20, 14), (labels.Depth, labels.Height, labels.Width));
            Assert.Equal(spacing, labels.Spacing);
            Assert.All(labels.Labels, c => Assert.InRange(c, 0, 1));
            Assert.True(new FileInfo(Path.Combine(output, name + "-slices.png")).Length > 0);
        }

        // A 2D image to the 3D network, and a volume to a 2D network: one error line each, exit code 2.
        var image = Path.Combine(_folder, "flat.png");
        ImageIO.WriteGray8(image, new GrayImage(new float[16 * 16], 16, 16));
        (code, text) = CommandLineTests.Unet("predict", "--assembly", tests, "--model", checkpoint, "--input", image, "--out", Path.Combine(_folder, "out2"));
        Assert.Equal(2, code);
        Assert.Contains("flat.png", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);

        var flatCheckpoint = Path.Combine(_folder, "flat-model", TrainingOptions.CheckpointFileName);
        using (var flat = new UNetApp.SmallUNet())
        {
            Checkpoint.Save(flatCheckpoint, flat, null, new CheckpointInfo("SmallUNet", UNetApp.SmallUNet.ParameterCount, 0, 0, 1, Array.Empty<double>()));
        }

        (code, text) = CommandLineTests.Unet("predict", "--model", flatCheckpoint, "--input", Path.Combine(inputs, "cells.nii.gz"), "--out", Path.Combine(_folder, "out3"));
        Assert.Equal(2, code);
        Assert.Contains("cells.nii.gz' is a volume, but SmallUNet is a 2D network", text, StringComparison.Ordinal);
    }
}
