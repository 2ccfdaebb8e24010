using System;
using System.IO;
using System.Linq;
using UNetDsl.Data;
using UNetDsl.Training;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Training;

/// <summary>Sparse annotations (Cicek et al. 2016): unlabelled pixels add nothing to the loss, its gradient or the metrics.</summary>
public sealed class SparseAnnotationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("unetdsl-sparse-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(4, 0.0)]
    [InlineData(4, 1.0)]
    [InlineData(5, 1.0)]
    public void The_gradient_at_unlabelled_pixels_is_exactly_zero_and_they_change_nothing(int rank, double diceWeight)
    {
        using var scope = NewDisposeScope();
        var shape = rank == 4 ? new long[] { 2, 3, 6, 7 } : new long[] { 1, 3, 4, 5, 6 };
        var spatial = new[] { shape[0] }.Concat(shape.Skip(2)).ToArray();
        var generator = new Generator(11);
        var logits = randn(shape, generator: generator).requires_grad_(true);
        var target = randint(0, 3, spatial, generator: generator, dtype: ScalarType.Int64);
        var unlabelled = rand(spatial, generator: generator).lt(0.4);
        var sparse = target.masked_fill(unlabelled, Losses.Unlabelled);
        var weights = rand(spatial, generator: generator).add(0.5);

        var loss = Losses.SparseSegmentationLoss(logits, sparse, weights, diceWeight);
        loss.backward();
        var gradient = logits.grad!;

        // Exactly zero at every unlabelled pixel, for every class; non-zero elsewhere.
        var atUnlabelled = gradient.masked_select(unlabelled.unsqueeze(1).expand(shape));
        Assert.Equal(0.0, atUnlabelled.abs().max().item<float>());
        Assert.True(gradient.masked_select(unlabelled.logical_not().unsqueeze(1).expand(shape)).abs().max().item<float>() > 0);

        // Whatever the unlabelled pixels' logits are, the loss is the same.
        using (no_grad())
        {
            var changed = logits.detach().clone().add(unlabelled.unsqueeze(1).expand(shape).to_type(ScalarType.Float32).mul(100));
            var again = Losses.SparseSegmentationLoss(changed, sparse, weights, diceWeight);
            Assert.Equal(loss.item<float>(), again.item<float>(), 5);
        }

        // Fully labelled, it is the weighted cross-entropy plus Dice of before.
        using (no_grad())
        {
            var plain = Losses.WeightedCrossEntropy(logits, target, weights).add(Losses.Dice(logits, target).mul(diceWeight));
            Assert.Equal(plain.item<float>(), Losses.SparseSegmentationLoss(logits, target, weights, diceWeight).item<float>(), 6);
        }
    }

    [Fact]
    public void A_label_value_read_as_unlabelled_counts_in_no_class_and_no_metric()
    {
        var data = Path.Combine(_folder, "data");
        Directory.CreateDirectory(Path.Combine(data, "images"));
        Directory.CreateDirectory(Path.Combine(data, "labels"));
        var cells = SyntheticCells.Generate(5, 32, 32, classes: 3);
        ImageIO.WriteGray8(Path.Combine(data, "images", "a.png"), cells.Image);

        // Rows 16.. carry no label (255): a class-index image written as 8-bit gray, value v stored as v / 255.
        var stored = cells.Classes().Select((c, i) => i / 32 >= 16 ? 255 : c).ToArray();
        ImageIO.WriteGray8(Path.Combine(data, "labels", "a.png"), new GrayImage(stored.Select(v => v / 255f).ToArray(), 32, 32));

        var sample = Assert.Single(FolderDataset.Load(data, 3, unlabelled: 255));
        Assert.All(sample.Classes().Skip(16 * 32), c => Assert.Equal(Losses.Unlabelled, c));
        Assert.Equal(cells.Classes().Take(16 * 32), sample.Classes().Take(16 * 32));
        Assert.All(sample.Instances.Skip(16 * 32), i => Assert.Equal(0, i));

        // Without --unlabelled, 255 is a class the network does not have: refused, naming file, value and count.
        var exception = Assert.Throws<InvalidDataException>(() => FolderDataset.Load(data, 3));
        Assert.Contains("has the value 255", exception.Message, StringComparison.Ordinal);
        Assert.Contains("the network has 3 classes", exception.Message, StringComparison.Ordinal);

        // Metrics over the labelled half only: a prediction wrong everywhere in the unlabelled half scores perfectly.
        var prediction = sample.Classes().Select((c, i) => c == Losses.Unlabelled ? (cells.Classes()[i] + 1) % 3 : c).ToArray();
        var tally = new EvaluationAccumulator(3);
        tally.Add(prediction, sample.Classes(), 32, 32, Losses.Unlabelled);
        var report = tally.Report();
        Assert.Equal(0, report.PixelError);
        Assert.All(report.PerClass.Where(c => c.Images > 0), c => Assert.Equal(1.0, c.Dice));
    }

    [Fact]
    public void A_network_trained_with_half_of_every_image_unlabelled_still_learns()
    {
        // Alternate bands of 16 rows keep their labels; the others are unlabelled.
        var full = SegmentationData.Synthetic(training: 4, validation: 2, seed: 6, size: 64);
        var sparse = full.Training
            .Select(s => s with { ClassLabels = s.Classes().Select((c, i) => (i / 64 / 16) % 2 == 0 ? c : Losses.Unlabelled).ToArray() })
            .ToList();
        Assert.All(sparse, s => Assert.Equal(0.5, s.Classes().Count(c => c == Losses.Unlabelled) / (double)s.Classes().Length, 2));

        using var network = new TileNet();
        var options = new TrainingOptions { Steps = 60, StepsPerEpoch = 60, BatchSize = 4, OutputTile = 24, LearningRate = 1e-2, WritePictures = false };
        var result = UNetTrainer.Train(network, new SegmentationData(sparse, full.Validation, "sparse"), options);

        Assert.True(result.StepLosses.Skip(50).Average() < 0.8 * result.StepLosses.Take(10).Average(), string.Join(", ", result.StepLosses.Select(l => l.ToString("0.000"))));
        Assert.True(result.Validation!.MeanForegroundIoU > 0.5, $"held-out IoU {result.Validation.MeanForegroundIoU:0.000}");
    }
}
