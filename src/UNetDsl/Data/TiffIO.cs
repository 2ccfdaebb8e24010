using System;
using System.IO;
using BitMiracle.LibTiff.Classic;

namespace UNetDsl.Data;

/// <summary>
/// Grayscale TIFF with LibTiff.NET, for 16-bit files: ImageSharp 2.1's TIFF encoder writes gray images as 8-bit RGB.
/// Reads single-page images of 1, 8 or 16 bits per sample (uncompressed or any compression LibTiff reads) and writes
/// 8 or 16 bits. LibTiff's own messages never reach the console: its errors become the exception's message.
/// </summary>
internal static partial class TiffIO
{
    static TiffIO() => Tiff.SetErrorHandler(new CollectingHandler());

    [ThreadStatic]
    private static System.Collections.Generic.List<string>? t_errors;

    public static (ushort[] Values, int Width, int Height, int Bits) Read(string path)
    {
        t_errors = new();
        using var tiff = Tiff.Open(path, "r") ?? throw new InvalidDataException($"Cannot read image '{path}': not a TIFF file LibTiff can open{Errors()}.");
        var pages = tiff.NumberOfDirectories();
        if (pages > 1)
        {
            throw new InvalidDataException($"Image '{path}' is a stack of {pages} pages; a 2D network reads one image per file. Save each page as its own file.");
        }

        var width = tiff.GetField(TiffTag.IMAGEWIDTH)[0].ToInt();
        var height = tiff.GetField(TiffTag.IMAGELENGTH)[0].ToInt();
        var bits = tiff.GetField(TiffTag.BITSPERSAMPLE)?[0].ToInt() ?? 1;
        var samples = tiff.GetField(TiffTag.SAMPLESPERPIXEL)?[0].ToInt() ?? 1;
        var photometric = (Photometric?)tiff.GetField(TiffTag.PHOTOMETRIC)?[0].ToInt() ?? Photometric.MINISBLACK;
        if (samples != 1 || (bits != 1 && bits != 8 && bits != 16) || photometric is not (Photometric.MINISBLACK or Photometric.MINISWHITE))
        {
            throw new InvalidDataException($"Cannot read image '{path}': {samples} sample(s) of {bits} bits per pixel ({photometric}); UNetDsl reads 1-, 8- and 16-bit grayscale TIFF. Save it as 8- or 16-bit grayscale.");
        }

        var max = (1 << bits) - 1;
        var values = new ushort[width * height];
        var row = new byte[tiff.ScanlineSize()];
        for (var y = 0; y < height; y++)
        {
            if (!tiff.ReadScanline(row, y))
            {
                throw new InvalidDataException($"Cannot read image '{path}': row {y} of {height} is unreadable (a truncated or damaged file){Errors()}.");
            }

            for (var x = 0; x < width; x++)
            {
                int value = bits switch
                {
                    16 => BitConverter.ToUInt16(row, 2 * x),
                    8 => row[x],
                    _ => (row[x >> 3] >> (7 - (x & 7))) & 1,
                };
                values[(y * width) + x] = (ushort)(photometric == Photometric.MINISWHITE ? max - value : value);
            }
        }

        return (values, width, height, bits);
    }

    private static string Errors() => t_errors is { Count: > 0 } errors ? " (" + string.Join("; ", errors) + ")" : string.Empty;

    private sealed class CollectingHandler : TiffErrorHandler
    {
        public override void ErrorHandler(Tiff tif, string method, string format, params object[] args) =>
            (t_errors ??= new()).Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

        public override void ErrorHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args) =>
            ErrorHandler(tif, method, format, args);

        public override void WarningHandler(Tiff tif, string method, string format, params object[] args)
        {
        }

        public override void WarningHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
        {
        }
    }

    // One page is a stack of one: the writer of stacks writes it without page tags.
    public static void Write(string path, ushort[] values, int width, int height, int bits) =>
        WriteStack(path, values, 1, height, width, bits);
}
