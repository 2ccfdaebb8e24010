using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace UNetDsl.Data;

/// <summary>
/// Labelled images from a folder in the layout of the ISBI 2012 data: <c>images/NAME.png</c> with
/// <c>labels/NAME.png</c> of the same name and size (labels: non-zero = cell interior, 0 = membrane or background).
/// Instance labels are the 4-connected components of the cell mask.
/// </summary>
public static class FolderDataset
{
    /// <summary>Image extensions the loader reads.</summary>
    public static readonly string[] Extensions = { ".png", ".tif", ".tiff" };

    /// <summary>Loads every image with its label, for a two-class network (non-zero label = foreground).</summary>
    /// <param name="folder">The folder holding <c>images/</c> and <c>labels/</c>.</param>
    /// <exception cref="DirectoryNotFoundException">The folder or one of its subfolders is missing.</exception>
    /// <exception cref="InvalidDataException">An image has no label, or their sizes differ; the message names the file.</exception>
    public static IReadOnlyList<SegmentationSample> Load(string folder) => Load(folder, 2);

    /// <summary>Loads every image with its label for a network of <paramref name="classes"/> classes.</summary>
    /// <param name="folder">The folder holding <c>images/</c> and <c>labels/</c>.</param>
    /// <param name="classes">
    /// The network's classes. With 2, any non-zero label value is foreground (so 0/255 masks and instance-label images
    /// both work); with more, every label value is a class index 0..classes-1.
    /// </param>
    /// <exception cref="DirectoryNotFoundException">The folder or one of its subfolders is missing.</exception>
    /// <exception cref="InvalidDataException">An image has no label, their sizes differ, two images share a name, or a
    /// label value is not a class of the network; the message names the file.</exception>
    /// <param name="unlabelled">A label value that means "not labelled" (sparse annotations): such pixels count in no
    /// loss and no metric; null when every pixel is labelled.</param>
    public static IReadOnlyList<SegmentationSample> Load(string folder, int classes, int? unlabelled = null)
    {
        if (classes < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "A segmentation network has 2 classes or more.");
        }

        var images = Path.Combine(folder, "images");
        var labels = Path.Combine(folder, "labels");
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Data folder '{folder}' does not exist.");
        }

        if (!Directory.Exists(images) || !Directory.Exists(labels))
        {
            throw new DirectoryNotFoundException($"Data folder '{folder}' needs an images/ and a labels/ folder with files of the same names.");
        }

        var files = ImageFiles(images);
        var volume = Directory.EnumerateFiles(images).FirstOrDefault(f => f.EndsWith(".nii", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".nii.gz", StringComparison.OrdinalIgnoreCase));
        if (volume is not null)
        {
            throw new InvalidDataException($"'{volume}' is a volume (NIfTI), but a 2D network trains on 2D images (.png, .tif). Train a 3D network (Dimensions = 3) on volumes, or give 2D slices.");
        }

        if (files.Count == 0)
        {
            throw new InvalidDataException($"'{images}' holds no .png or .tif images.");
        }

        var shared = files.GroupBy(Path.GetFileNameWithoutExtension, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (shared is not null)
        {
            throw new InvalidDataException($"Images {string.Join(" and ", shared.Select(f => $"'{f}'"))} share the name '{shared.Key}', so their labels and outputs would be confused; keep one of them.");
        }

        var samples = new List<SegmentationSample>();
        foreach (var file in files)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var image = ImageIO.ReadGray(file);
            var label = Extensions.Select(e => Path.Combine(labels, name + e)).FirstOrDefault(File.Exists)
                ?? throw new InvalidDataException($"Image '{file}' has no label: expected '{Path.Combine(labels, name + ".png")}'.");
            var (values, width, height) = ImageIO.ReadLabels(label);
            if (width != image.Width || height != image.Height)
            {
                throw new InvalidDataException($"Image '{file}' is {image.Width}x{image.Height} but its label '{label}' is {width}x{height}.");
            }

            samples.Add(FromLabels(name, image, values, classes, label, unlabelled));
        }

        return samples;
    }

    /// <summary>A sample from a label image read for a network of <paramref name="classes"/> classes.</summary>
    /// <param name="name">The sample's name.</param>
    /// <param name="image">The image.</param>
    /// <param name="values">The label image's values, row-major, the image's size.</param>
    /// <param name="classes">The network's classes; see <see cref="Load(string, int, int?)"/>.</param>
    /// <param name="source">The label file, for messages.</param>
    /// <param name="unlabelled">A label value that means "not labelled", or null.</param>
    /// <exception cref="InvalidDataException">A label value is not a class of the network.</exception>
    public static SegmentationSample FromLabels(string name, GrayImage image, int[] values, int classes, string source, int? unlabelled = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(values);
        if (unlabelled is { } marker && values.Contains(marker))
        {
            // Classes as usual where labelled, Losses.Unlabelled elsewhere.
            var known = values.Select(v => v == marker ? 0 : v).ToArray();
            var labelled = FromLabels(name, image, known, classes, source);
            var classMap = labelled.Classes().Select((c, i) => values[i] == marker ? UNetDsl.Training.Losses.Unlabelled : c).ToArray();
            var instances = labelled.Instances.Select((v, i) => values[i] == marker ? 0 : v).ToArray();
            return labelled with { Instances = instances, ClassLabels = classMap };
        }

        if (classes == 2)
        {
            var mask = values.Select(v => v != 0).ToArray();
            return new SegmentationSample(name, image, UNetDsl.Training.Metrics.ConnectedComponents(mask, image.Width, image.Height));
        }

        for (var i = 0; i < values.Length; i++)
        {
            if ((uint)values[i] >= (uint)classes)
            {
                throw new InvalidDataException(
                    $"Label '{source}' has the value {values[i]} at pixel ({i % image.Width}, {i / image.Width}); the network has {classes} classes, so labels must be class indices 0..{classes - 1}. Map the colours or values of your labels to class indices first (docs/training.md).");
            }
        }

        return new SegmentationSample(name, image, InstancesOfClasses(values, image.Width, image.Height), (int[])values.Clone());
    }

    /// <summary>
    /// Instance labels of a class image: the 4-connected components of each class but 0, numbered 1.. across classes,
    /// so the weight map's border term separates touching objects of the same class and of different classes alike.
    /// </summary>
    /// <param name="classes">Row-major class indices.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    public static int[] InstancesOfClasses(int[] classes, int width, int height) =>
        InstancesOfClasses(classes, 1, height, width);

    /// <summary>
    /// Instance labels of a class volume: the connected components of each class but 0, numbered 1.. across classes
    /// (<see cref="Training.Losses.Unlabelled"/> voxels belong to none). Voxels join across faces along every axis
    /// whose spacing is at most <see cref="ThickAxisRatio"/> times the finest; across thicker slices they do not, so
    /// each slice's objects are instances of their own.
    /// </summary>
    /// <remarks>
    /// Why not across thick slices: sections 50 nm apart (the ISBI 2012 stack, 12.5 times its pixel size) overlap
    /// where neighbouring cells merely touch, so 3D components fuse thousands of cells into a handful and the weight
    /// map's border term, which needs two distinct instances, vanishes. nnU-Net treats an axis as separate beyond the
    /// same ratio of 3. The border term's distances still run in 3D, in physical units.
    /// </remarks>
    /// <param name="classes">Class indices in (z, y, x) row-major order.</param>
    /// <param name="depth">Slices.</param>
    /// <param name="height">Rows per slice.</param>
    /// <param name="width">Columns per row.</param>
    /// <param name="spacing">Voxel spacing (z, y, x); null for equal spacing (every axis joins).</param>
    public static int[] InstancesOfClasses(int[] classes, int depth, int height, int width, double[]? spacing = null)
    {
        ArgumentNullException.ThrowIfNull(classes);
        var joined = spacing is null ? null : Array.ConvertAll(spacing, s => s <= ThickAxisRatio * spacing.Min());
        var instances = new int[classes.Length];
        var next = 0;
        foreach (var c in classes.Where(c => c > 0).Distinct().OrderBy(c => c).ToList())
        {
            var components = UNetDsl.Training.Metrics.ConnectedComponents(classes.Select(v => v == c).ToArray(), depth, height, width, out var count, joined);
            for (var i = 0; i < components.Length; i++)
            {
                if (components[i] > 0)
                {
                    instances[i] = next + components[i];
                }
            }

            next += count;
        }

        return instances;
    }

    /// <summary>How many times the finest spacing an axis's spacing may be for objects to join along it (nnU-Net's anisotropy threshold).</summary>
    public const double ThickAxisRatio = 3;

    /// <summary>The image files of a folder, sorted by name.</summary>
    /// <param name="folder">The folder.</param>
    public static List<string> ImageFiles(string folder) =>
        Directory.EnumerateFiles(folder)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
}
