using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BitMiracle.LibTiff.Classic;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using UNetDsl.Data;
using Xunit;

namespace UNetDsl.Tests.Training;

/// <summary>Image files that are not what they seem: each is read right or refused with a message naming the file.</summary>
public sealed class ImageInputTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("unetdsl-images-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static GrayImage Ramp(int width, int height) =>
        new(Enumerable.Range(0, width * height).Select(i => (i % 251) / 250f).ToArray(), width, height);

    private static void WriteTiff(string path, int width, int height, int bits, int pages, Photometric photometric = Photometric.MINISBLACK)
    {
        using var tiff = Tiff.Open(path, "w");
        for (var page = 0; page < pages; page++)
        {
            tiff.SetField(TiffTag.IMAGEWIDTH, width);
            tiff.SetField(TiffTag.IMAGELENGTH, height);
            tiff.SetField(TiffTag.SAMPLESPERPIXEL, 1);
            tiff.SetField(TiffTag.BITSPERSAMPLE, bits);
            tiff.SetField(TiffTag.ROWSPERSTRIP, height);
            tiff.SetField(TiffTag.PHOTOMETRIC, photometric);
            tiff.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
            if (pages > 1)
            {
                tiff.SetField(TiffTag.SUBFILETYPE, FileType.PAGE);
                tiff.SetField(TiffTag.PAGENUMBER, page, pages);
            }

            var row = new byte[((width * bits) + 7) / 8];
            for (var y = 0; y < height; y++)
            {
                Array.Clear(row);
                for (var x = 0; x < width; x++)
                {
                    if (bits == 1)
                    {
                        row[x >> 3] |= (byte)(((x + y) % 2) << (7 - (x & 7)));
                    }
                    else
                    {
                        row[x] = (byte)(x + y + page);
                    }
                }

                tiff.WriteScanline(row, y);
            }

            tiff.WriteDirectory();
        }
    }

    [Fact]
    public void A_truncated_png_is_refused_instead_of_read_with_black_rows()
    {
        var path = Path.Combine(_folder, "cut.png");
        ImageIO.WriteGray8(path, Ramp(64, 64));
        Assert.Equal(64 * 64, ImageIO.ReadGray(path).Pixels.Length);
        var bytes = File.ReadAllBytes(path);
        foreach (var keep in new[] { bytes.Length - 12, bytes.Length / 2, 40, 9 })
        {
            File.WriteAllBytes(path, bytes.Take(keep).ToArray());
            var exception = Assert.Throws<InvalidDataException>(() => ImageIO.ReadGray(path));
            Assert.Contains("cut.png': the PNG is truncated", exception.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_empty_file_or_a_folder_is_one_sentence()
    {
        var empty = Path.Combine(_folder, "empty.png");
        File.WriteAllBytes(empty, Array.Empty<byte>());
        Assert.Equal($"Cannot read image '{empty}': the file is empty (0 bytes).", Assert.Throws<InvalidDataException>(() => ImageIO.ReadGray(empty)).Message);
        Assert.Contains("it is a folder", Assert.Throws<InvalidDataException>(() => ImageIO.ReadLabels(_folder)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_multi_page_tiff_is_refused_by_the_2D_reader_naming_its_pages()
    {
        var path = Path.Combine(_folder, "stack.tif");
        WriteTiff(path, 16, 8, 8, pages: 3);
        var exception = Assert.Throws<InvalidDataException>(() => ImageIO.ReadGray(path));
        Assert.Contains("stack.tif' is a stack of 3 pages", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_bit_tiffs_are_read_as_0_and_1_labels_and_white_is_zero_is_respected()
    {
        var path = Path.Combine(_folder, "mask.tif");
        WriteTiff(path, 13, 5, 1, pages: 1);
        var (labels, width, height) = ImageIO.ReadLabels(path);
        Assert.Equal((13, 5), (width, height));
        Assert.Equal(Enumerable.Range(0, 65).Select(i => ((i % 13) + (i / 13)) % 2), labels);
        Assert.Equal(labels.Select(l => (float)l), ImageIO.ReadGray(path).Pixels);

        WriteTiff(path, 13, 5, 8, pages: 1, Photometric.MINISWHITE);
        Assert.Equal(Enumerable.Range(0, 65).Select(i => 255 - ((i % 13) + (i / 13))), ImageIO.ReadLabels(path).Labels);
    }

    [Fact]
    public void A_colour_image_is_read_as_gray_and_said_once()
    {
        var notices = new List<string>();
        var previous = ImageIO.Notice;
        ImageIO.Notice = notices.Add;
        ImageIO.ResetNotices();
        try
        {
            var path = Path.Combine(_folder, "colour.png");
            using (var image = new Image<Rgb24>(4, 2))
            {
                image[1, 0] = new Rgb24(200, 10, 10);
                image.SaveAsPng(path);
            }

            var gray = ImageIO.ReadGray(path);
            ImageIO.ReadGray(path);
            Assert.Equal(8, gray.Pixels.Length);
            Assert.True(gray.Pixels[1] > 0);
            Assert.Contains("colour.png' is a colour image; colour images are read as gray", Assert.Single(notices), StringComparison.Ordinal);
        }
        finally
        {
            ImageIO.Notice = previous;
        }
    }
}
