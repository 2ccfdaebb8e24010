using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace UNetDsl.Inference;

/// <summary>
/// The paper's overlap-tile strategy (figure 2): segments an image or a volume of any size with a network whose input
/// tile is larger than its output tile ('Valid' padding). The image is mirror-extended by the margin the network eats,
/// cut into input tiles (<see cref="TilePlan"/>, laid out by <see cref="TileLayout"/>) and the output tiles are
/// stitched seamlessly. Tiles start at multiples of the pooling period, so they overlap a little where the paper's
/// abut, and every output pixel is what one pass over the whole mirror-extended image gives it. With 'Same' padding a
/// context margin can be given so that tile borders do not depend on zero padding. Every spatial axis is tiled by its
/// own <see cref="ValidSizeRule"/>, so 3D and anisotropic networks (Cicek et al. 2016) are tiled as 2D ones are.
/// </summary>
public static class OverlapTilePredictor
{
    /// <summary>The smallest output tile side <see cref="TilePlan.For"/> uses by default for 2D networks.</summary>
    public const int DefaultOutputTile = 192;

    /// <summary>Segments <paramref name="image"/> [C, H, W] (2D network) or [C, D, H, W] (3D network) and returns class
    /// scores [classes, H, W] or [classes, D, H, W].</summary>
    /// <param name="model">A generated 2D or 3D network.</param>
    /// <param name="image">The image or volume, C = the network's input channels.</param>
    /// <param name="outputTile">Output tile side on every axis; rounded up to a valid size per axis (see
    /// <see cref="TilePlan.For"/>). Null: the plan of least work for this image within the default tile budget
    /// (<see cref="TilePlan.Cheapest"/>).</param>
    /// <param name="batchSize">The most tiles per forward pass.</param>
    /// <param name="contextMargin">Extra context per side for 'Same' networks (their own margin is 0).</param>
    /// <param name="progress">Called with (tiles done, tiles in all).</param>
    /// <exception cref="ArgumentException">The model is not a generated U-Net, or the image is not of its rank and channels.</exception>
    public static Tensor Predict(nn.Module<Tensor, Tensor> model, Tensor image, int? outputTile = null, int batchSize = 4, int contextMargin = 0, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var geometry = GeometryOf(model);
        var dimensions = geometry.Dimensions;
        var margins = Repeat(contextMargin, dimensions);
        var memoryBytes = MemoryBudget.Default();
        var plan = outputTile is null
            ? TilePlan.Cheapest(geometry, SpatialShape(geometry, image), DefaultBudget(model, geometry, memoryBytes), margins)
            : TilePlan.For(geometry, Repeat(outputTile.Value, dimensions), margins);
        return Predict(model, image, plan, batchSize, progress, memoryBytes);
    }

    /// <summary>
    /// Segments <paramref name="image"/> [C, H, W] or [C, D, H, W] with the tiles of <paramref name="plan"/> (see
    /// <see cref="TilePlan.Cheapest"/> and <see cref="TilePlan.For"/>; per axis, for anisotropic volumes) and returns
    /// class scores of the same spatial shape.
    /// </summary>
    /// <remarks>
    /// Tiles run in batches of at most <paramref name="batchSize"/>, as even as that allows (9 tiles in batches of 4
    /// run as 3, 3, 3), so that a batch holds a lone tile only when the plan has one tile, or
    /// <paramref name="batchSize"/> is 1, or it is 2 and the count is odd. That matters to the last bit: ATen hands a
    /// single image's small convolutions to its own im2col code instead of oneDNN, which rounds differently (measured
    /// on small networks; the paper's network differs by about 6e-8 at one 572x572 tile). With two or more tiles in
    /// every pass, the stitched output of an in-phase plan is the same, bit for bit, whatever the tile size and the
    /// batch size.
    /// </remarks>
    /// <param name="model">A generated 2D or 3D network.</param>
    /// <param name="image">The image or volume, C = the network's input channels.</param>
    /// <param name="plan">Input tile, output tile, margin and stride per spatial axis.</param>
    /// <param name="batchSize">The most tiles per forward pass.</param>
    /// <param name="progress">Called with (tiles done, tiles in all).</param>
    /// <exception cref="ArgumentException">The model is not a generated U-Net, the image is not of its rank and
    /// channels, or the plan does not fit the network (see <see cref="TileLayout.Of"/>).</exception>
    public static Tensor Predict(nn.Module<Tensor, Tensor> model, Tensor image, TilePlan plan, int batchSize = 4, Action<int, int>? progress = null) =>
        Predict(model, image, plan, batchSize, progress, MemoryBudget.Default());

    // memoryBytes: the budget the tile batch must fit, read once per prediction (the plan's choice used the same).
    private static Tensor Predict(nn.Module<Tensor, Tensor> model, Tensor image, TilePlan plan, int batchSize, Action<int, int>? progress, long memoryBytes)
    {
        ArgumentNullException.ThrowIfNull(image);
        var geometry = GeometryOf(model);
        var dimensions = geometry.Dimensions;
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var layout = TileLayout.Of(geometry, plan, SpatialShape(geometry, image));
        var tiles = layout.Tiles().ToList();
        var inputSides = plan.Axes.Select(a => a.Input).ToArray();

        // No more tiles in a pass than their activations (the compiler's estimate) fit in the memory budget; one at least.
        if (geometry.ActivationMemory is { } memory)
        {
            batchSize = Math.Min(batchSize, Math.Max(1, memory.MaxBatch(memoryBytes, false, BytesPerElement(model), inputSides)));
        }

        var outputShape = new long[dimensions + 1];
        outputShape[0] = geometry.OutputChannels;
        for (var axis = 0; axis < dimensions; axis++)
        {
            outputShape[axis + 1] = layout.Shape[axis];
        }

        using var scope = NewDisposeScope();
        var wasTraining = model.training;
        model.eval();
        try
        {
            var extended = MirrorPad(image, layout.Padding);
            var result = zeros(outputShape, dtype: ScalarType.Float32);
            var done = 0;
            using (no_grad())
            {
                foreach (var count in BatchSizes(tiles.Count, batchSize))
                {
                    using var batchScope = NewDisposeScope();
                    var batch = tiles.GetRange(done, count);
                    var inputs = batch.Select(placements => Cut(extended, placements.Select(p => p.Origin).ToArray(), inputSides)).ToArray();

                    // Channels-last (NHWC, NDHWC in 3D), as the generated Predict feeds its network: the layout oneDNN
                    // runs fastest (measured in 2D).
                    var scores = model.call(Layers.Layer.ToChannelsLast(stack(inputs)));
                    for (var i = 0; i < count; i++)
                    {
                        Stitch(result, scores[i], batch[i], plan);
                    }

                    done += count;
                    progress?.Invoke(done, tiles.Count);
                }
            }

            return scope.MoveToOuter(result);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>Input tile, output tile and margin for a wanted output tile side.</summary>
    /// <param name="rule">The axis's valid-size rule.</param>
    /// <param name="wantedOutput">The output side wanted.</param>
    /// <param name="contextMargin">Context per side for 'Same' networks.</param>
    public static (int Input, int Output, int Margin) Tile(ValidSizeRule rule, int wantedOutput, int contextMargin = 0)
    {
        if (rule.Shrink > 0)
        {
            var input = rule.InputFor(Math.Max(1, wantedOutput));
            return (input, input - rule.Shrink, rule.Shrink / 2);
        }

        // 'Same': the input is the output plus the context on both sides, rounded up to a valid size.
        var needed = rule.Nearest(Math.Max(1, wantedOutput) + (2 * contextMargin)).Above;
        var output = needed - (2 * contextMargin);
        return (needed, output, contextMargin);
    }

    /// <summary>Pads [C, H, W] by mirroring at the borders (as many times as needed for margins larger than the image).</summary>
    /// <param name="image">The image.</param>
    /// <param name="top">Rows added above.</param>
    /// <param name="bottom">Rows added below.</param>
    /// <param name="left">Columns added on the left.</param>
    /// <param name="right">Columns added on the right.</param>
    public static Tensor MirrorPad(Tensor image, int top, int bottom, int left, int right) =>
        MirrorPad(image, new[] { (top, bottom), (left, right) });

    /// <summary>
    /// Pads [C, spatial...] by mirroring at the borders of every spatial axis (as many times as needed for margins
    /// larger than the axis): [C, H, W] with two pairs, [C, D, H, W] with three.
    /// </summary>
    /// <param name="image">The image or volume.</param>
    /// <param name="padding">Elements added before and after, per spatial axis in axis order.</param>
    /// <exception cref="ArgumentException">There is not one pair per spatial axis.</exception>
    public static Tensor MirrorPad(Tensor image, IReadOnlyList<(int Before, int After)> padding)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(padding);
        if (padding.Count != image.dim() - 1)
        {
            throw new ArgumentException($"Mirror padding [{string.Join(", ", image.shape)}] needs one (before, after) pair per spatial axis ({image.dim() - 1}); got {padding.Count}.", nameof(padding));
        }

        using var scope = NewDisposeScope();
        var padded = image;
        for (var axis = 0; axis < padding.Count; axis++)
        {
            padded = padded.index_select(axis + 1, MirrorIndices((int)image.shape[axis + 1], padding[axis].Before, padding[axis].After));
        }

        return scope.MoveToOuter(padded);
    }

    // The default tile budget: the element cap, and one tile's activations within the memory budget.
    private static TileBudget DefaultBudget(nn.Module<Tensor, Tensor> model, UNetGeometry geometry, long memoryBytes) =>
        TileBudget.WithinMemory(
            geometry,
            TileBudget.InputElements(geometry.Dimensions == 2 ? TilePlan.DefaultPixelsPerTile : TilePlan.DefaultVoxelsPerTile),
            memoryBytes,
            BytesPerElement(model));

    private static int BytesPerElement(nn.Module<Tensor, Tensor> model) =>
        PrecisionChoice.BytesPerElement((model as IUNetModule)?.InferencePrecision ?? ComputePrecision.Float32);

    private static UNetGeometry GeometryOf(nn.Module<Tensor, Tensor> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return (model as IUNetModule)?.Geometry ?? throw new ArgumentException("Overlap-tile prediction needs a generated U-Net (IUNetModule).", nameof(model));
    }

    // The image's spatial sides, once its rank and channels are those the network reads.
    private static int[] SpatialShape(UNetGeometry geometry, Tensor image)
    {
        var dimensions = geometry.Dimensions;
        if (image.dim() != dimensions + 1 || image.shape[0] != geometry.InputChannels)
        {
            var axes = dimensions == 3 ? "volumes [" + geometry.InputChannels + ", D, H, W]" : "images [" + geometry.InputChannels + ", H, W]";
            throw new ArgumentException($"{geometry.Name} segments {axes}; got [{string.Join(", ", image.shape)}].", nameof(image));
        }

        return image.shape.Skip(1).Select(side => checked((int)side)).ToArray();
    }

    private static int[] Repeat(int value, int count)
    {
        var values = new int[count];
        Array.Fill(values, value);
        return values;
    }

    // Batches of at most `most` tiles, as even as possible: 9 tiles, at most 4 a batch, run as 3, 3, 3.
    private static IEnumerable<int> BatchSizes(int tiles, int most)
    {
        var batches = (tiles + most - 1) / most;
        for (var batch = 0; batch < batches; batch++)
        {
            yield return (tiles / batches) + (batch < tiles % batches ? 1 : 0);
        }
    }

    // The input tile at `origin` of the mirror-extended image [C, spatial...].
    private static Tensor Cut(Tensor extended, int[] origin, int[] input)
    {
        var tile = extended;
        for (var axis = 0; axis < origin.Length; axis++)
        {
            tile = tile.narrow(axis + 1, origin[axis], input[axis]);
        }

        return tile;
    }

    // Copies the part of one tile's scores that the layout keeps into the result. A 'Valid' network returns the output
    // tile, a 'Same' one its input size: either way the output tile is the centre.
    private static void Stitch(Tensor result, Tensor scores, TilePlacement[] placements, TilePlan plan)
    {
        var target = result;
        var source = scores;
        for (var axis = 0; axis < placements.Length; axis++)
        {
            var (origin, from, to) = placements[axis];
            var centre = (scores.shape[axis + 1] - plan.Axes[axis].Output) / 2;
            target = target.narrow(axis + 1, from, to - from);
            source = source.narrow(axis + 1, centre + from - origin, to - from);
        }

        target.copy_(source);
    }

    // Indices -before .. n-1+after folded back into 0..n-1 by reflection about the edge pixels (period 2n - 2).
    private static Tensor MirrorIndices(int n, int before, int after)
    {
        var indices = new long[before + n + after];
        var period = Math.Max(1, (2 * n) - 2);
        for (var i = 0; i < indices.Length; i++)
        {
            var p = ((i - before) % period + period) % period;
            indices[i] = p < n ? p : period - p;
        }

        return tensor(indices);
    }
}
