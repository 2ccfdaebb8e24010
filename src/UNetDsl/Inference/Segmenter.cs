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
    /// <param name="progress">Called with (tiles done, tiles in all).</param>
    /// <exception cref="ArgumentException">The network is not a generated 2D network of one input channel.</exception>
    public static int[] Classes(nn.Module<Tensor, Tensor> network, GrayImage image, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckSegmentsGrayImages(network);
        using var scope = NewDisposeScope();
        var input = tensor(image.Pixels, new long[] { 1, image.Height, image.Width });
        var scores = OverlapTilePredictor.Predict(network, input, progress: progress);
        return scores.argmax(0).to_type(ScalarType.Int32).flatten().data<int>().ToArray();
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
