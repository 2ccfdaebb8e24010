using System;
using System.Collections.Generic;
using System.Linq;
using UNetDsl.Data;
using UNetDsl.Inference;
using UNetDsl.Training.Augmentation;
using static TorchSharp.torch;

namespace UNetDsl.Training;

/// <summary>
/// The training images or volumes as the paper tiles them: each mirror-extended by the margin the network eats (and,
/// along an axis shorter than an output tile, by what completes one), with its class labels and weight map, from
/// which random input tiles are cut, deformed and stacked into batches. One code path for 2D and 3D: every axis is
/// treated alike, with its own tile and margin.
/// </summary>
/// <remarks>The tensors live as long as this object (outside every dispose scope); dispose it after training.</remarks>
public sealed class TrainingTiles : IDisposable
{
    private readonly List<Entry> _entries = new();
    private readonly int[] _input;
    private readonly int[] _output;

    /// <summary>Prepares 2D images for tiles of <paramref name="inputTile"/> in and <paramref name="outputTile"/> out.</summary>
    /// <param name="samples">Labelled 2D images.</param>
    /// <param name="classes">The network's classes.</param>
    /// <param name="inputTile">Input tile (height, width).</param>
    /// <param name="outputTile">Output tile (height, width).</param>
    /// <param name="borderWeight">The weight map's w0.</param>
    /// <param name="balanceClasses">The weight map's class balancing w_c on (the paper's) or off.</param>
    public TrainingTiles(IReadOnlyList<SegmentationSample> samples, int classes, int[] inputTile, int[] outputTile, float borderWeight, bool balanceClasses = true)
        : this(inputTile, outputTile, 2)
    {
        ArgumentNullException.ThrowIfNull(samples);
        foreach (var sample in samples)
        {
            var (w, h) = (sample.Image.Width, sample.Image.Height);
            var labels = sample.Classes();
            var weights = WeightMap.ComputeForClasses(labels, sample.Instances, classes, w, h, borderWeight, ignore: Losses.Unlabelled, balanceClasses: balanceClasses);
            Add(sample.Image.Pixels, labels, weights, [h, w]);
        }
    }

    /// <summary>Prepares volumes for tiles of <paramref name="inputTile"/> in and <paramref name="outputTile"/> out.</summary>
    /// <param name="samples">Labelled volumes.</param>
    /// <param name="classes">The network's classes.</param>
    /// <param name="inputTile">Input tile (depth, height, width).</param>
    /// <param name="outputTile">Output tile (depth, height, width).</param>
    /// <param name="borderWeight">The weight map's w0 (its border term measured in the volume's spacing, see
    /// <see cref="WeightMap.ComputeForClasses(int[], int[], int, int, int, int, double[], float, float, double, int?, bool)"/>).</param>
    /// <param name="balanceClasses">The weight map's class balancing w_c on (the paper's) or off.</param>
    public TrainingTiles(IReadOnlyList<VolumeSample> samples, int classes, int[] inputTile, int[] outputTile, float borderWeight, bool balanceClasses = true)
        : this(inputTile, outputTile, 3)
    {
        ArgumentNullException.ThrowIfNull(samples);
        foreach (var sample in samples)
        {
            var (d, h, w) = (sample.Image.Depth, sample.Image.Height, sample.Image.Width);
            var labels = sample.Classes.Labels;
            var weights = WeightMap.ComputeForClasses(labels, sample.InstanceLabels(), classes, d, h, w, sample.Image.Spacing, borderWeight, ignore: Losses.Unlabelled, balanceClasses: balanceClasses);
            Add(sample.Image.Voxels, labels, weights, [d, h, w]);
        }
    }

    private TrainingTiles(int[] inputTile, int[] outputTile, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(inputTile);
        ArgumentNullException.ThrowIfNull(outputTile);
        if (inputTile.Length != dimensions || outputTile.Length != dimensions)
        {
            throw new ArgumentException($"{dimensions}D tiles need {dimensions} sizes in and out; got [{string.Join(", ", inputTile)}] and [{string.Join(", ", outputTile)}].");
        }

        for (var axis = 0; axis < dimensions; axis++)
        {
            var margin = inputTile[axis] - outputTile[axis];
            if (outputTile[axis] < 1 || margin < 0 || margin % 2 != 0)
            {
                throw new ArgumentException($"Axis {axis}: an input tile of {inputTile[axis]} cannot give an output tile of {outputTile[axis]} (the margin must be even and 0 or more).");
            }
        }

        (_input, _output) = (inputTile, outputTile);
    }

    /// <summary>How many images or volumes the tiles come from.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// A batch of random tiles: images [N, 1, spatial...] (input tile), class labels [N, spatial...] and weights
    /// [N, spatial...] (output tile), every tile's image, labels and weights deformed alike. The tensors belong to the
    /// caller's dispose scope.
    /// </summary>
    /// <param name="batch">Tiles.</param>
    /// <param name="random">Chooses images, positions, flips and rotations.</param>
    /// <param name="generator">Draws the deformations' displacements.</param>
    /// <param name="augmentation">The augmentation, or null for none.</param>
    public (Tensor Images, Tensor Labels, Tensor Weights) Draw(int batch, Random random, Generator? generator, IAugmentation? augmentation)
    {
        ArgumentNullException.ThrowIfNull(random);
        var images = new Tensor[batch];
        var labels = new Tensor[batch];
        var weights = new Tensor[batch];
        for (var b = 0; b < batch; b++)
        {
            var entry = _entries[random.Next(_entries.Count)];
            var (image, label, weight) = (entry.Image, entry.Labels, entry.Weights);
            for (var axis = 0; axis < _input.Length; axis++)
            {
                var start = random.Next(entry.Shape[axis] - _output[axis] + 1);
                (image, label, weight) = (image.narrow(axis + 1, start, _input[axis]), label.narrow(axis, start, _input[axis]), weight.narrow(axis, start, _input[axis]));
            }

            if (augmentation is not null)
            {
                Tensor? deformed;
                (image, label, deformed) = augmentation.Augment(image, label, weight, random, generator);
                weight = deformed!;
            }

            for (var axis = 0; axis < _input.Length; axis++)
            {
                var crop = (_input[axis] - _output[axis]) / 2;
                (label, weight) = (label.narrow(axis, crop, _output[axis]), weight.narrow(axis, crop, _output[axis]));
            }

            (images[b], labels[b], weights[b]) = (image, label, weight);
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

    // Mirror-extends one sample by each axis's margin (plus what completes an output tile along a short axis).
    private void Add(float[] image, int[] labels, float[] weights, int[] shape)
    {
        var sizes = shape.Select(s => (long)s).ToArray();
        var padding = new (int Before, int After)[shape.Length];
        var extended = new int[shape.Length];
        for (var axis = 0; axis < shape.Length; axis++)
        {
            var margin = (_input[axis] - _output[axis]) / 2;
            var extra = Math.Max(0, _output[axis] - shape[axis]);
            padding[axis] = (margin, margin + extra);
            extended[axis] = shape[axis] + extra;
        }

        using var scope = NewDisposeScope();
        var withChannel = new long[] { 1 }.Concat(sizes).ToArray();
        var paddedImage = OverlapTilePredictor.MirrorPad(tensor(image, withChannel), padding);
        var paddedLabels = OverlapTilePredictor.MirrorPad(tensor(labels, withChannel), padding).squeeze(0).to_type(ScalarType.Int64);
        var paddedWeights = OverlapTilePredictor.MirrorPad(tensor(weights, withChannel), padding).squeeze(0);
        _entries.Add(new Entry(paddedImage.DetachFromDisposeScope(), paddedLabels.DetachFromDisposeScope(), paddedWeights.DetachFromDisposeScope(), extended));
    }

    private sealed record Entry(Tensor Image, Tensor Labels, Tensor Weights, int[] Shape);
}
