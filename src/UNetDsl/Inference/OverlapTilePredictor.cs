using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace UNetDsl.Inference;

/// <summary>
/// The paper's overlap-tile strategy (figure 2): segments an image of any size with a network whose input tile is
/// larger than its output tile ('Valid' padding). The image is mirror-extended by the margin the network eats, cut
/// into input tiles whose output tiles abut exactly, and the outputs are stitched seamlessly. With 'Same' padding a
/// context margin can be given so that tile borders do not depend on zero padding.
/// </summary>
public static class OverlapTilePredictor
{
    /// <summary>The smallest output tile side used by default.</summary>
    public const int DefaultOutputTile = 192;

    /// <summary>Segments <paramref name="image"/> [C, H, W] and returns class scores [classes, H, W].</summary>
    /// <param name="model">A generated 2D network.</param>
    /// <param name="image">The image, C = the network's input channels.</param>
    /// <param name="outputTile">Output tile side; rounded up to a valid size. Null: the network's reference output size,
    /// or <see cref="DefaultOutputTile"/> when that is smaller (a tiny tile would spend most of its work on margins).</param>
    /// <param name="batchSize">Tiles per forward pass.</param>
    /// <param name="contextMargin">Extra context per side for 'Same' networks (their own margin is 0).</param>
    /// <param name="progress">Called with (tiles done, tiles in all).</param>
    public static Tensor Predict(nn.Module<Tensor, Tensor> model, Tensor image, int? outputTile = null, int batchSize = 4, int contextMargin = 0, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(image);
        var geometry = (model as IUNetModule)?.Geometry ?? throw new ArgumentException("Overlap-tile prediction needs a generated U-Net (IUNetModule).", nameof(model));
        if (geometry.Dimensions != 2 || image.dim() != 3 || image.shape[0] != geometry.InputChannels)
        {
            throw new ArgumentException($"{geometry.Name} segments images [{geometry.InputChannels}, H, W]; got [{string.Join(", ", image.shape)}].", nameof(image));
        }

        var height = (int)image.shape[1];
        var width = image.shape.Length > 2 ? (int)image.shape[2] : 0;
        var (inH, outH, marginH) = Tile(geometry.SizeRules[0], outputTile ?? Math.Max(DefaultOutputTile, geometry.OutputSize[0]), contextMargin);
        var (inW, outW, marginW) = Tile(geometry.SizeRules[1], outputTile ?? Math.Max(DefaultOutputTile, geometry.OutputSize[1]), contextMargin);
        var tilesY = (height + outH - 1) / outH;
        var tilesX = (width + outW - 1) / outW;
        var classes = geometry.OutputChannels;

        using var scope = NewDisposeScope();
        var wasTraining = model.training;
        model.eval();
        try
        {
            // Mirror-extend: the margin the network eats on each side, plus what completes the last tile.
            var extended = MirrorPad(image, marginH, marginH + (tilesY * outH) - height, marginW, marginW + (tilesX * outW) - width);
            var result = zeros(new long[] { classes, tilesY * outH, tilesX * outW }, dtype: ScalarType.Float32);
            var origins = new List<(int Y, int X)>();
            for (var ty = 0; ty < tilesY; ty++)
            {
                for (var tx = 0; tx < tilesX; tx++)
                {
                    origins.Add((ty * outH, tx * outW));
                }
            }

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
                        var (y, x) = origins[start + i];
                        tiles[i] = extended.narrow(1, y, inH).narrow(2, x, inW);
                    }

                    // Channels-last, as the generated Predict feeds its network: the layout oneDNN runs fastest.
                    var scores = model.call(Layers.Layer.ToChannelsLast(stack(tiles)));

                    // 'Same' networks return their input size: keep the centre, the context margin cut off.
                    var offsetY = (scores.shape[2] - outH) / 2;
                    var offsetX = (scores.shape[3] - outW) / 2;
                    for (var i = 0; i < count; i++)
                    {
                        var (y, x) = origins[start + i];
                        result.narrow(1, y, outH).narrow(2, x, outW).copy_(scores[i].narrow(1, offsetY, outH).narrow(2, offsetX, outW));
                    }

                    done += count;
                    progress?.Invoke(done, origins.Count);
                }
            }

            return scope.MoveToOuter(result.narrow(1, 0, height).narrow(2, 0, width).contiguous());
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
    public static Tensor MirrorPad(Tensor image, int top, int bottom, int left, int right)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var scope = NewDisposeScope();
        var rows = MirrorIndices((int)image.shape[1], top, bottom);
        var columns = MirrorIndices((int)image.shape[2], left, right);
        return scope.MoveToOuter(image.index_select(1, rows).index_select(2, columns));
    }

    // Indices -top .. n-1+bottom folded back into 0..n-1 by reflection about the edge pixels (period 2n - 2).
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
