using System;
using System.Linq;
using UNetDsl.Data;
using static TorchSharp.torch;

namespace UNetDsl.Inference;

/// <summary>Segments whole images of any size with a generated 2D network: overlap-tile prediction, then the best class of every pixel.</summary>
public static class Segmenter
{
    /// <summary>The class of every pixel of <paramref name="image"/>, row-major.</summary>
    /// <param name="network">A generated 2D network of one input channel.</param>
    /// <param name="image">A grayscale image of any size.</param>
    /// <param name="progress">Called with (tiles done, tiles in all), over every mirrored pass.</param>
    /// <param name="mirror">Test-time mirroring (<see cref="MirroredPrediction"/>): 4 predictions averaged.</param>
    /// <exception cref="ArgumentException">The network is not a generated 2D network of one input channel.</exception>
    public static int[] Classes(nn.Module<Tensor, Tensor> network, GrayImage image, Action<int, int>? progress = null, bool mirror = false)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckSegmentsGrayImages(network);
        using var scope = NewDisposeScope();
        var input = tensor(image.Pixels, new long[] { 1, image.Height, image.Width });
        var scores = Scores(input, mirror, progress, (tile, tileProgress) => OverlapTilePredictor.Predict(network, tile, progress: tileProgress));
        return scores.argmax(0).to_type(ScalarType.Int32).flatten().data<int>().ToArray();
    }

    /// <summary>
    /// Scores of one overlap-tile prediction, or with <paramref name="mirror"/> the mean probabilities of every mirrored
    /// pass (the same argmax use); progress counts tiles over all passes.
    /// </summary>
    internal static Tensor Scores(Tensor input, bool mirror, Action<int, int>? progress, Func<Tensor, Action<int, int>?, Tensor> predict)
    {
        if (!mirror)
        {
            return predict(input, progress);
        }

        var passes = MirroredPrediction.Flips((int)input.dim() - 1).Count;
        var pass = 0;
        return MirroredPrediction.Probabilities(
            input,
            flipped => predict(flipped, progress is null ? null : (done, all) => progress((pass * all) + done, passes * all)),
            (done, _) => pass = done);
    }

    /// <summary>Throws unless <paramref name="network"/> is a generated 2D network that reads grayscale images.</summary>
    /// <param name="network">The network.</param>
    /// <exception cref="ArgumentException">It is not; the message says what it is and what is needed.</exception>
    public static UNetGeometry CheckSegmentsGrayImages(nn.Module<Tensor, Tensor> network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var geometry = (network as IUNetModule)?.Geometry
            ?? throw new ArgumentException($"{network.GetType().Name} is not a generated U-Net (IUNetModule): declare it with [UNet].", nameof(network));
        if (geometry.Dimensions != 2)
        {
            throw new ArgumentException($"{geometry.Name} is a {geometry.Dimensions}D network; images are 2D. Declare it with Dimensions = 2 for images.", nameof(network));
        }

        if (geometry.InputChannels != 1)
        {
            throw new ArgumentException($"{geometry.Name} takes {geometry.InputChannels} input channels, but the images are grayscale (1 channel). Declare it with inChannels: 1.", nameof(network));
        }

        if (geometry.OutputChannels < 2)
        {
            throw new ArgumentException($"{geometry.Name} has {geometry.OutputChannels} output channel; segmentation needs one score map per class, 2 or more.", nameof(network));
        }

        return geometry;
    }
}
