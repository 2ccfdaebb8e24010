using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace UNetDsl.Inference;

/// <summary>
/// The paper's overlap-tile strategy (figure 2): segments an image or a volume of any size with a network whose input
/// tile is larger than its output tile ('Valid' padding). The image is mirror-extended by the margin the network eats,
/// cut into input tiles whose output tiles abut exactly, and the outputs are stitched seamlessly. With 'Same' padding a
/// context margin can be given so that tile borders do not depend on zero padding. Every spatial axis is tiled by its
/// own <see cref="ValidSizeRule"/>, so 3D and anisotropic networks (Cicek et al. 2016) are tiled as 2D ones are.
/// </summary>
public static class OverlapTilePredictor
{
    /// <summary>The smallest output tile side used by default for 2D networks.</summary>
    public const int DefaultOutputTile = 192;

    /// <summary>Segments <paramref name="image"/> [C, H, W] (2D network) or [C, D, H, W] (3D network) and returns class
    /// scores [classes, H, W] or [classes, D, H, W].</summary>
    /// <param name="model">A generated 2D or 3D network.</param>
    /// <param name="image">The image or volume, C = the network's input channels.</param>
    /// <param name="outputTile">Output tile side on every axis; rounded up to a valid size per axis. Null: the network's
    /// reference output size, or <see cref="DefaultOutputTile"/> (2D) and <see cref="TilePlan.DefaultOutputTile3D"/>
    /// (3D) when that is smaller (a tiny tile would spend most of its work on margins).</param>
    /// <param name="batchSize">Tiles per forward pass.</param>
    /// <param name="contextMargin">Extra context per side for 'Same' networks (their own margin is 0).</param>
    /// <param name="progress">Called with (tiles done, tiles in all).</param>
    public static Tensor Predict(nn.Module<Tensor, Tensor> model, Tensor image, int? outputTile = null, int batchSize = 4, int contextMargin = 0, Action<int, int>? progress = null)
    {
        var geometry = GeometryOf(model);
        var dimensions = geometry.Dimensions;
        var plan = TilePlan.For(geometry, outputTile is null ? null : Repeat(outputTile.Value, dimensions), Repeat(contextMargin, dimensions));
        return Predict(model, image, plan, batchSize, progress);
    }

    /// <summary>
    /// Segments <paramref name="image"/> [C, H, W] or [C, D, H, W] with the tiles of <paramref name="plan"/> (see
    /// <see cref="TilePlan.For"/>; per axis, for anisotropic volumes) and returns class scores of the same spatial shape.
    /// </summary>
    /// <param name="model">A generated 2D or 3D network.</param>
    /// <param name="image">The image or volume, C = the network's input channels.</param>
    /// <param name="plan">Input tile, output tile and margin per spatial axis.</param>
    /// <param name="batchSize">Tiles per forward pass.</param>
    /// <param name="progress">Called with (tiles done, tiles in all).</param>
    public static Tensor Predict(nn.Module<Tensor, Tensor> model, Tensor image, TilePlan plan, int batchSize = 4, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var geometry = GeometryOf(model);
        var dimensions = geometry.Dimensions;
        if (image.dim() != dimensions + 1 || image.shape[0] != geometry.InputChannels)
        {
            var axes = dimensions == 3 ? "volumes [" + geometry.InputChannels + ", D, H, W]" : "images [" + geometry.InputChannels + ", H, W]";
            throw new ArgumentException($"{geometry.Name} segments {axes}; got [{string.Join(", ", image.shape)}].", nameof(image));
        }

        if (plan.Axes is null || plan.Axes.Count != dimensions)
        {
            throw new ArgumentException($"{geometry.Name} needs a tile plan with one axis per spatial axis ({dimensions}); got {plan.Axes?.Count ?? 0}.", nameof(plan));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);

        var sizes = new int[dimensions];
        var tileCounts = new int[dimensions];
        var padding = new (int Before, int After)[dimensions];
        var covered = new long[dimensions + 1];
        covered[0] = geometry.OutputChannels;
        for (var axis = 0; axis < dimensions; axis++)
        {
            var tile = plan.Axes[axis];
            sizes[axis] = (int)image.shape[axis + 1];
            tileCounts[axis] = (sizes[axis] + tile.Output - 1) / tile.Output;
            covered[axis + 1] = (long)tileCounts[axis] * tile.Output;

            // Mirror-extend: the margin the network eats on each side, plus what completes the last tile.
            padding[axis] = (tile.Margin, tile.Margin + (int)covered[axis + 1] - sizes[axis]);
        }

        using var scope = NewDisposeScope();
        var wasTraining = model.training;
        model.eval();
        try
        {
            var extended = MirrorPad(image, padding);
            var result = zeros(covered, dtype: ScalarType.Float32);
            var origins = Origins(tileCounts, plan);

            var done = 0;
            using (no_grad())
            {
                for (var start = 0; start < origins.Count; start += batchSize)
                {
                    using var batchScope = NewDisposeScope();
                    var count = Math.Min(batchSize, origins.Count - start);
                    var tiles = new Tensor[count];
                    for (var i = 0; i < count; i++)
                    {
                        var tile = extended;
                        for (var axis = 0; axis < dimensions; axis++)
                        {
                            tile = tile.narrow(axis + 1, origins[start + i][axis], plan.Axes[axis].Input);
                        }

                        tiles[i] = tile;
                    }

                    // Channels-last (NHWC, NDHWC in 3D), as the generated Predict feeds its network: the layout oneDNN
                    // runs fastest (measured in 2D).
                    var scores = model.call(Layers.Layer.ToChannelsLast(stack(tiles)));

                    // 'Same' networks return their input size: keep the centre, the context margin cut off.
                    var offsets = new long[dimensions];
                    for (var axis = 0; axis < dimensions; axis++)
                    {
                        offsets[axis] = (scores.shape[axis + 2] - plan.Axes[axis].Output) / 2;
                    }

                    for (var i = 0; i < count; i++)
                    {
                        var target = result;
                        var source = scores[i];
                        for (var axis = 0; axis < dimensions; axis++)
                        {
                            var output = plan.Axes[axis].Output;
                            target = target.narrow(axis + 1, origins[start + i][axis], output);
                            source = source.narrow(axis + 1, offsets[axis], output);
                        }

                        target.copy_(source);
                    }

                    done += count;
                    progress?.Invoke(done, origins.Count);
                }
            }

            var cropped = result;
            for (var axis = 0; axis < dimensions; axis++)
            {
                cropped = cropped.narrow(axis + 1, 0, sizes[axis]);
            }

            return scope.MoveToOuter(cropped.contiguous());
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

    private static UNetGeometry GeometryOf(nn.Module<Tensor, Tensor> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return (model as IUNetModule)?.Geometry ?? throw new ArgumentException("Overlap-tile prediction needs a generated U-Net (IUNetModule).", nameof(model));
    }

    private static int[] Repeat(int value, int count)
    {
        var values = new int[count];
        Array.Fill(values, value);
        return values;
    }

    // Tile origins in the covered output, the last axis fastest (row by row in 2D, as the tiles are stitched).
    private static List<int[]> Origins(int[] tileCounts, TilePlan plan)
    {
        var origins = new List<int[]>();
        if (Array.IndexOf(tileCounts, 0) >= 0)
        {
            return origins;
        }

        var index = new int[tileCounts.Length];
        while (true)
        {
            var origin = new int[index.Length];
            for (var axis = 0; axis < index.Length; axis++)
            {
                origin[axis] = index[axis] * plan.Axes[axis].Output;
            }

            origins.Add(origin);
            var carry = index.Length - 1;
            while (carry >= 0 && ++index[carry] == tileCounts[carry])
            {
                index[carry--] = 0;
            }

            if (carry < 0)
            {
                return origins;
            }
        }
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
