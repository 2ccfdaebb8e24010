using System;
using System.IO;

namespace UNetDsl.Data;

/// <summary>
/// A volume as a person looks at it: three orthogonal slices through its centre (axial z, coronal y, sagittal x) side
/// by side, each class tinted in its overlay colour; slices across thick voxels are stretched to their true aspect.
/// </summary>
public static class VolumePictures
{
    /// <summary>Writes the axial, coronal and sagittal centre slices of <paramref name="image"/>, tinted by <paramref name="classes"/> when given.</summary>
    /// <param name="path">The PNG to write.</param>
    /// <param name="image">The volume, values in [0, 1] (others are clipped).</param>
    /// <param name="classes">The class of every voxel (negative values, unlabelled voxels, stay untinted), or null for the image alone.</param>
    /// <param name="classCount">The network's classes.</param>
    public static void OrthogonalSlices(string path, GrayVolume image, LabelVolume? classes, int classCount)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (classes is not null && (classes.Depth, classes.Height, classes.Width) != (image.Depth, image.Height, image.Width))
        {
            throw new ArgumentException($"Labels {classes.Depth}x{classes.Height}x{classes.Width} and image {image.Depth}x{image.Height}x{image.Width} differ in size.", nameof(classes));
        }

        // Rows of the coronal and sagittal views step along z: repeat them by the voxels' aspect (at most 16 times).
        var stretch = (int)Math.Clamp(Math.Round(image.Spacing[0] / Math.Max(1e-9, image.Spacing[1])), 1, 16);
        var (d, h, w) = (image.Depth, image.Height, image.Width);
        var panels = new (int Width, int Height, Func<int, int, int> Voxel)[]
        {
            (w, h, (x, y) => (((d / 2) * h) + y) * w + x),
            (w, d * stretch, (x, y) => (((y / stretch) * h) + (h / 2)) * w + x),
            (h, d * stretch, (x, y) => (((y / stretch) * h) + x) * w + (w / 2)),
        };
        const int gap = 4;
        var width = panels[0].Width + panels[1].Width + panels[2].Width + (2 * gap);
        var height = Math.Max(panels[0].Height, Math.Max(panels[1].Height, panels[2].Height));
        var rgb = new byte[width * height * 3];
        Array.Fill(rgb, (byte)255);
        var left = 0;
        foreach (var (panelWidth, panelHeight, voxel) in panels)
        {
            for (var y = 0; y < panelHeight; y++)
            {
                for (var x = 0; x < panelWidth; x++)
                {
                    var v = voxel(x, y);
                    var gray = Math.Clamp(image.Voxels[v] * 255, 0, 255);
                    var (r, g, b) = ((byte)gray, (byte)gray, (byte)gray);
                    if (classes is not null && classes.Labels[v] >= 0 && !(classCount == 2 && classes.Labels[v] == 1))
                    {
                        var (cr, cg, cb) = SegmentationPictures.ClassColour(classes.Labels[v]);
                        (r, g, b) = ((byte)((0.45 * gray) + (0.55 * cr)), (byte)((0.45 * gray) + (0.55 * cg)), (byte)((0.45 * gray) + (0.55 * cb)));
                    }

                    var i = 3 * ((y * width) + left + x);
                    (rgb[i], rgb[i + 1], rgb[i + 2]) = (r, g, b);
                }
            }

            left += panelWidth + gap;
        }

        ImageIO.WriteRgb(path, rgb, width, height);
    }
}
