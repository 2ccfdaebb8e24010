using System;
using System.Collections.Generic;
using System.IO;

namespace UNetDsl.Data;

/// <summary>
/// Reads and writes volumes by file name: NIfTI-1 (<c>.nii</c>, <c>.nii.gz</c>) and multi-page TIFF stacks
/// (<c>.tif</c>, <c>.tiff</c>, one page per slice), and stacks folders of 2D slices.
/// <para>
/// Values: TIFF stacks and slices read as the 2D <see cref="ImageIO"/> reads them, 8- and 16-bit values scaled to
/// [0, 1]. NIfTI images read in the file's own units after scl_slope/scl_inter, not normalised, since their data type
/// does not bound their range (CT is int16 from -1024 up); <see cref="GrayVolume.ScaledToUnitRange"/> maps them to
/// [0, 1]. Labels read as their integer values from either format.
/// </para>
/// <para>
/// Spacing is in (depth, height, width) order: for NIfTI pixdim[3], pixdim[2], pixdim[1] in the file's units. TIFF has
/// no standard field for it, so a stack gets 1, 1, 1 unless the caller passes one. Orientation is not read or kept.
/// </para>
/// </summary>
public static class VolumeIO
{
    /// <summary>Reads an image volume (.nii, .nii.gz, .tif, .tiff).</summary>
    /// <param name="path">The file.</param>
    /// <param name="spacing">
    /// Voxel spacing in (depth, height, width) order: replaces what a NIfTI file stores, and gives a TIFF stack the one
    /// it lacks; null keeps the file's (1, 1, 1 for TIFF).
    /// </param>
    /// <exception cref="InvalidDataException">The file is missing, of another format, damaged or of an unsupported kind; the message names the file, the problem and a fix.</exception>
    public static GrayVolume ReadImage(string path, double[]? spacing = null)
    {
        if (FormatOf(path, reading: true) == Format.Nifti)
        {
            return NiftiIO.ReadImage(path, spacing);
        }

        var (values, depth, height, width, bits) = TiffIO.ReadStack(path);
        var scale = (1 << bits) - 1f;
        return new GrayVolume(Array.ConvertAll(values, v => v / scale), depth, height, width, spacing ?? VolumeShape.Unit());
    }

    /// <summary>
    /// Reads an image volume as networks take it, the one rule of training, evaluation and prediction alike: a TIFF
    /// stack as <see cref="ReadImage"/> gives it (8/16-bit values scaled to [0, 1]), a NIfTI volume mapped from its own
    /// minimum and maximum to [0, 1] (<see cref="GrayVolume.ScaledToUnitRange"/>), since its units (Hounsfield, counts)
    /// say nothing of their range.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="spacing">As for <see cref="ReadImage"/>.</param>
    /// <exception cref="InvalidDataException">As for <see cref="ReadImage"/>.</exception>
    public static GrayVolume ReadNetworkInput(string path, double[]? spacing = null)
    {
        var volume = ReadImage(path, spacing);
        return FormatOf(path, reading: true) == Format.Nifti ? volume.ScaledToUnitRange() : volume;
    }

    /// <summary>True when the name is one of a volume (.nii, .nii.gz, .tif, .tiff).</summary>
    /// <param name="path">A file name or path.</param>
    public static bool IsVolumeName(string path) => VolumeName(path) is not null;

    /// <summary>The name of a volume file without its extension (.nii.gz counts as one), or null when it is not named as a volume.</summary>
    /// <param name="path">A file name or path.</param>
    public static string? VolumeName(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = Path.GetFileName(path);
        foreach (var extension in new[] { ".nii.gz", ".nii", ".tiff", ".tif" })
        {
            if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase) && name.Length > extension.Length)
            {
                return name[..^extension.Length];
            }
        }

        return null;
    }

    /// <summary>Reads a label volume (.nii, .nii.gz, .tif, .tiff) as integers.</summary>
    /// <param name="path">The file.</param>
    /// <param name="spacing">As for <see cref="ReadImage"/>.</param>
    /// <exception cref="InvalidDataException">As for <see cref="ReadImage"/>, and when a NIfTI file holds values that are not whole numbers.</exception>
    public static LabelVolume ReadLabels(string path, double[]? spacing = null)
    {
        if (FormatOf(path, reading: true) == Format.Nifti)
        {
            return NiftiIO.ReadLabels(path, spacing);
        }

        var (values, depth, height, width, _) = TiffIO.ReadStack(path);
        return new LabelVolume(Array.ConvertAll(values, v => (int)v), depth, height, width, spacing ?? VolumeShape.Unit());
    }

    /// <summary>
    /// Writes an image volume, atomically: NIfTI as float32 with its spacing (gzip-compressed when the name ends in
    /// .gz); TIFF as a stack of 8- or 16-bit pages of values in [0, 1], as <see cref="ImageIO.WriteGray16"/> writes a slice
    /// (TIFF keeps no spacing).
    /// </summary>
    /// <param name="path">The file (.nii, .nii.gz, .tif or .tiff).</param>
    /// <param name="volume">The volume.</param>
    /// <param name="tiffBits">Bits per pixel of a TIFF stack, 8 or 16; ignored for NIfTI.</param>
    /// <exception cref="ArgumentException">The name has another extension, a size exceeds what the format holds, or values for TIFF lie outside [0, 1].</exception>
    public static void WriteImage(string path, GrayVolume volume, int tiffBits = 16)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (FormatOf(path, reading: false) == Format.Nifti)
        {
            CheckNiftiSize(path, volume.Depth, volume.Height, volume.Width);
            NiftiIO.WriteImage(path, volume);
            return;
        }

        if (tiffBits is not (8 or 16))
        {
            throw new ArgumentException($"A TIFF stack is written with 8 or 16 bits per pixel; {tiffBits} was asked for.", nameof(tiffBits));
        }

        var index = Array.FindIndex(volume.Voxels, v => !(v >= 0 && v <= 1));
        if (index >= 0)
        {
            throw new ArgumentException(
                $"Cannot write '{path}': voxel {index:N0} is {volume.Voxels[index]}, outside [0, 1], the range a TIFF stack stores as 0..{(1 << tiffBits) - 1}. "
                + "Scale the volume first (GrayVolume.ScaledToUnitRange), or write .nii.gz, which keeps any float.", nameof(volume));
        }

        var max = (1 << tiffBits) - 1;
        WriteTiff(path, Array.ConvertAll(volume.Voxels, v => (ushort)MathF.Round(v * max)), volume.Depth, volume.Height, volume.Width, tiffBits);
    }

    /// <summary>
    /// Writes a label volume, atomically: NIfTI as uint8, int16 or int32 (the smallest that holds the labels) with its
    /// spacing; TIFF as 8-bit pages when every label is in 0..255, else 16-bit (TIFF keeps no spacing).
    /// </summary>
    /// <param name="path">The file (.nii, .nii.gz, .tif or .tiff).</param>
    /// <param name="volume">The labels.</param>
    /// <exception cref="ArgumentException">The name has another extension, a size exceeds what the format holds, or labels for TIFF lie outside 0..65535.</exception>
    public static void WriteLabels(string path, LabelVolume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (FormatOf(path, reading: false) == Format.Nifti)
        {
            CheckNiftiSize(path, volume.Depth, volume.Height, volume.Width);
            NiftiIO.WriteLabels(path, volume);
            return;
        }

        var index = Array.FindIndex(volume.Labels, v => v is < 0 or > ushort.MaxValue);
        if (index >= 0)
        {
            throw new ArgumentException(
                $"Cannot write '{path}': label {volume.Labels[index]} (voxel {index:N0}) is outside 0..65535, the range a TIFF stack holds. Write .nii.gz, which holds any int32.",
                nameof(volume));
        }

        var bits = Array.TrueForAll(volume.Labels, v => v <= byte.MaxValue) ? 8 : 16;
        WriteTiff(path, Array.ConvertAll(volume.Labels, v => (ushort)v), volume.Depth, volume.Height, volume.Width, bits);
    }

    /// <summary>
    /// Stacks 2D images (any format <see cref="ImageIO.ReadGray"/> reads, values in [0, 1]) into a volume, one slice
    /// per file in the order given.
    /// </summary>
    /// <param name="files">The slices, first slice first (sort them: a folder listing has no order).</param>
    /// <param name="spacing">Voxel spacing in (depth, height, width) order; null for 1, 1, 1.</param>
    /// <exception cref="ArgumentException">No files were given.</exception>
    /// <exception cref="InvalidDataException">A file is unreadable, or its size differs from the first's; the message names it.</exception>
    public static GrayVolume FromSlices(IEnumerable<string> files, double[]? spacing = null)
    {
        var (voxels, depth, height, width) = Stack(files, file =>
        {
            var image = ImageIO.ReadGray(file);
            return (image.Pixels, image.Width, image.Height);
        });
        return new GrayVolume(voxels, depth, height, width, spacing ?? VolumeShape.Unit());
    }

    /// <summary>Stacks 2D label images (as <see cref="ImageIO.ReadLabels"/> reads them) into a label volume, one slice per file in the order given.</summary>
    /// <param name="files">The slices, first slice first.</param>
    /// <param name="spacing">Voxel spacing in (depth, height, width) order; null for 1, 1, 1.</param>
    /// <exception cref="ArgumentException">No files were given.</exception>
    /// <exception cref="InvalidDataException">A file is unreadable, or its size differs from the first's; the message names it.</exception>
    public static LabelVolume LabelsFromSlices(IEnumerable<string> files, double[]? spacing = null)
    {
        var (labels, depth, height, width) = Stack(files, ImageIO.ReadLabels);
        return new LabelVolume(labels, depth, height, width, spacing ?? VolumeShape.Unit());
    }

    private enum Format
    {
        Nifti,
        Tiff,
    }

    private static Format FormatOf(string path, bool reading)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var name = Path.GetFileName(path).ToLowerInvariant();
        Format? format = name.EndsWith(".nii", StringComparison.Ordinal) || name.EndsWith(".nii.gz", StringComparison.Ordinal) ? Format.Nifti
            : name.EndsWith(".tif", StringComparison.Ordinal) || name.EndsWith(".tiff", StringComparison.Ordinal) ? Format.Tiff
            : null;
        if (format is null)
        {
            var problem = $"'{Path.GetFileName(path)}' is not named as a volume: UNetDsl reads and writes .nii, .nii.gz, .tif and .tiff.";
            if (!reading)
            {
                throw new ArgumentException($"Cannot write volume '{path}': {problem}", nameof(path));
            }

            throw new InvalidDataException($"Cannot read volume '{path}': {problem} For a folder of 2D slices use VolumeIO.FromSlices.");
        }

        if (reading && Directory.Exists(path))
        {
            throw new InvalidDataException($"Cannot read volume '{path}': it is a folder. For a folder of 2D slices use VolumeIO.FromSlices.");
        }

        if (reading && !File.Exists(path))
        {
            throw new InvalidDataException($"Cannot read volume '{path}': the file does not exist.");
        }

        return format.Value;
    }

    // NIfTI-1 keeps each size in a 16-bit field.
    private static void CheckNiftiSize(string path, int depth, int height, int width)
    {
        if (Math.Max(depth, Math.Max(height, width)) > short.MaxValue)
        {
            throw new ArgumentException(
                $"Cannot write '{path}': NIfTI-1 holds at most {short.MaxValue:N0} voxels along an axis; the volume is {VolumeShape.Describe(depth, height, width)}. Crop or split it.",
                nameof(path));
        }
    }

    // Written next to the target and renamed over it, so that a reader never sees half a file.
    private static void WriteTiff(string path, ushort[] values, int depth, int height, int width, int bits)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, "." + Path.GetFileName(full) + ".tmp");
        TiffIO.WriteStack(temporary, values, depth, height, width, bits);
        File.Move(temporary, full, overwrite: true);
    }

    private static (T[] Values, int Depth, int Height, int Width) Stack<T>(IEnumerable<string> files, Func<string, (T[] Values, int Width, int Height)> read)
    {
        ArgumentNullException.ThrowIfNull(files);
        var slices = new List<T[]>();
        string? first = null;
        var (width, height) = (0, 0);
        foreach (var file in files)
        {
            var (values, w, h) = read(file);
            if (first is null)
            {
                (first, width, height) = (file, w, h);
            }
            else if ((w, h) != (width, height))
            {
                throw new InvalidDataException(
                    $"Cannot stack '{file}' as slice {slices.Count + 1}: it is {w}x{h} pixels; the first slice, '{first}', is {width}x{height}. Every slice of a volume must have the same size.");
            }

            slices.Add(values);
        }

        if (first is null)
        {
            throw new ArgumentException("A volume needs at least one slice; no files were given.", nameof(files));
        }

        var size = width * height;
        var stacked = new T[(long)size * slices.Count];
        for (var z = 0; z < slices.Count; z++)
        {
            Array.Copy(slices[z], 0, stacked, (long)z * size, size);
        }

        return (stacked, slices.Count, height, width);
    }
}
