using System;
using System.IO;
using BitMiracle.LibTiff.Classic;

namespace UNetDsl.Data;

/// <summary>
/// Multi-page TIFF stacks, one page per slice, as microscopy and the ISBI 2012 challenge ship volumes. Part of
/// <see cref="TiffIO"/> to share its LibTiff error handler (LibTiff has one per process). Every page must be grayscale
/// of the same size and bit depth (1, 8 or 16 bits, as the single-page reader); writes 8 or 16 bits.
/// </summary>
internal static partial class TiffIO
{
    public static (ushort[] Values, int Depth, int Height, int Width, int Bits) ReadStack(string path)
    {
        t_errors = new();
        using var tiff = Tiff.Open(path, "r") ?? throw new InvalidDataException($"Cannot read stack '{path}': not a TIFF file LibTiff can open{Errors()}.");
        var pages = tiff.NumberOfDirectories();
        if (pages > short.MaxValue)
        {
            throw new InvalidDataException($"Cannot read stack '{path}': it has {pages:N0} pages; LibTiff.NET reads at most {short.MaxValue:N0}. Split the stack.");
        }

        var first = Page.Of(tiff);
        first.Check(path, 1, pages);
        var size = first.Width * first.Height;
        if ((long)size * pages > Array.MaxLength)
        {
            throw new InvalidDataException($"Cannot read stack '{path}': {VolumeShape.Describe(pages, first.Height, first.Width)} pixels exceed the {Array.MaxLength:N0} one array holds. Crop or split the stack.");
        }

        var values = new ushort[size * pages];
        for (var p = 0; p < pages; p++)
        {
            if (!tiff.SetDirectory((short)p))
            {
                throw new InvalidDataException($"Cannot read stack '{path}': page {p + 1} of {pages} is unreadable (a truncated or damaged file){Errors()}.");
            }

            var page = Page.Of(tiff);
            page.Check(path, p + 1, pages);
            if ((page.Width, page.Height) != (first.Width, first.Height))
            {
                throw new InvalidDataException(
                    $"Cannot read stack '{path}': page {p + 1} of {pages} is {page.Width}x{page.Height} pixels; the first page is {first.Width}x{first.Height}. "
                    + "Every page of a volume must have the same size; crop or pad the pages to one size.");
            }

            if (page.Bits != first.Bits)
            {
                throw new InvalidDataException(
                    $"Cannot read stack '{path}': page {p + 1} of {pages} has {page.Bits} bits per pixel; the first page has {first.Bits}. "
                    + "Every page of a volume must have the same bit depth; save the stack again with one depth.");
            }

            ReadPage(tiff, page, path, p + 1, pages, values.AsSpan(p * size, size));
        }

        return (values, pages, first.Height, first.Width, first.Bits);
    }

    public static void WriteStack(string path, ushort[] values, int depth, int height, int width, int bits)
    {
        using var tiff = Tiff.Open(path, "w") ?? throw new IOException($"Cannot write '{path}'.");
        var row = new byte[width * (bits / 8)];
        for (var p = 0; p < depth; p++)
        {
            if (depth > 1)
            {
                tiff.SetField(TiffTag.SUBFILETYPE, FileType.PAGE);
                tiff.SetField(TiffTag.PAGENUMBER, p, depth);
            }

            tiff.SetField(TiffTag.IMAGEWIDTH, width);
            tiff.SetField(TiffTag.IMAGELENGTH, height);
            tiff.SetField(TiffTag.SAMPLESPERPIXEL, 1);
            tiff.SetField(TiffTag.BITSPERSAMPLE, bits);
            tiff.SetField(TiffTag.ROWSPERSTRIP, height);
            tiff.SetField(TiffTag.PHOTOMETRIC, Photometric.MINISBLACK);
            tiff.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
            tiff.SetField(TiffTag.COMPRESSION, Compression.NONE);
            for (var y = 0; y < height; y++)
            {
                var offset = ((p * height) + y) * width;
                for (var x = 0; x < width; x++)
                {
                    var value = values[offset + x];
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

            tiff.WriteDirectory();
        }
    }

    private static void ReadPage(Tiff tiff, Page page, string path, int number, int pages, Span<ushort> values)
    {
        var max = (1 << page.Bits) - 1;
        var row = new byte[tiff.ScanlineSize()];
        for (var y = 0; y < page.Height; y++)
        {
            if (!tiff.ReadScanline(row, y))
            {
                throw new InvalidDataException($"Cannot read stack '{path}': row {y} of page {number} of {pages} is unreadable (a truncated or damaged file){Errors()}.");
            }

            for (var x = 0; x < page.Width; x++)
            {
                int value = page.Bits switch
                {
                    16 => BitConverter.ToUInt16(row, 2 * x),
                    8 => row[x],
                    _ => (row[x >> 3] >> (7 - (x & 7))) & 1,
                };
                values[(y * page.Width) + x] = (ushort)(page.Photometric == Photometric.MINISWHITE ? max - value : value);
            }
        }
    }

    /// <summary>What the stack reader needs of one page (a TIFF directory).</summary>
    private sealed record Page(int Width, int Height, int Bits, int Samples, Photometric Photometric, SampleFormat Format, bool Tiled)
    {
        public static Page Of(Tiff tiff) => new(
            tiff.GetField(TiffTag.IMAGEWIDTH)[0].ToInt(),
            tiff.GetField(TiffTag.IMAGELENGTH)[0].ToInt(),
            tiff.GetField(TiffTag.BITSPERSAMPLE)?[0].ToInt() ?? 1,
            tiff.GetField(TiffTag.SAMPLESPERPIXEL)?[0].ToInt() ?? 1,
            (Photometric?)tiff.GetField(TiffTag.PHOTOMETRIC)?[0].ToInt() ?? Photometric.MINISBLACK,
            (SampleFormat?)tiff.GetField(TiffTag.SAMPLEFORMAT)?[0].ToInt() ?? SampleFormat.UINT,
            tiff.IsTiled());

        public void Check(string path, int number, int pages)
        {
            if (Samples != 1 || Bits is not (1 or 8 or 16) || Format != SampleFormat.UINT || Photometric is not (Photometric.MINISBLACK or Photometric.MINISWHITE))
            {
                throw new InvalidDataException(
                    $"Cannot read stack '{path}': page {number} of {pages} has {Samples} sample(s) of {Bits} bits per pixel ({Photometric}, {Format}); "
                    + "UNetDsl reads stacks of unsigned 1-, 8- and 16-bit grayscale. Save it as 8- or 16-bit grayscale, or as NIfTI (.nii.gz) for other types.");
            }

            if (Tiled)
            {
                throw new InvalidDataException($"Cannot read stack '{path}': page {number} of {pages} is stored in tiles; UNetDsl reads TIFF stored in strips. Save it again without tiles.");
            }
        }
    }
}
