using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace UNetDsl.Data;

/// <summary>Labelled images split into those a network trains on and those held out to validate it.</summary>
/// <param name="Training">The images to train on.</param>
/// <param name="Validation">The images held out (may be empty).</param>
/// <param name="Source">Where the images came from, for messages.</param>
public sealed record SegmentationData(IReadOnlyList<SegmentationSample> Training, IReadOnlyList<SegmentationSample> Validation, string Source)
{
    /// <summary>
    /// Reads <c>folder/images/NAME.png|tif</c> with <c>folder/labels/NAME.png|tif</c> and holds out the last
    /// <paramref name="validation"/> images (by name).
    /// </summary>
    /// <param name="folder">The folder holding <c>images/</c> and <c>labels/</c>.</param>
    /// <param name="validation">Images held out for validation: the last ones by name.</param>
    /// <param name="classes">The network's classes (see <see cref="FolderDataset.Load(string, int, int?)"/> for how labels are read).</param>
    /// <exception cref="DirectoryNotFoundException">The folder or one of its subfolders is missing.</exception>
    /// <exception cref="InvalidDataException">A file cannot be used; the message names it.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Too few images to hold out <paramref name="validation"/>.</exception>
    /// <param name="unlabelled">A label value that means "not labelled" (sparse annotations), or null.</param>
    public static SegmentationData FromFolder(string folder, int validation = 0, int classes = 2, int? unlabelled = null) =>
        Split(FolderDataset.Load(folder, classes, unlabelled), validation, folder);

    /// <summary>Synthetic touching cells made on the spot (<see cref="SyntheticCells"/>): no download needed.</summary>
    /// <param name="training">Images to train on.</param>
    /// <param name="validation">Images held out.</param>
    /// <param name="seed">Seed of the images.</param>
    /// <param name="classes">2 (cells) or 3 (two kinds of cells).</param>
    /// <param name="size">Image side in pixels.</param>
    public static SegmentationData Synthetic(int training = 24, int validation = 6, int seed = 1, int classes = 2, int size = 256)
    {
        if (training < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(training), training, "Training needs at least one image.");
        }

        if (validation < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(validation), validation, "Images held out cannot be fewer than 0.");
        }

        var samples = Enumerable.Range(0, training + validation)
            .Select(i => SyntheticCells.Generate((seed * 1000) + i, size, size, classes: classes))
            .ToList();
        var kind = classes == 2 ? "touching cells" : "touching cells of two kinds";
        return Split(samples, validation, $"synthetic {kind} (made now)");
    }

    /// <summary>Holds out the last <paramref name="validation"/> samples.</summary>
    /// <param name="samples">All labelled samples.</param>
    /// <param name="validation">How many to hold out.</param>
    /// <param name="source">Where they came from.</param>
    /// <exception cref="ArgumentOutOfRangeException">No sample would be left to train on.</exception>
    public static SegmentationData Split(IReadOnlyList<SegmentationSample> samples, int validation, string source)
    {
        var (training, held) = HeldOut.Split(samples, validation, source, "image");
        return new SegmentationData(training, held, source);
    }
}
