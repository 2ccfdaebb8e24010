using System.Collections.Generic;
using System.Linq;
using UNetDsl.Inference;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Inference;

/// <summary>What overlap-tile prediction must reproduce: one forward pass over the whole mirror-extended image.</summary>
internal static class OnePass
{
    /// <summary>
    /// Scores [classes, spatial...] of <paramref name="image"/> [C, spatial...] from one pass: each axis mirrored by the
    /// network's margin (or the context given for 'Same' axes) and up to the next valid size, the pass starting at
    /// the pooling grid's origin like every in-phase tile, the result cut to the image.
    /// </summary>
    /// <remarks>
    /// The pass runs the image twice in one batch and keeps the first: ATen gives a single small image's
    /// convolutions to its own im2col code rather than oneDNN, which rounds differently in the last bit, and
    /// <see cref="OverlapTilePredictor"/> runs two or more tiles per batch for the same reason.
    /// </remarks>
    public static Tensor Scores(nn.Module<Tensor, Tensor> model, Tensor image, IReadOnlyList<int>? contextMargin = null)
    {
        using var scope = NewDisposeScope();
        var geometry = ((IUNetModule)model).Geometry;
        var padding = new (int Before, int After)[geometry.Dimensions];
        var centre = new int[geometry.Dimensions];
        for (var axis = 0; axis < geometry.Dimensions; axis++)
        {
            var rule = geometry.SizeRules[axis];
            var side = (int)image.shape[axis + 1];
            var margin = rule.Shrink > 0 ? rule.Shrink / 2 : contextMargin?[axis] ?? 0;
            var input = rule.Nearest(side + (2L * margin)).Above;
            padding[axis] = (margin, input - side - margin);
            centre[axis] = rule.Shrink > 0 ? 0 : margin;
        }

        var extended = OverlapTilePredictor.MirrorPad(image, padding);
        model.eval();
        using var noGrad = no_grad();
        var scores = model.call(UNetDsl.Layers.Layer.ToChannelsLast(stack(new[] { extended, extended })))[0];
        for (var axis = 0; axis < geometry.Dimensions; axis++)
        {
            scores = scores.narrow(axis + 1, centre[axis], image.shape[axis + 1]);
        }

        return scope.MoveToOuter(scores.contiguous());
    }
}
