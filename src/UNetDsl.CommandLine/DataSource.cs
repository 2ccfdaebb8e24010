using System;
using System.Collections.Generic;
using UNetDsl.Data;

namespace UNetDsl.CommandLine;

/// <summary>
/// The data options of <c>train</c> and <c>evaluate</c>, read as images for a 2D network and as volumes for a 3D one,
/// so that both commands decide alike what a folder means.
/// </summary>
/// <param name="Folder">--data, or null for synthetic cells.</param>
/// <param name="Validation">--validation, or null for the default (6 images, 1 volume).</param>
/// <param name="Unlabelled">--unlabelled.</param>
/// <param name="Spacing">--spacing: one value or one per axis (depth, height, width).</param>
internal sealed record DataSource(string? Folder, int? Validation, int? Unlabelled, double[]? Spacing)
{
    /// <summary>Labelled images for a 2D network.</summary>
    public SegmentationData Images(UNetGeometry geometry, int seed)
    {
        if (Spacing is { Length: > 0 })
        {
            throw new UsageException($"--spacing describes volumes; {geometry.Name} is a 2D network. Leave it out, or train a 3D network.");
        }

        var validation = Validation ?? 6;
        return Folder is not null
            ? SegmentationData.FromFolder(Folder, validation, geometry.OutputChannels, Unlabelled)
            : SegmentationData.Synthetic(24, validation, seed, SyntheticClasses(geometry));
    }

    /// <summary>Labelled volumes for a 3D network.</summary>
    public VolumeData Volumes(UNetGeometry geometry, int seed)
    {
        var validation = Validation ?? 1;
        var spacing = SpacingPerAxis();
        return Folder is not null
            ? VolumeData.FromFolder(Folder, validation, geometry.OutputChannels, Unlabelled, spacing)
            : VolumeData.Synthetic(4, validation, seed, SyntheticClasses(geometry), spacing: spacing);
    }

    /// <summary>Every labelled image of <see cref="Folder"/>, for evaluating a 2D network.</summary>
    public IReadOnlyList<SegmentationSample> AllImages(UNetGeometry geometry) =>
        Spacing is null or { Length: 0 }
            ? FolderDataset.Load(Folder!, geometry.OutputChannels, Unlabelled)
            : throw new UsageException($"--spacing describes volumes; {geometry.Name} is a 2D network. Leave it out, or evaluate a 3D network.");

    /// <summary>Every labelled volume of <see cref="Folder"/>, for evaluating a 3D network.</summary>
    public IReadOnlyList<VolumeSample> AllVolumes(UNetGeometry geometry) =>
        VolumeData.Load(Folder!, geometry.OutputChannels, Unlabelled, SpacingPerAxis());

    private double[]? SpacingPerAxis() => PerAxis(Spacing);

    /// <summary>--spacing as (depth, height, width): one value for all axes or three; null or empty when not given.</summary>
    public static double[]? PerAxis(double[]? spacing) => spacing switch
    {
        null or { Length: 0 } => null,
        { Length: 1 } one => [one[0], one[0], one[0]],
        { Length: 3 } three => three,
        var other => throw new UsageException($"--spacing has {other.Length} values; give one for every axis or three (depth, height, width), e.g. 50,4,4."),
    };

    private static int SyntheticClasses(UNetGeometry geometry) =>
        geometry.OutputChannels is 2 or 3
            ? geometry.OutputChannels
            : throw new UsageException($"{geometry.Name} has {geometry.OutputChannels} classes; the synthetic cells come with 2 or 3. Give --data with labels 0..{geometry.OutputChannels - 1}.");
}
