using System;
using System.IO;
using System.Linq;

namespace UNetDsl.Data;

/// <summary>The PNGs a person looks at after training and prediction: masks, overlays, weight maps.</summary>
public static class SegmentationPictures
{
    // One colour per class: background red (the paper's membranes), then green, blue, yellow, magenta, cyan, ...
    private static readonly byte[][] s_palette =
    {
        new byte[] { 230, 40, 40 }, new byte[] { 40, 200, 60 }, new byte[] { 50, 100, 240 }, new byte[] { 240, 210, 40 },
        new byte[] { 210, 60, 210 }, new byte[] { 40, 210, 210 }, new byte[] { 240, 140, 30 }, new byte[] { 140, 90, 240 },
    };

    /// <summary>The overlay colour of class <paramref name="c"/> (red, green, blue, yellow, magenta, cyan, orange, violet, then again).</summary>
    /// <param name="c">A class index.</param>
    public static (byte R, byte G, byte B) ClassColour(int c)
    {
        var colour = s_palette[((c % s_palette.Length) + s_palette.Length) % s_palette.Length];
        return (colour[0], colour[1], colour[2]);
    }

    /// <summary>
    /// Writes <c>NAME-prediction.png</c> (class c as gray c / (classes - 1): white cells for two classes) and
    /// <c>NAME-overlay.png</c> (the image in gray, each pixel tinted with its class's colour; with two classes the cells
    /// stay gray and the background is red, as in the paper's figures).
    /// </summary>
    /// <param name="folder">The folder.</param>
    /// <param name="name">The output name.</param>
    /// <param name="image">The image.</param>
    /// <param name="classes">The predicted class of every pixel.</param>
    /// <param name="classCount">The network's classes.</param>
    public static void Prediction(string folder, string name, GrayImage image, int[] classes, int classCount)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(classes);
        var scale = 1f / Math.Max(1, classCount - 1);
        ImageIO.WriteGray8(Path.Combine(folder, name + "-prediction.png"), new GrayImage(classes.Select(c => c * scale).ToArray(), image.Width, image.Height));
        var rgb = new byte[image.Pixels.Length * 3];
        for (var i = 0; i < image.Pixels.Length; i++)
        {
            var gray = Math.Clamp(image.Pixels[i] * 255, 0, 255);
            var c = classes[i];
            if (classCount == 2 && c == 1)
            {
                rgb[3 * i] = rgb[(3 * i) + 1] = rgb[(3 * i) + 2] = (byte)gray;
                continue;
            }

            var (r, g, b) = ClassColour(c);
            rgb[3 * i] = (byte)((0.45 * gray) + (0.55 * r));
            rgb[(3 * i) + 1] = (byte)((0.45 * gray) + (0.55 * g));
            rgb[(3 * i) + 2] = (byte)((0.45 * gray) + (0.55 * b));
        }

        ImageIO.WriteRgb(Path.Combine(folder, name + "-overlay.png"), rgb, image.Width, image.Height);
    }

    /// <summary>Writes values scaled to [0, 1] by their maximum as an 8-bit gray PNG (weight maps).</summary>
    /// <param name="path">The file.</param>
    /// <param name="values">Row-major values, 0 or more.</param>
    /// <param name="width">Width.</param>
    /// <param name="height">Height.</param>
    public static void Scaled(string path, float[] values, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(values);
        var max = Math.Max(1e-6f, values.Length == 0 ? 0 : values.Max());
        ImageIO.WriteGray8(path, new GrayImage(values.Select(v => v / max).ToArray(), width, height));
    }
}
