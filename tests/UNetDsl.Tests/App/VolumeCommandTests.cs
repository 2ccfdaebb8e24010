using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using UNetDsl.CommandLine;
using UNetDsl.Data;
using UNetDsl.Training;
using Xunit;

namespace UNetDsl.Tests.App;

/// <summary>The unet app on volumes: train, evaluate and predict a 3D network, and the bad inputs it turns away.</summary>
public sealed class VolumeCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("unetdsl-volume-app-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int ExitCode, string Output) Unet(params string[] arguments) => CommandLineTests.Unet(arguments);

    private static void AssertOneErrorLine(string output)
    {
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.Single(output.Split('\n'), line => line.StartsWith("error:", StringComparison.Ordinal));
    }

    // A folder of volumes in the layout train and evaluate read: TIFF stacks of images, NIfTI labels.
    private string VolumeFolder(string name, int count = 2)
    {
        var folder = Path.Combine(_folder, name);
        for (var i = 0; i < count; i++)
        {
            var sample = SyntheticCells3D.Generate(20 + i, 8, 32, 32, [3, 1, 1]);
            VolumeIO.WriteImage(Path.Combine(folder, "images", $"v{i}.tif"), sample.Image, 8);
            VolumeIO.WriteLabels(Path.Combine(folder, "labels", $"v{i}.nii.gz"), sample.Classes);
        }

        return folder;
    }

    [Fact]
    public void A_3D_network_trains_on_a_folder_of_volumes_then_evaluates_and_predicts_them()
    {
        var data = VolumeFolder("data");
        var run = Path.Combine(_folder, "run");
        var (code, output) = Unet("train", "--arch", "small3d", "--data", data, "--validation", "1", "--steps", "2", "--steps-per-epoch", "2", "--batch", "1", "--tile", "4,16,16", "--spacing", "3,1,1", "--out", run);
        Assert.True(code == 0, output);
        Assert.Contains("1 volume(s) for training, 1 held out", output, StringComparison.Ordinal);
        Assert.Contains("Metrics on 1 held-out volume(s)", output, StringComparison.Ordinal);
        var checkpoint = Path.Combine(run, TrainingOptions.CheckpointFileName);
        Assert.Equal(2, Checkpoint.ReadInfo(checkpoint).Step);
        using (var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json"))))
        {
            Assert.Equal("Small3DUNet", metrics.RootElement.GetProperty("architecture").GetString());
            Assert.InRange(metrics.RootElement.GetProperty("pixelError").GetDouble(), 0, 1);
        }

        foreach (var picture in new[] { "v1-prediction-slices.png", "v1-labels-slices.png", "weight-map-slices.png", "augmentation-preview-slices.png" })
        {
            Assert.True(File.Exists(Path.Combine(run, "pictures", picture)), picture);
        }

        var pictures = Path.Combine(_folder, "pictures");
        (code, output) = Unet("evaluate", "--model", checkpoint, "--data", data, "--pictures", pictures);
        Assert.True(code == 0, output);
        Assert.Contains("Metrics on 2 labelled volume(s)", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(pictures, "v0-prediction-slices.png")));

        var predictions = Path.Combine(_folder, "predictions");
        (code, output) = Unet("predict", "--model", checkpoint, "--input", Path.Combine(data, "images"), "--out", predictions, "--spacing", "3,1,1");
        Assert.True(code == 0, output);
        var predicted = VolumeIO.ReadLabels(Path.Combine(predictions, "v0-prediction.nii.gz"));
        Assert.Equal((8, 32, 32), (predicted.Depth, predicted.Height, predicted.Width));
        Assert.Equal(new double[] { 3, 1, 1 }, predicted.Spacing);
        Assert.All(predicted.Labels, c => Assert.InRange(c, 0, 1));
    }

    [Fact]
    public void A_label_volume_of_another_shape_is_one_error_line_naming_the_file_and_both_shapes()
    {
        var data = VolumeFolder("data");
        var other = SyntheticCells3D.Generate(3, 6, 32, 32, [3, 1, 1]);
        VolumeIO.WriteLabels(Path.Combine(data, "labels", "v1.nii.gz"), other.Classes);
        var run = Path.Combine(_folder, "run");

        var (code, output) = Unet("train", "--arch", "small3d", "--data", data, "--steps", "1", "--out", run);

        Assert.Equal(UNetCommandLine.BadInput, code);
        Assert.Contains("v1.nii.gz' is 6 x 32 x 32 (depth x height x width) but its image", output, StringComparison.Ordinal);
        Assert.Contains("is 8 x 32 x 32", output, StringComparison.Ordinal);
        AssertOneErrorLine(output);
        Assert.False(File.Exists(Path.Combine(run, TrainingOptions.CheckpointFileName)));
    }

    [Fact]
    public void A_2D_image_for_a_3D_network_and_a_volume_for_a_2D_network_are_refused_by_name()
    {
        var flat = Path.Combine(_folder, "flat");
        var cells = SyntheticCells.Generate(1, 32, 32);
        ImageIO.WriteGray8(Path.Combine(Directory.CreateDirectory(Path.Combine(flat, "images")).FullName, "a.png"), cells.Image);
        ImageIO.WriteGray8(Path.Combine(Directory.CreateDirectory(Path.Combine(flat, "labels")).FullName, "a.png"), cells.Image);
        var (code, output) = Unet("train", "--arch", "small3d", "--data", flat, "--steps", "1", "--out", Path.Combine(_folder, "run3d"));
        Assert.Equal(UNetCommandLine.BadInput, code);
        Assert.Contains("a.png' is a 2D image, but a 3D network reads volumes", output, StringComparison.Ordinal);
        AssertOneErrorLine(output);

        // A one-page TIFF is a 2D image too.
        var single = Path.Combine(_folder, "single");
        var slice = SyntheticCells3D.Generate(1, 1, 32, 32, [1, 1, 1]);
        VolumeIO.WriteImage(Path.Combine(single, "images", "s.tif"), slice.Image, 8);
        VolumeIO.WriteLabels(Path.Combine(single, "labels", "s.tif"), slice.Classes);
        (code, output) = Unet("train", "--arch", "small3d", "--data", single, "--validation", "0", "--steps", "1", "--out", Path.Combine(_folder, "run1"));
        Assert.Equal(UNetCommandLine.BadInput, code);
        Assert.Contains("s.tif' has one slice (32x32): it is a 2D image", output, StringComparison.Ordinal);
        AssertOneErrorLine(output);

        var volumes = VolumeFolder("volumes");
        (code, output) = Unet("train", "--arch", "small", "--data", volumes, "--steps", "1", "--out", Path.Combine(_folder, "run2d"));
        Assert.Equal(UNetCommandLine.BadInput, code);
        Assert.Contains("v0.tif' is a stack of 8 pages; a 2D network reads one image per file", output, StringComparison.Ordinal);
        AssertOneErrorLine(output);

        (code, output) = Unet("train", "--arch", "small", "--spacing", "3,1,1", "--steps", "1", "--out", Path.Combine(_folder, "run2ds"));
        Assert.Equal(UNetCommandLine.BadInput, code);
        Assert.Contains("--spacing describes volumes; SmallUNet is a 2D network", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--tile", "8,x,8", "--tile is '8,x,8'; it must be one whole number above 0, or one per spatial axis")]
    [InlineData("--tile", "0", "--tile is '0'; it must be one whole number above 0")]
    [InlineData("--tile", "2.5", "--tile is '2.5'; it must be one whole number above 0")]
    [InlineData("--spacing", "1,-1,1", "--spacing is '1,-1,1'; it must be one number above 0")]
    [InlineData("--spacing", "NaN", "--spacing is 'NaN'; it must be one number above 0")]
    public void A_bad_tile_or_spacing_is_a_parse_error_before_any_work(string option, string value, string message)
    {
        var run = Path.Combine(_folder, "run");
        var (code, output) = Unet("train", "--arch", "small3d", option, value, "--out", run);
        Assert.Equal(1, code);
        Assert.Contains("error: " + message, output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void A_tile_or_spacing_of_the_wrong_number_of_axes_names_what_is_needed()
    {
        var (code, output) = Unet("train", "--arch", "small3d", "--tile", "8,8", "--steps", "1", "--out", Path.Combine(_folder, "a"));
        Assert.Equal(UNetCommandLine.BadInput, code);
        Assert.Contains("The output tile has 2 sizes (OutputTileSizes, --tile); Small3DUNet is 3D: give one per spatial axis (D, H, W), or one for all", output, StringComparison.Ordinal);

        (code, output) = Unet("train", "--arch", "small3d", "--spacing", "1,2", "--steps", "1", "--out", Path.Combine(_folder, "b"));
        Assert.Equal(UNetCommandLine.BadInput, code);
        Assert.Contains("--spacing has 2 values; give one for every axis or three (depth, height, width)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_label_volumes_of_one_name_are_refused_naming_both()
    {
        var data = VolumeFolder("data");
        var labels = VolumeIO.ReadLabels(Path.Combine(data, "labels", "v0.nii.gz"));
        VolumeIO.WriteLabels(Path.Combine(data, "labels", "v0.tif"), labels);

        var (code, output) = Unet("train", "--arch", "small3d", "--data", data, "--steps", "1", "--out", Path.Combine(_folder, "run"));

        Assert.Equal(UNetCommandLine.BadInput, code);
        Assert.Contains("v0.nii.gz' and '", output, StringComparison.Ordinal);
        Assert.Contains("v0.tif' share the name 'v0', so either could be taken", output, StringComparison.Ordinal);
        AssertOneErrorLine(output);
    }
}
