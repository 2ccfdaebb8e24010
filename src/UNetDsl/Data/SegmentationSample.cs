namespace UNetDsl.Data;

/// <summary>
/// One labelled image: grayscale pixels in [0, 1], instance labels (0 = background or membrane, 1..K objects; the
/// border term of the weight map separates touching ones) and, for more than two classes, the class of every pixel.
/// </summary>
/// <param name="Name">Where it came from, for messages and output names.</param>
/// <param name="Image">The image.</param>
/// <param name="Instances">Row-major instance labels, the image's size.</param>
/// <param name="ClassLabels">Row-major class indices 0..C-1, or -1 (<see cref="Training.Losses.Unlabelled"/>) where
/// the pixel carries no label (sparse annotation), the image's size; null for two fully labelled classes, where the
/// class is 1 on every instance and 0 elsewhere.</param>
public sealed record SegmentationSample(string Name, GrayImage Image, int[] Instances, int[]? ClassLabels = null)
{
    /// <summary>The binary mask: true on foreground (any class but 0).</summary>
    public bool[] Mask()
    {
        var classes = Classes();
        var mask = new bool[classes.Length];
        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = classes[i] > 0;
        }

        return mask;
    }

    /// <summary>The class of every pixel: <see cref="ClassLabels"/>, or 1 on instances and 0 elsewhere.</summary>
    public int[] Classes()
    {
        if (ClassLabels is not null)
        {
            return ClassLabels;
        }

        var classes = new int[Instances.Length];
        for (var i = 0; i < classes.Length; i++)
        {
            classes[i] = Instances[i] > 0 ? 1 : 0;
        }

        return classes;
    }

    /// <summary>The largest class index in the labels (0 for an all-background image).</summary>
    public int MaxClass()
    {
        var max = 0;
        foreach (var c in Classes())
        {
            max = c > max ? c : max;
        }

        return max;
    }
}
