namespace UNetDsl.Data;

/// <summary>One labelled image: grayscale pixels in [0, 1] and instance labels (0 = background or membrane, 1..K cells).</summary>
/// <param name="Name">Where it came from, for messages and output names.</param>
/// <param name="Image">The image.</param>
/// <param name="Instances">Row-major instance labels, the image's size.</param>
public sealed record SegmentationSample(string Name, GrayImage Image, int[] Instances)
{
    /// <summary>The binary mask: true on cells.</summary>
    public bool[] Mask()
    {
        var mask = new bool[Instances.Length];
        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = Instances[i] > 0;
        }

        return mask;
    }
}
