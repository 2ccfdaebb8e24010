using System;

namespace UNetDsl.Data;

/// <summary>
/// A data set made on the spot, so that a fresh clone trains without downloads: images of tightly packed cells
/// separated by thin dark membranes, like the electron-microscopy slices of the ISBI 2012 challenge. Cells are the
/// Voronoi regions of random seeds (so neighbours touch along shared membranes), some regions are left empty as
/// extracellular space, interiors carry smooth texture, and the whole is blurred and noised. Deterministic per seed.
/// </summary>
public static class SyntheticCells
{
    /// <summary>Makes one image with its instance labels.</summary>
    /// <param name="seed">Determines everything.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="meanCellDiameter">Typical cell size in pixels.</param>
    /// <param name="classes">
    /// 2: cells (1) against membranes and extracellular space (0). 3: cells of two kinds, bright and smooth (1) or dark
    /// and striped (2), against membranes and extracellular space (0); the cells' layout is the same as with 2.
    /// </param>
    public static SegmentationSample Generate(int seed, int width = 256, int height = 256, double meanCellDiameter = 36, int classes = 2)
    {
        if (classes is not (2 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "Synthetic cells come with 2 classes (cells, background) or 3 (two kinds of cells, background).");
        }

        if (width < 1 || height < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"{width}x{height}", "A synthetic image needs at least one pixel.");
        }

        var random = new Random(seed);
        var cells = Math.Max(4, (int)(width * height / (meanCellDiameter * meanCellDiameter)));
        var seedsX = new double[cells];
        var seedsY = new double[cells];
        var brightness = new double[cells];
        var empty = new bool[cells];
        for (var c = 0; c < cells; c++)
        {
            seedsX[c] = random.NextDouble() * width;
            seedsY[c] = random.NextDouble() * height;
            brightness[c] = 0.55 + (0.3 * random.NextDouble());
            empty[c] = random.NextDouble() < 0.08;
        }

        // The kind of each cell comes from a generator of its own, so that the two-class images stay as they were.
        var kinds = new Random(unchecked(seed * 7919) ^ 0x5eed);
        var kind = new int[cells];
        for (var c = 0; c < cells; c++)
        {
            kind[c] = classes == 3 && kinds.Next(2) == 1 ? 2 : 1;
            if (classes == 3)
            {
                // Two kinds a person tells apart at a glance: bright and smooth, or dark and striped.
                brightness[c] = kind[c] == 2 ? 0.40 + (0.06 * kinds.NextDouble()) : 0.66 + (0.18 * kinds.NextDouble());
            }
        }

        var membrane = 1.0 + random.NextDouble();
        var instances = new int[width * height];
        var classLabels = classes == 3 ? new int[width * height] : null;
        var pixels = new float[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                // Nearest and second-nearest seed: the membrane lies where the two are about equally near.
                double best = double.MaxValue, second = double.MaxValue;
                var nearest = 0;
                for (var c = 0; c < cells; c++)
                {
                    var dx = x + 0.5 - seedsX[c];
                    var dy = y + 0.5 - seedsY[c];
                    var d = (dx * dx) + (dy * dy);
                    if (d < best)
                    {
                        second = best;
                        best = d;
                        nearest = c;
                    }
                    else if (d < second)
                    {
                        second = d;
                    }
                }

                // Distance to the bisector between the two nearest seeds.
                var gap = (Math.Sqrt(second) - Math.Sqrt(best)) / 2;
                var index = (y * width) + x;
                var onMembrane = gap < membrane;
                instances[index] = onMembrane || empty[nearest] ? 0 : nearest + 1;
                if (classLabels is not null)
                {
                    classLabels[index] = instances[index] == 0 ? 0 : kind[nearest];
                }

                var texture = kind[nearest] == 2
                    ? 0.07 * Math.Sin(((x + y) * 0.9) + nearest)
                    : 0.05 * Math.Sin((x * 0.31) + (nearest * 1.7)) * Math.Cos((y * 0.27) - nearest);
                pixels[index] = (float)(onMembrane ? 0.12 : empty[nearest] ? (classes == 3 ? 0.22 : 0.35) : brightness[nearest] + texture);
            }
        }

        pixels = Blur(pixels, width, height);
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (float)Math.Clamp(pixels[i] + (0.06 * Gaussian(random)), 0, 1);
        }

        return new SegmentationSample("synthetic-" + seed, new GrayImage(pixels, width, height), instances, classLabels);
    }

    // A 3x3 box blur: membranes get the soft edges of real micrographs.
    private static float[] Blur(float[] pixels, int width, int height)
    {
        var result = new float[pixels.Length];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                float sum = 0;
                var count = 0;
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        var xx = x + dx;
                        var yy = y + dy;
                        if (xx >= 0 && yy >= 0 && xx < width && yy < height)
                        {
                            sum += pixels[(yy * width) + xx];
                            count++;
                        }
                    }
                }

                result[(y * width) + x] = sum / count;
            }
        }

        return result;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
