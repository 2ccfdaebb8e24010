using System;

namespace UNetDsl.Data;

/// <summary>A grayscale volume in memory: voxel values in row-major (z, y, x) order, its size and its voxel spacing.</summary>
/// <param name="Voxels">Voxel values; voxel (z, y, x) is at <c>((z * Height) + y) * Width + x</c>.</param>
/// <param name="Depth">Number of slices (z).</param>
/// <param name="Height">Rows per slice (y).</param>
/// <param name="Width">Columns per row (x).</param>
/// <param name="Spacing">Distance between voxel centres along (z, y, x), in the units of the file it came from.</param>
/// <remarks>
/// The constructor checks that the arrays fit the size and throws <see cref="ArgumentException"/> otherwise; a
/// <c>with</c> expression skips that check. Equality compares the arrays by reference, as for <see cref="GrayImage"/>.
/// </remarks>
public sealed record GrayVolume(float[] Voxels, int Depth, int Height, int Width, double[] Spacing)
{
    /// <summary>Voxel values; voxel (z, y, x) is at <c>((z * Height) + y) * Width + x</c>.</summary>
    public float[] Voxels { get; init; } = VolumeShape.Check(nameof(GrayVolume), Voxels, Voxels?.Length, Depth, Height, Width, Spacing);

    /// <summary>Slice <paramref name="z"/> as a 2D image (a copy).</summary>
    /// <param name="z">The slice, 0 to <see cref="Depth"/> - 1.</param>
    public GrayImage Slice(int z)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(z);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(z, Depth);
        return new GrayImage(Voxels.AsSpan(z * Height * Width, Height * Width).ToArray(), Width, Height);
    }

    /// <summary>
    /// This volume with its values mapped linearly from [min, max] to [0, 1], the range the 2D readers give; a constant
    /// volume becomes zeros, NaN stays NaN. NIfTI volumes are read in the file's own units (Hounsfield, counts, ...),
    /// so a caller that wants [0, 1] calls this, or a scaling of its own that suits the modality.
    /// </summary>
    public GrayVolume ScaledToUnitRange()
    {
        var (min, max) = (float.PositiveInfinity, float.NegativeInfinity);
        foreach (var v in Voxels)
        {
            if (v < min)
            {
                min = v;
            }

            if (v > max)
            {
                max = v;
            }
        }

        var range = max - min;
        var scaled = Array.ConvertAll(Voxels, v => range > 0 ? (v - min) / range : float.IsNaN(v) ? v : 0f);
        return new GrayVolume(scaled, Depth, Height, Width, (double[])Spacing.Clone());
    }
}

/// <summary>A label volume in memory: one integer class per voxel, in row-major (z, y, x) order, with its spacing.</summary>
/// <param name="Labels">Labels; voxel (z, y, x) is at <c>((z * Height) + y) * Width + x</c>.</param>
/// <param name="Depth">Number of slices (z).</param>
/// <param name="Height">Rows per slice (y).</param>
/// <param name="Width">Columns per row (x).</param>
/// <param name="Spacing">Distance between voxel centres along (z, y, x), in the units of the file it came from.</param>
/// <remarks>The constructor checks the shape as <see cref="GrayVolume"/>'s does; equality compares arrays by reference.</remarks>
public sealed record LabelVolume(int[] Labels, int Depth, int Height, int Width, double[] Spacing)
{
    /// <summary>Labels; voxel (z, y, x) is at <c>((z * Height) + y) * Width + x</c>.</summary>
    public int[] Labels { get; init; } = VolumeShape.Check(nameof(LabelVolume), Labels, Labels?.Length, Depth, Height, Width, Spacing);
}

/// <summary>The checks both volume records make on construction.</summary>
internal static class VolumeShape
{
    /// <summary>Spacing 1 along every axis: what a volume gets from a file that stores none.</summary>
    public static double[] Unit() => [1, 1, 1];

    public static T Check<T>(string type, T values, int? length, int depth, int height, int width, double[] spacing)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(values, type == nameof(GrayVolume) ? "Voxels" : "Labels");
        ArgumentNullException.ThrowIfNull(spacing, "Spacing");
        if (depth <= 0 || height <= 0 || width <= 0)
        {
            throw new ArgumentException($"A {type} of {Describe(depth, height, width)} is impossible: every size must be at least 1.");
        }

        var voxels = (long)depth * height * width;
        if (voxels != length)
        {
            throw new ArgumentException($"A {type} of {Describe(depth, height, width)} needs {voxels:N0} values; the array holds {length:N0}.");
        }

        if (spacing.Length != 3)
        {
            throw new ArgumentException($"A {type}'s spacing has 3 values, one per axis in (depth, height, width) order; {spacing.Length} were given.");
        }

        if (Array.Exists(spacing, s => !double.IsFinite(s) || s <= 0))
        {
            throw new ArgumentException($"A {type}'s spacing must be positive and finite along every axis; ({string.Join(", ", spacing)}) was given.");
        }

        return values;
    }

    public static string Describe(int depth, int height, int width) => $"{depth} x {height} x {width} (depth x height x width)";
}
