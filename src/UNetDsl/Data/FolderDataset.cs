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

    /// <summary>Loads every image with its label.</summary>
    /// <param name="folder">The folder holding <c>images/</c> and <c>labels/</c>.</param>
    /// <exception cref="DirectoryNotFoundException">The folder or one of its subfolders is missing.</exception>
    /// <exception cref="InvalidDataException">An image has no label, or their sizes differ; the message names the file.</exception>
    public static IReadOnlyList<SegmentationSample> Load(string folder)
    {
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
        if (files.Count == 0)
        {
            throw new InvalidDataException($"'{images}' holds no .png or .tif images.");
        }

        var samples = new List<SegmentationSample>();
        foreach (var file in files)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var label = Extensions.Select(e => Path.Combine(labels, name + e)).FirstOrDefault(File.Exists)
                ?? throw new InvalidDataException($"Image '{file}' has no label: expected '{Path.Combine(labels, name + ".png")}'.");
            var image = ImageIO.ReadGray(file);
            var (values, width, height) = ImageIO.ReadLabels(label);
            if (width != image.Width || height != image.Height)
            {
                throw new InvalidDataException($"Image '{file}' is {image.Width}x{image.Height} but its label '{label}' is {width}x{height}.");
            }

            var mask = values.Select(v => v > 0).ToArray();
            samples.Add(new SegmentationSample(name, image, UNetDsl.Training.Metrics.ConnectedComponents(mask, width, height)));
        }

        return samples;
    }

    /// <summary>The image files of a folder, sorted by name.</summary>
    /// <param name="folder">The folder.</param>
    public static List<string> ImageFiles(string folder) =>
        Directory.EnumerateFiles(folder)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
}
