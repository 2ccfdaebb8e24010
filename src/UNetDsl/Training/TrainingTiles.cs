using System;
using System.Collections.Generic;
using UNetDsl.Data;
using UNetDsl.Inference;
using UNetDsl.Training.Augmentation;
using static TorchSharp.torch;

namespace UNetDsl.Training;

/// <summary>
/// The training images as the paper tiles them: each mirror-extended by the margin the network eats (and, for images
/// smaller than an output tile, by what completes one), with its class labels and weight map, from which random
/// input tiles are cut, deformed and stacked into batches.
/// </summary>
/// <remarks>The tensors live as long as this object (outside every dispose scope); dispose it after training.</remarks>
public sealed class TrainingTiles : IDisposable
{
    private readonly List<Entry> _entries = new();
    private readonly int[] _input;
    private readonly int[] _output;

    /// <summary>Prepares <paramref name="samples"/> for tiles of <paramref name="inputTile"/> in and <paramref name="outputTile"/> out.</summary>
    /// <param name="samples">Labelled 2D images.</param>
    /// <param name="classes">The network's classes.</param>
    /// <param name="inputTile">Input tile (height, width).</param>
    /// <param name="outputTile">Output tile (height, width).</param>
    /// <param name="borderWeight">The weight map's w0.</param>
    public TrainingTiles(IReadOnlyList<SegmentationSample> samples, int classes, int[] inputTile, int[] outputTile, float borderWeight)
    {
        ArgumentNullException.ThrowIfNull(samples);
        (_input, _output) = (inputTile, outputTile);
        var (marginY, marginX) = ((inputTile[0] - outputTile[0]) / 2, (inputTile[1] - outputTile[1]) / 2);
        foreach (var sample in samples)
        {
            var (w, h) = (sample.Image.Width, sample.Image.Height);
            var labels = sample.Classes();
            var weights = WeightMap.ComputeForClasses(labels, sample.Instances, classes, w, h, borderWeight, ignore: Losses.Unlabelled);
            var (extraY, extraX) = (Math.Max(0, outputTile[0] - h), Math.Max(0, outputTile[1] - w));
            using var scope = NewDisposeScope();
            var image = OverlapTilePredictor.MirrorPad(tensor(sample.Image.Pixels, new long[] { 1, h, w }), marginY, marginY + extraY, marginX, marginX + extraX);
            var target = OverlapTilePredictor.MirrorPad(tensor(labels, new long[] { 1, h, w }), marginY, marginY + extraY, marginX, marginX + extraX).squeeze(0).to_type(ScalarType.Int64);
            var weight = OverlapTilePredictor.MirrorPad(tensor(weights, new long[] { 1, h, w }), marginY, marginY + extraY, marginX, marginX + extraX).squeeze(0);
            _entries.Add(new Entry(image.DetachFromDisposeScope(), target.DetachFromDisposeScope(), weight.DetachFromDisposeScope(), h + extraY, w + extraX));
        }
    }

    /// <summary>How many images the tiles come from.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// A batch of random tiles: images [N, 1, H, W] (input tile), class labels [N, h, w] and weights [N, h, w] (output
    /// tile), every tile's image, labels and weights deformed alike. The tensors belong to the caller's dispose scope.
    /// </summary>
    /// <param name="batch">Tiles.</param>
    /// <param name="random">Chooses images, positions, flips and rotations.</param>
    /// <param name="generator">Draws the deformations' displacements.</param>
    /// <param name="deformation">The augmentation, or null for none.</param>
    public (Tensor Images, Tensor Labels, Tensor Weights) Draw(int batch, Random random, Generator? generator, ElasticDeformation? deformation)
    {
        ArgumentNullException.ThrowIfNull(random);
        var images = new Tensor[batch];
        var labels = new Tensor[batch];
        var weights = new Tensor[batch];
        var (cropY, cropX) = ((_input[0] - _output[0]) / 2, (_input[1] - _output[1]) / 2);
        for (var b = 0; b < batch; b++)
        {
            var entry = _entries[random.Next(_entries.Count)];
            var y = random.Next(entry.Height - _output[0] + 1);
            var x = random.Next(entry.Width - _output[1] + 1);
            var image = entry.Image.narrow(1, y, _input[0]).narrow(2, x, _input[1]);
            var label = entry.Labels.narrow(0, y, _input[0]).narrow(1, x, _input[1]);
            var weight = entry.Weights.narrow(0, y, _input[0]).narrow(1, x, _input[1]);
            if (deformation is not null)
            {
                Tensor? deformed;
                (image, label, deformed) = deformation.Augment(image, label, weight, random, generator);
                weight = deformed!;
            }

            images[b] = image;
            labels[b] = label.narrow(0, cropY, _output[0]).narrow(1, cropX, _output[1]);
            weights[b] = weight.narrow(0, cropY, _output[0]).narrow(1, cropX, _output[1]);
        }

        return (stack(images), stack(labels), stack(weights));
    }

    /// <summary>Releases the prepared tensors.</summary>
    public void Dispose()
    {
        foreach (var entry in _entries)
        {
            entry.Image.Dispose();
            entry.Labels.Dispose();
            entry.Weights.Dispose();
        }

        _entries.Clear();
    }

    private sealed record Entry(Tensor Image, Tensor Labels, Tensor Weights, int Height, int Width);
}
