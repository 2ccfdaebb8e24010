using System;
using System.IO;
using BitMiracle.LibTiff.Classic;

namespace UNetDsl.Data;

/// <summary>
/// Grayscale TIFF with LibTiff.NET, for 16-bit files: ImageSharp 2.1's TIFF encoder writes gray images as 8-bit RGB.
/// Reads and writes the first page, 8 or 16 bits per sample, uncompressed or any compression LibTiff reads.
/// </summary>
internal static class TiffIO
{
    public static (ushort[] Values, int Width, int Height, int Bits) Read(string path)
    {
        using var tiff = Tiff.Open(path, "r") ?? throw new InvalidDataException($"Cannot read image '{path}': not a TIFF file LibTiff can open.");
        var width = tiff.GetField(TiffTag.IMAGEWIDTH)[0].ToInt();
        var height = tiff.GetField(TiffTag.IMAGELENGTH)[0].ToInt();
        var bits = tiff.GetField(TiffTag.BITSPERSAMPLE)?[0].ToInt() ?? 8;
        var samples = tiff.GetField(TiffTag.SAMPLESPERPIXEL)?[0].ToInt() ?? 1;
        if (samples != 1 || (bits != 8 && bits != 16))
        {
            throw new InvalidDataException($"Cannot read image '{path}': {samples} sample(s) of {bits} bits per pixel; UNetDsl reads 8- and 16-bit grayscale TIFF.");
        }

        var values = new ushort[width * height];
        var row = new byte[tiff.ScanlineSize()];
        for (var y = 0; y < height; y++)
        {
            if (!tiff.ReadScanline(row, y))
            {
                throw new InvalidDataException($"Cannot read image '{path}': row {y} is unreadable.");
            }

            for (var x = 0; x < width; x++)
            {
                values[(y * width) + x] = bits == 16 ? BitConverter.ToUInt16(row, 2 * x) : row[x];
            }
        }

        return (values, width, height, bits);
    }

    public static void Write(string path, ushort[] values, int width, int height, int bits)
    {
        using (var tiff = Tiff.Open(path, "w") ?? throw new IOException($"Cannot write '{path}'."))
        {
            tiff.SetField(TiffTag.IMAGEWIDTH, width);
            tiff.SetField(TiffTag.IMAGELENGTH, height);
            tiff.SetField(TiffTag.SAMPLESPERPIXEL, 1);
            tiff.SetField(TiffTag.BITSPERSAMPLE, bits);
            tiff.SetField(TiffTag.ROWSPERSTRIP, height);
            tiff.SetField(TiffTag.PHOTOMETRIC, Photometric.MINISBLACK);
            tiff.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
            tiff.SetField(TiffTag.COMPRESSION, Compression.NONE);
            var row = new byte[width * (bits / 8)];
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var value = values[(y * width) + x];
                    if (bits == 16)
                    {
                        row[2 * x] = (byte)(value & 0xFF);
                        row[(2 * x) + 1] = (byte)(value >> 8);
                    }
                    else
                    {
                        row[x] = (byte)value;
                    }
                }

                tiff.WriteScanline(row, y);
            }
        }
    }
}
