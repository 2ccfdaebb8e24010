using System;
using System.IO;
using System.Linq;
using UNetDsl.Data;
using UNetDsl.Inference;
using UNetDsl.Tests.Inference3D;
using UNetDsl.Training;
using UNetDsl.Training.Augmentation;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Training;

public class DataAndInferenceTests
{
    [Fact]
    public void Elastic_deformation_is_the_identity_at_zero_displacement()
    {
        using var scope = NewDisposeScope();
        var image = rand(1, 20, 24);
        var labels = randint(0, 3, new long[] { 20, 24 });
        var weights = rand(20, 24);

        var (i, l, w) = ElasticDeformation.Apply(image, labels, weights, zeros(20, 24, 2));

        Assert.True((i - image).abs().max().item<float>() < 1e-5);
        Assert.True(l.eq(labels).all().item<bool>());
        Assert.True((w! - weights).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void Elastic_deformation_keeps_labels_labels_and_moves_them_with_the_image()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(2);
        var sample = SyntheticCells.Generate(5, 96, 96);
        var labels = tensor(sample.Instances.Select(v => v > 0 ? 1L : 0L).ToArray(), new long[] { 96, 96 });
        var image = labels.to_type(ScalarType.Float32).unsqueeze(0);
        var deformation = new ElasticDeformation(flipAndRotate: false);
        var displacement = deformation.RandomDisplacement(96, 96);

        var (i, l, _) = ElasticDeformation.Apply(image, labels, null, displacement);

        Assert.True(displacement.abs().max().item<float>() > 1, "the field should move pixels");
        var values = l.unique().Item1.data<long>().ToArray();
        Assert.All(values, v => Assert.Contains(v, new long[] { 0, 1 }));

        // Where the bilinearly deformed image is clearly 0 or 1, the nearest-deformed labels agree with it.
        var clear = i.squeeze(0).lt(0.01).logical_or(i.squeeze(0).gt(0.99));
        var agree = l.eq(i.squeeze(0).round().to_type(ScalarType.Int64)).logical_or(clear.logical_not());
        Assert.True(agree.all().item<bool>());
        Assert.True(clear.sum().item<long>() > 96 * 96 / 2);
    }

    [Fact]
    public void Overlap_tile_equals_a_single_pass()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(4);
        using var model = new TileNet();
        model.eval();
        var image = rand(1, 100, 90);

        // Tiles of 16 and 40 out (strides 16 and 40: TileNet pools twice, period 4) against one pass over the image;
        // 9 tiles of 40 run as 3 batches of 3, no tile alone in a pass (see OverlapTilePredictor.Predict).
        var tiled = OverlapTilePredictor.Predict(model, image, outputTile: 16, batchSize: 2);
        var larger = OverlapTilePredictor.Predict(model, image, outputTile: 40, batchSize: 3);
        var single = UNetDsl.Tests.Inference.OnePass.Scores(model, image);

        Assert.Equal(new long[] { 2, 100, 90 }, tiled.shape);
        Assert.True(tiled.IsBitIdentical(single), "max abs difference " + (tiled - single).abs().max().item<float>());
        Assert.True(larger.IsBitIdentical(single), "max abs difference " + (larger - single).abs().max().item<float>());
    }

    [Fact]
    public void Mirror_padding_reflects_about_the_edge_pixels()
    {
        using var scope = NewDisposeScope();
        var row = arange(4, dtype: ScalarType.Float32).view(1, 1, 4);

        var padded = OverlapTilePredictor.MirrorPad(row, 0, 0, 3, 5);

        Assert.Equal(new float[] { 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2 }, padded.flatten().data<float>().ToArray());
    }

    [Fact]
    public void Png_and_tiff_round_trip_in_8_and_16_bits()
    {
        var folder = Directory.CreateTempSubdirectory("unetdsl-io-").FullName;
        try
        {
            var pixels = Enumerable.Range(0, 12).Select(i => i / 11f).ToArray();
            var image = new GrayImage(pixels, 4, 3);
            foreach (var name in new[] { "a.png", "a.tif" })
            {
                var path8 = Path.Combine(folder, "8-" + name);
                ImageIO.WriteGray8(path8, image);
                var back8 = ImageIO.ReadGray(path8);
                Assert.Equal((4, 3), (back8.Width, back8.Height));
                Assert.All(pixels.Zip(back8.Pixels), p => Assert.True(Math.Abs(p.First - p.Second) <= 0.5 / 255 + 1e-6));

                var path16 = Path.Combine(folder, "16-" + name);
                ImageIO.WriteGray16(path16, image);
                var back16 = ImageIO.ReadGray(path16);
                Assert.All(pixels.Zip(back16.Pixels), p => Assert.True(Math.Abs(p.First - p.Second) <= 0.5 / 65535 + 1e-6));
            }

            var error = Assert.Throws<InvalidDataException>(() => ImageIO.ReadGray(Path.Combine(folder, "missing.png")));
            Assert.Contains("missing.png", error.Message, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(folder, "text.png"), "not an image");
            Assert.Throws<InvalidDataException>(() => ImageIO.ReadGray(Path.Combine(folder, "text.png")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Synthetic_cells_are_deterministic_and_touch()
    {
        var a = SyntheticCells.Generate(9, 128, 128);
        var b = SyntheticCells.Generate(9, 128, 128);

        Assert.Equal(a.Instances, b.Instances);
        Assert.Equal(a.Image.Pixels, b.Image.Pixels);
        Assert.True(a.Instances.Distinct().Count() > 8);

        // Touching: two different cells within 3 pixels of each other across a membrane, somewhere.
        var touching = 0;
        for (var y = 0; y < 128; y++)
        {
            for (var x = 0; x + 3 < 128; x++)
            {
                var left = a.Instances[(y * 128) + x];
                var right = a.Instances[(y * 128) + x + 3];
                touching += left > 0 && right > 0 && left != right ? 1 : 0;
            }
        }

        Assert.True(touching > 20, touching + " touching pairs");
    }

    [Fact]
    public void Folder_dataset_names_the_image_without_a_label()
    {
        var folder = Directory.CreateTempSubdirectory("unetdsl-data-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "images"));
            Directory.CreateDirectory(Path.Combine(folder, "labels"));
            ImageIO.WriteGray8(Path.Combine(folder, "images", "00.png"), new GrayImage(new float[16], 4, 4));

            var error = Assert.Throws<InvalidDataException>(() => FolderDataset.Load(folder));

            Assert.Contains("00.png' has no label", error.Message, StringComparison.Ordinal);
            Assert.Throws<DirectoryNotFoundException>(() => FolderDataset.Load(Path.Combine(folder, "nowhere")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
