using System;
using System.Linq;
using UNetDsl.Training;

namespace UNetDsl.Data;

/// <summary>
/// One labelled volume: its grayscale voxels, the class of every voxel (<see cref="Losses.Unlabelled"/> where it
/// carries no label, as in the sparse annotations of Cicek et al.) and, optionally, instance labels for the weight
/// map's border term.
/// </summary>
/// <remarks>The constructor checks that image and labels have one shape; equality compares the arrays by reference.</remarks>
public sealed record VolumeSample
{
    /// <summary>A labelled volume.</summary>
    /// <param name="name">Where it came from, for messages and output names.</param>
    /// <param name="image">The volume.</param>
    /// <param name="classes">Class indices 0..C-1 per voxel, or <see cref="Losses.Unlabelled"/>; the image's shape.</param>
    /// <param name="instances">Instance labels (0 outside every object, 1..K objects), so that touching objects of
    /// one class get the border term between them; null for the connected components of each class but 0 (see
    /// <see cref="InstanceLabels"/>).</param>
    /// <exception cref="ArgumentException">The labels or instances differ in shape from the image; the message names both shapes.</exception>
    public VolumeSample(string name, GrayVolume image, LabelVolume classes, int[]? instances = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(classes);
        if (image.Depth != classes.Depth || image.Height != classes.Height || image.Width != classes.Width)
        {
            throw new ArgumentException(
                $"The labels of '{name}' are {VolumeShape.Describe(classes.Depth, classes.Height, classes.Width)} but its image is {VolumeShape.Describe(image.Depth, image.Height, image.Width)}; a label volume must have its image's shape.",
                nameof(classes));
        }

        if (instances is not null && instances.Length != classes.Labels.Length)
        {
            throw new ArgumentException($"The instance labels of '{name}' hold {instances.Length:N0} values; its {VolumeShape.Describe(image.Depth, image.Height, image.Width)} volume needs {classes.Labels.Length:N0}.", nameof(instances));
        }

        (Name, Image, Classes, Instances) = (name, image, classes, instances);
    }

    /// <summary>Where it came from, for messages and output names.</summary>
    public string Name { get; }

    /// <summary>The volume.</summary>
    public GrayVolume Image { get; }

    /// <summary>Class indices per voxel, or <see cref="Losses.Unlabelled"/>.</summary>
    public LabelVolume Classes { get; }

    /// <summary>Instance labels given with the sample, or null (see <see cref="InstanceLabels"/>).</summary>
    public int[]? Instances { get; }

    /// <summary>(depth, height, width).</summary>
    public int[] Shape => [Image.Depth, Image.Height, Image.Width];

    /// <summary>
    /// The instance labels: those given, or the connected components of each class but 0, numbered across classes,
    /// joined across slices only where slices are not thick (<see cref="FolderDataset.InstancesOfClasses(int[], int, int, int, double[])"/>).
    /// </summary>
    public int[] InstanceLabels() =>
        Instances ?? FolderDataset.InstancesOfClasses(Classes.Labels, Classes.Depth, Classes.Height, Classes.Width, Image.Spacing);

    /// <summary>The largest class index in the labels (0 when every labelled voxel is background).</summary>
    public int MaxClass() => Classes.Labels.Length == 0 ? 0 : Math.Max(0, Classes.Labels.Max());

    /// <summary>How many voxels carry a label (are not <see cref="Losses.Unlabelled"/>).</summary>
    public long LabelledVoxels() => Classes.Labels.LongCount(c => c != Losses.Unlabelled);
}
