using System;
using System.Linq;
using UNetDsl.Data;
using static TorchSharp.torch;

namespace UNetDsl.Inference;

/// <summary>Segments whole volumes of any size with a generated 3D network: 3D overlap-tile prediction, then the best class of every voxel.</summary>
public static class VolumeSegmenter
{
    /// <summary>The class of every voxel of <paramref name="volume"/>, with the volume's shape and spacing (tiles of <see cref="TilePlan.ForVolume"/>).</summary>
    /// <param name="network">A generated 3D network of one input channel.</param>
    /// <param name="volume">A grayscale volume of any size.</param>
    /// <param name="progress">Called with (tiles done, tiles in all), over every mirrored pass.</param>
    /// <param name="mirror">Test-time mirroring (<see cref="MirroredPrediction"/>): 8 predictions averaged.</param>
    /// <exception cref="ArgumentException">The network is not a generated 3D network of one input channel.</exception>
    public static LabelVolume Classes(nn.Module<Tensor, Tensor> network, GrayVolume volume, Action<int, int>? progress = null, bool mirror = false)
    {
        ArgumentNullException.ThrowIfNull(volume);
        CheckSegmentsGrayVolumes(network);
        using var scope = NewDisposeScope();
        var input = tensor(volume.Voxels, new long[] { 1, volume.Depth, volume.Height, volume.Width });
        var plan = TilePlan.ForVolume(((IUNetModule)network).Geometry, [volume.Depth, volume.Height, volume.Width]);
        var scores = Segmenter.Scores(input, mirror, progress, (tile, tileProgress) => OverlapTilePredictor.Predict(network, tile, plan, progress: tileProgress));
        var classes = scores.argmax(0).to_type(ScalarType.Int32).flatten().data<int>().ToArray();
        return new LabelVolume(classes, volume.Depth, volume.Height, volume.Width, (double[])volume.Spacing.Clone());
    }

    /// <summary>Throws unless <paramref name="network"/> is a generated 3D network that reads grayscale volumes.</summary>
    /// <param name="network">The network.</param>
    /// <exception cref="ArgumentException">It is not; the message says what it is and what is needed.</exception>
    public static UNetGeometry CheckSegmentsGrayVolumes(nn.Module<Tensor, Tensor> network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var geometry = (network as IUNetModule)?.Geometry
            ?? throw new ArgumentException($"{network.GetType().Name} is not a generated U-Net (IUNetModule): declare it with [UNet].", nameof(network));
        if (geometry.Dimensions != 3)
        {
            throw new ArgumentException($"{geometry.Name} is a {geometry.Dimensions}D network; volumes need a 3D one (Dimensions = 3). Give it 2D images instead.", nameof(network));
        }

        if (geometry.InputChannels != 1)
        {
            throw new ArgumentException($"{geometry.Name} takes {geometry.InputChannels} input channels, but the volumes are grayscale (1 channel). Declare it with inChannels: 1.", nameof(network));
        }

        if (geometry.OutputChannels < 2)
        {
            throw new ArgumentException($"{geometry.Name} has {geometry.OutputChannels} output channel; segmentation needs one score map per class, 2 or more.", nameof(network));
        }

        return geometry;
    }
}
