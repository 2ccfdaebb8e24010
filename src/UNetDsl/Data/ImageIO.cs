using System;
using System.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace UNetDsl.Data;

/// <summary>A grayscale image in memory: row-major values and its size.</summary>
/// <param name="Pixels">Row-major pixel values.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public sealed record GrayImage(float[] Pixels, int Width, int Height);

/// <summary>
/// Reads and writes 8- and 16-bit grayscale PNG (ImageSharp) and TIFF (LibTiff.NET), reads whatever else ImageSharp
/// reads, and writes colour PNGs for overlays. Read values are scaled to [0, 1]; label images keep their integer values.
/// </summary>
public static class ImageIO
{
    /// <summary>Reads an image as grayscale in [0, 1] (16-bit images keep their precision).</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="InvalidDataException">The file is missing or not an image ImageSharp can read; the message names it.</exception>
    public static GrayImage ReadGray(string path)
    {
        CheckReadable(path);
        if (IsTiff(path))
        {
            var (values, width, height, bits) = TiffIO.Read(path);
            var scale = (1 << bits) - 1f;
            return new GrayImage(Array.ConvertAll(values, v => v / scale), width, height);
        }

        using var image = Load(path);
        var pixels = new float[image.Width * image.Height];
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                pixels[(y * image.Width) + x] = image[x, y].PackedValue / 65535f;
            }
        }

        return new GrayImage(pixels, image.Width, image.Height);
    }

    /// <summary>Reads a label image as integers (the gray value, 0..255 for 8-bit files, 0..65535 for 16-bit ones).</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="InvalidDataException">The file is missing or not an image ImageSharp can read.</exception>
    public static (int[] Labels, int Width, int Height) ReadLabels(string path)
    {
        CheckReadable(path);
        if (IsTiff(path))
        {
            var (values, width, height, _) = TiffIO.Read(path);
            return (Array.ConvertAll(values, v => (int)v), width, height);
        }

        using var image = Load(path);
        var info = Image.Identify(path);
        var sixteenBit = info.PixelType.BitsPerPixel >= 16 && info.PixelType.BitsPerPixel < 24;
        var labels = new int[image.Width * image.Height];
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var value = image[x, y].PackedValue;
                labels[(y * image.Width) + x] = sixteenBit ? value : value / 257;
            }
        }

        return (labels, image.Width, image.Height);
    }

    /// <summary>Writes values in [0, 1] as an 8-bit grayscale PNG or TIFF (by extension), atomically.</summary>
    /// <param name="path">The file (.png, .tif or .tiff).</param>
    /// <param name="image">The image.</param>
    public static void WriteGray8(string path, GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (IsTiff(path))
        {
            WriteTiff(path, image, 8);
            return;
        }

        SavePng(path, image, v => new L8((byte)Math.Clamp(MathF.Round(v * 255f), 0, 255)));
    }

    /// <summary>Writes values in [0, 1] as a 16-bit grayscale PNG or TIFF (by extension), atomically.</summary>
    /// <param name="path">The file (.png, .tif or .tiff).</param>
    /// <param name="image">The image.</param>
    public static void WriteGray16(string path, GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (IsTiff(path))
        {
            WriteTiff(path, image, 16);
            return;
        }

        SavePng(path, image, v => new L16((ushort)Math.Clamp(MathF.Round(v * 65535f), 0, 65535)));
    }

    /// <summary>Writes an RGB image (row-major, 3 bytes per pixel) as PNG, atomically.</summary>
    /// <param name="path">The file.</param>
    /// <param name="rgb">Red, green, blue of each pixel.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public static void WriteRgb(string path, byte[] rgb, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        using var output = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = 3 * ((y * width) + x);
                output[x, y] = new Rgb24(rgb[i], rgb[i + 1], rgb[i + 2]);
            }
        }

        Save(output, path);
    }

    private static void SavePng<TPixel>(string path, GrayImage image, Func<float, TPixel> pixel)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using var output = new Image<TPixel>(image.Width, image.Height);
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                output[x, y] = pixel(image.Pixels[(y * image.Width) + x]);
            }
        }

        Save(output, path);
    }

    private static bool IsTiff(string path) => Path.GetExtension(path).ToLowerInvariant() is ".tif" or ".tiff";

    private static void WriteTiff(string path, GrayImage image, int bits)
    {
        var max = bits == 16 ? 65535f : 255f;
        var values = Array.ConvertAll(image.Pixels, p => (ushort)Math.Clamp(MathF.Round(p * max), 0, max));
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, "." + Path.GetFileName(path) + ".tmp");
        TiffIO.Write(temporary, values, image.Width, image.Height, bits);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Called once per process with a sentence about input that is read differently from how it is stored (colour
    /// images read as gray), so an app can show it; null to stay silent.
    /// </summary>
    public static Action<string>? Notice { get; set; }

    private static int s_colourNoticeGiven;

    /// <summary>Test hook: the next colour image is noticed again.</summary>
    internal static void ResetNotices() => s_colourNoticeGiven = 0;

    // The problems ImageSharp would report in ten lines, or not at all: a missing, empty or truncated file.
    private static void CheckReadable(string path)
    {
        if (Directory.Exists(path))
        {
            throw new InvalidDataException($"Cannot read image '{path}': it is a folder.");
        }

        if (!File.Exists(path))
        {
            throw new InvalidDataException($"Cannot read image '{path}': the file does not exist.");
        }

        var length = new FileInfo(path).Length;
        if (length == 0)
        {
            throw new InvalidDataException($"Cannot read image '{path}': the file is empty (0 bytes).");
        }

        if (Path.GetExtension(path).Equals(".png", StringComparison.OrdinalIgnoreCase))
        {
            CheckPngComplete(path);
        }
    }

    // A PNG is a signature and a chain of chunks (length, type, data, CRC) that ends with IEND. ImageSharp decodes a
    // file cut short without complaint and fills the missing rows with black, so the chain is walked first.
    private static void CheckPngComplete(string path)
    {
        using var file = File.OpenRead(path);
        var header = new byte[8];
        if (file.Read(header, 0, 8) < 8 || header[0] != 0x89 || header[1] != (byte)'P' || header[2] != (byte)'N' || header[3] != (byte)'G')
        {
            throw new InvalidDataException($"Cannot read image '{path}': it is not a PNG file (its first bytes are not the PNG signature).");
        }

        var chunk = new byte[8];
        while (true)
        {
            if (file.Read(chunk, 0, 8) < 8)
            {
                throw new InvalidDataException($"Cannot read image '{path}': the PNG is truncated ({file.Length:N0} bytes end before its IEND chunk).");
            }

            var length = ((long)chunk[0] << 24) | ((long)chunk[1] << 16) | ((long)chunk[2] << 8) | chunk[3];
            if (chunk[4] == 'I' && chunk[5] == 'E' && chunk[6] == 'N' && chunk[7] == 'D')
            {
                return;
            }

            if (file.Position + length + 4 > file.Length)
            {
                throw new InvalidDataException($"Cannot read image '{path}': the PNG is truncated ({file.Length:N0} bytes end inside a chunk).");
            }

            file.Seek(length + 4, SeekOrigin.Current);
        }
    }

    private static Image<L16> Load(string path)
    {
        CheckReadable(path);
        try
        {
            var info = Image.Identify(path);
            if (info is not null && info.Metadata.GetPngMetadata().ColorType is SixLabors.ImageSharp.Formats.Png.PngColorType.Rgb or SixLabors.ImageSharp.Formats.Png.PngColorType.RgbWithAlpha or SixLabors.ImageSharp.Formats.Png.PngColorType.Palette
                && System.Threading.Interlocked.Exchange(ref s_colourNoticeGiven, 1) == 0)
            {
                Notice?.Invoke($"'{path}' is a colour image; colour images are read as gray (luminance). (Said once.)");
            }

            return Image.Load<L16>(path);
        }
        catch (Exception exception) when (exception is UnknownImageFormatException or InvalidImageContentException or NotSupportedException)
        {
            throw new InvalidDataException($"Cannot read image '{path}': {exception.Message}", exception);
        }
    }

    // Written next to the target and renamed over it, so that a reader never sees half a file.
    private static void Save<TPixel>(Image<TPixel> image, string path)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, "." + Path.GetFileName(path) + ".tmp");
        using (var stream = File.Create(temporary))
        {
            image.SaveAsPng(stream);

        }

        File.Move(temporary, path, overwrite: true);
    }
}
