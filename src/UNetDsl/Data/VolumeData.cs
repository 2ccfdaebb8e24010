using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using UNetDsl.Training;

namespace UNetDsl.Data;

/// <summary>Labelled volumes split into those a 3D network trains on and those held out to validate it.</summary>
/// <param name="Training">The volumes to train on.</param>
/// <param name="Validation">The volumes held out (may be empty).</param>
/// <param name="Source">Where the volumes came from, for messages.</param>
public sealed record VolumeData(IReadOnlyList<VolumeSample> Training, IReadOnlyList<VolumeSample> Validation, string Source)
{
    /// <summary>
    /// Reads <c>folder/images/NAME.{tif,tiff,nii,nii.gz}</c> with <c>folder/labels/NAME.{tif,tiff,nii,nii.gz}</c> and
    /// holds out the last <paramref name="validation"/> volumes (by name). Images are read as networks take them
    /// (<see cref="VolumeIO.ReadNetworkInput"/>); labels as <see cref="FolderDataset.Load(string, int, int?)"/> reads
    /// label images: with 2 classes any non-zero value is foreground, with more every value is a class index.
    /// </summary>
    /// <param name="folder">The folder holding <c>images/</c> and <c>labels/</c>.</param>
    /// <param name="validation">Volumes held out for validation: the last ones by name.</param>
    /// <param name="classes">The network's classes.</param>
    /// <param name="unlabelled">A label value that means "not labelled" (sparse annotations): such voxels count in no
    /// loss and no metric; null when every voxel is labelled.</param>
    /// <param name="spacing">Voxel spacing (depth, height, width) for every volume, replacing what NIfTI files store
    /// and giving TIFF stacks the one they lack; null keeps the files' (1, 1, 1 for TIFF).</param>
    /// <exception cref="DirectoryNotFoundException">The folder or one of its subfolders is missing.</exception>
    /// <exception cref="InvalidDataException">A file cannot be used (a 2D image, no label, another shape, a label value
    /// that is not a class); the message names it.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Too few volumes to hold out <paramref name="validation"/>.</exception>
    public static VolumeData FromFolder(string folder, int validation = 0, int classes = 2, int? unlabelled = null, double[]? spacing = null)
    {
        var samples = Load(folder, classes, unlabelled, spacing);
        var (training, held) = HeldOut.Split(samples, validation, folder, "volume");
        return new VolumeData(training, held, folder);
    }

    /// <summary>Synthetic touching cells in 3D made on the spot (<see cref="SyntheticCells3D"/>): no download needed.</summary>
    /// <param name="training">Volumes to train on.</param>
    /// <param name="validation">Volumes held out.</param>
    /// <param name="seed">Seed of the volumes.</param>
    /// <param name="classes">2 (cells) or 3 (two kinds of cells).</param>
    /// <param name="shape">(depth, height, width) of every volume; null for <see cref="SyntheticCells3D.DefaultShape"/>.</param>
    /// <param name="spacing">Voxel spacing (depth, height, width); null for <see cref="SyntheticCells3D.DefaultSpacing"/> (thick slices).</param>
    public static VolumeData Synthetic(int training = 4, int validation = 1, int seed = 1, int classes = 2, int[]? shape = null, double[]? spacing = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(training, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(validation);
        var size = shape ?? SyntheticCells3D.DefaultShape;
        var samples = Enumerable.Range(0, training + validation)
            .Select(i => SyntheticCells3D.Generate((seed * 1000) + i, size[0], size[1], size[2], spacing ?? SyntheticCells3D.DefaultSpacing, classes))
            .ToList();
        var (train, held) = HeldOut.Split(samples, validation, "synthetic cells", "volume");
        return new VolumeData(train, held, $"synthetic touching cells in 3D{(classes == 2 ? string.Empty : " of two kinds")} (made now)");
    }

    /// <summary>Reads every volume of a folder laid out as <see cref="FromFolder"/> describes.</summary>
    /// <param name="folder">The folder holding <c>images/</c> and <c>labels/</c>.</param>
    /// <param name="classes">The network's classes.</param>
    /// <param name="unlabelled">A label value that means "not labelled", or null.</param>
    /// <param name="spacing">Voxel spacing for every volume, or null to keep the files'.</param>
    /// <exception cref="DirectoryNotFoundException">The folder or one of its subfolders is missing.</exception>
    /// <exception cref="InvalidDataException">A file cannot be used; the message names it.</exception>
    public static IReadOnlyList<VolumeSample> Load(string folder, int classes, int? unlabelled = null, double[]? spacing = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        var images = Path.Combine(folder, "images");
        var labels = Path.Combine(folder, "labels");
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Data folder '{folder}' does not exist.");
        }

        if (!Directory.Exists(images) || !Directory.Exists(labels))
        {
            throw new DirectoryNotFoundException($"Data folder '{folder}' needs an images/ and a labels/ folder with volumes of the same names.");
        }

        var flat = FolderDataset.ImageFiles(images).Where(f => !VolumeIO.IsVolumeName(f)).ToList();
        if (flat.Count > 0)
        {
            throw new InvalidDataException($"'{flat[0]}' is a 2D image, but a 3D network reads volumes (.tif stacks, .nii, .nii.gz). Stack the slices into one volume per file (a multi-page TIFF or NIfTI; VolumeIO.FromSlices does it), or use a 2D network.");
        }

        var files = Directory.EnumerateFiles(images).Where(VolumeIO.IsVolumeName).OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new InvalidDataException($"'{images}' holds no volumes (.tif, .tiff, .nii, .nii.gz).");
        }

        var shared = files.GroupBy(f => VolumeIO.VolumeName(f)!, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (shared is not null)
        {
            throw new InvalidDataException($"Volumes {string.Join(" and ", shared.Select(f => $"'{f}'"))} share the name '{shared.Key}', so their labels and outputs would be confused; keep one of them.");
        }

        var labelFiles = Directory.EnumerateFiles(labels).Where(VolumeIO.IsVolumeName).ToLookup(f => VolumeIO.VolumeName(f)!, StringComparer.Ordinal);
        var sharedLabel = labelFiles.FirstOrDefault(g => g.Count() > 1);
        if (sharedLabel is not null)
        {
            throw new InvalidDataException($"Label volumes {string.Join(" and ", sharedLabel.OrderBy(f => f, StringComparer.Ordinal).Select(f => $"'{f}'"))} share the name '{sharedLabel.Key}', so either could be taken; keep one of them.");
        }

        var samples = new List<VolumeSample>();
        foreach (var file in files)
        {
            var name = VolumeIO.VolumeName(file)!;
            var label = labelFiles[name].OrderBy(f => f, StringComparer.Ordinal).FirstOrDefault()
                ?? throw new InvalidDataException($"Volume '{file}' has no label volume: expected '{Path.Combine(labels, Path.GetFileName(file))}' (.tif, .tiff, .nii or .nii.gz).");
            var image = VolumeIO.ReadNetworkInput(file, spacing);
            if (image.Depth == 1)
            {
                throw new InvalidDataException($"'{file}' has one slice ({image.Height}x{image.Width}): it is a 2D image, but a 3D network reads volumes of several slices. Stack the slices into one volume per file, or use a 2D network.");
            }

            var values = VolumeIO.ReadLabels(label, image.Spacing);
            if ((values.Depth, values.Height, values.Width) != (image.Depth, image.Height, image.Width))
            {
                throw new InvalidDataException(
                    $"Label volume '{label}' is {VolumeShape.Describe(values.Depth, values.Height, values.Width)} but its image '{file}' is {VolumeShape.Describe(image.Depth, image.Height, image.Width)}; a label volume must have its image's shape.");
            }

            samples.Add(new VolumeSample(name, image, ClassesOf(values, classes, label, unlabelled)));
        }

        return samples;
    }

    /// <summary>Maps label values to classes: 2 classes, non-zero is 1; more, each value is its class; the unlabelled value is <see cref="Losses.Unlabelled"/>.</summary>
    private static LabelVolume ClassesOf(LabelVolume values, int classes, string source, int? unlabelled)
    {
        var mapped = new int[values.Labels.Length];
        var slice = values.Height * values.Width;
        for (var i = 0; i < mapped.Length; i++)
        {
            var v = values.Labels[i];
            if (v == unlabelled)
            {
                mapped[i] = Losses.Unlabelled;
            }
            else if (classes == 2)
            {
                mapped[i] = v != 0 ? 1 : 0;
            }
            else if ((uint)v < (uint)classes)
            {
                mapped[i] = v;
            }
            else
            {
                throw new InvalidDataException(
                    $"Label volume '{source}' has the value {v} at voxel (z {i / slice}, y {i % slice / values.Width}, x {i % values.Width}); the network has {classes} classes, so labels must be class indices 0..{classes - 1}{(unlabelled is null ? string.Empty : $" or {unlabelled} (unlabelled)")}. Map the values of your labels to class indices first (docs/training.md).");
            }
        }

        return values with { Labels = mapped };
    }
}
