using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace UNetDsl.Data;

/// <summary>
/// Single-file NIfTI-1 (<c>.nii</c>, and <c>.nii.gz</c> through <see cref="GZipStream"/>), written from the published
/// header layout (nifti1.h): no NIfTI library is served on NuGet.
/// <para>
/// Reads uint8, int8, int16, uint16, int32, float32 and float64 data of either byte order (told by how sizeof_hdr,
/// 348, reads), 2D (one slice), 3D, or 4D and up when every extra dimension is 1. Values are scaled by
/// scl_slope/scl_inter when scl_slope is not 0, and are not normalised: a NIfTI image is in its modality's units
/// (Hounsfield, counts), which no fixed mapping puts in [0, 1]; <see cref="GrayVolume.ScaledToUnitRange"/> does it when
/// wanted. Spacing is pixdim[3], pixdim[2], pixdim[1] as stored (xyzt_units is not applied). The orientation
/// (qform/sform) is not applied: voxels come in storage order.
/// </para>
/// <para>Writes float32 images and uint8, int16 or int32 labels (the smallest that holds them), little endian.</para>
/// </summary>
internal static class NiftiIO
{
    private const int HeaderSize = 348;

    // The header plus the four-byte extension flag (all zero: no extensions), where single-file data starts.
    private const int DataOffset = 352;

    private const int ChunkVoxels = 1 << 16;

    /// <summary>Reads an image volume: scaled values as stored, spacing from pixdim unless <paramref name="spacing"/> is given.</summary>
    public static GrayVolume ReadImage(string path, double[]? spacing)
    {
        var voxels = Array.Empty<float>();
        var header = Read(path, h => voxels = new float[h.Voxels], (start, values) =>
        {
            for (var i = 0; i < values.Length; i++)
            {
                voxels[start + i] = (float)values[i];
            }
        });
        return new GrayVolume(voxels, header.Depth, header.Height, header.Width, spacing ?? header.Spacing);
    }

    /// <summary>Reads a label volume; float data (or scaled data) must hold whole numbers.</summary>
    public static LabelVolume ReadLabels(string path, double[]? spacing)
    {
        var labels = Array.Empty<int>();
        NiftiHeader? current = null;
        var header = Read(path, h => (current, labels) = (h, new int[h.Voxels]), (start, values) =>
        {
            for (var i = 0; i < values.Length; i++)
            {
                var value = values[i];
                if (value != Math.Floor(value) || value < int.MinValue || value > int.MaxValue)
                {
                    var index = start + i;
                    var (z, y, x) = (index / (current!.Height * current.Width), index / current.Width % current.Height, index % current.Width);
                    throw new InvalidDataException(
                        $"Cannot read labels '{path}': voxel (z, y, x) = ({z}, {y}, {x}) is {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}, "
                        + $"not a whole number ({current.DataTypeName} data{(current.Scaled ? " scaled by scl_slope/scl_inter" : string.Empty)}); labels are integer classes. "
                        + "If this is an image or a probability map, read it with VolumeIO.ReadImage; otherwise round or threshold it and save it as an integer type.");
                }

                labels[start + i] = (int)value;
            }
        });
        return new LabelVolume(labels, header.Depth, header.Height, header.Width, spacing ?? header.Spacing);
    }

    /// <summary>Writes a float32 image, gzip-compressed when the name ends in .gz, atomically.</summary>
    public static void WriteImage(string path, GrayVolume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var voxels = volume.Voxels;
        Write(path, DataType.Float32, volume.Depth, volume.Height, volume.Width, volume.Spacing,
            (i, bytes) => BinaryPrimitives.WriteSingleLittleEndian(bytes, voxels[i]));
    }

    /// <summary>Writes labels as uint8, int16 or int32, whichever is the smallest that holds them, atomically.</summary>
    public static void WriteLabels(string path, LabelVolume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var labels = volume.Labels;
        var (min, max) = (0, 0);
        if (labels.Length > 0)
        {
            (min, max) = (labels[0], labels[0]);
            foreach (var label in labels)
            {
                (min, max) = (Math.Min(min, label), Math.Max(max, label));
            }
        }

        var type = min >= 0 && max <= byte.MaxValue ? DataType.UInt8
            : min >= short.MinValue && max <= short.MaxValue ? DataType.Int16
            : DataType.Int32;
        Write(path, type, volume.Depth, volume.Height, volume.Width, volume.Spacing, type switch
        {
            DataType.UInt8 => (i, bytes) => bytes[0] = (byte)labels[i],
            DataType.Int16 => (i, bytes) => BinaryPrimitives.WriteInt16LittleEndian(bytes, (short)labels[i]),
            _ => (i, bytes) => BinaryPrimitives.WriteInt32LittleEndian(bytes, labels[i]),
        });
    }

    // Delegates rather than Action<,>: net8.0 allows no span as a type argument.
    private delegate void VoxelSink(int start, ReadOnlySpan<double> values);

    private delegate void VoxelEncoder(int index, Span<byte> bytes);

    // NIfTI-1 datatype codes (nifti1.h, NIFTI_TYPE_*).
    private enum DataType : short
    {
        UInt8 = 2,
        Int16 = 4,
        Int32 = 8,
        Float32 = 16,
        Float64 = 64,
        Int8 = 256,
        UInt16 = 512,
    }

    private static int SizeOf(DataType type) => type switch
    {
        DataType.UInt8 or DataType.Int8 => 1,
        DataType.Int16 or DataType.UInt16 => 2,
        DataType.Int32 or DataType.Float32 => 4,
        _ => 8,
    };

    // Every code nifti1.h defines, so that an unsupported one is named in the error.
    private static string DataTypeName(short code) => code switch
    {
        0 => "unknown (0)",
        1 => "binary (1 bit)",
        2 => "uint8",
        4 => "int16",
        8 => "int32",
        16 => "float32",
        32 => "complex64",
        64 => "float64",
        128 => "rgb24",
        255 => "all",
        256 => "int8",
        512 => "uint16",
        768 => "uint32",
        1024 => "int64",
        1280 => "uint64",
        1536 => "float128",
        1792 => "complex128",
        2048 => "complex256",
        2304 => "rgba32",
        _ => $"code {code}",
    };

    /// <summary>What the reader takes from a header.</summary>
    private sealed record NiftiHeader(bool BigEndian, DataType DataType, int Depth, int Height, int Width, long DataStart, double Slope, double Intercept, double[] Spacing)
    {
        public int Voxels => Depth * Height * Width;

        public string DataTypeName => NiftiIO.DataTypeName((short)DataType);

        public bool Scaled => Slope != 1 || Intercept != 0;
    }

    // Opens the file (gzip or not, told by its first two bytes rather than its name), parses the header, then hands the
    // scaled voxel values to `sink` a chunk at a time, so a large volume is never held twice.
    private static NiftiHeader Read(string path, Action<NiftiHeader> allocate, VoxelSink sink)
    {
        using var file = File.OpenRead(path);
        var gzip = file.ReadByte() == 0x1F && file.ReadByte() == 0x8B;
        file.Position = 0;
        using var stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        var reader = new Reader(stream, path, gzip);

        var bytes = new byte[HeaderSize];
        var got = reader.ReadUpTo(bytes);
        if (got < HeaderSize)
        {
            throw Problem(path, got < 4 ? $"it holds {got} bytes, too few for any header" : $"the header is truncated: {Holds(gzip, got)}, a NIfTI-1 header has {HeaderSize}",
                "The file was cut short; copy or download it again.");
        }

        var header = ParseHeader(path, bytes);
        allocate(header);

        // Extensions (or padding) between the header and the data are skipped unread.
        var skip = new byte[header.DataStart - HeaderSize];
        got = reader.ReadUpTo(skip);
        if (got < skip.Length)
        {
            throw Problem(path, $"the data is missing: its header puts the voxels at byte {header.DataStart} (vox_offset) but {Holds(gzip, HeaderSize + got)}",
                "The file was cut short; copy or download it again.");
        }

        var size = SizeOf(header.DataType);
        var buffer = new byte[ChunkVoxels * size];
        var values = new double[ChunkVoxels];
        for (var start = 0; start < header.Voxels; start += ChunkVoxels)
        {
            var count = Math.Min(ChunkVoxels, header.Voxels - start);
            got = reader.ReadUpTo(buffer.AsSpan(0, count * size));
            if (got < count * size)
            {
                var have = ((long)start * size) + got;
                throw Problem(path,
                    $"the data is truncated: {VolumeShape.Describe(header.Depth, header.Height, header.Width)} voxels of {header.DataTypeName} need {(long)header.Voxels * size:N0} bytes "
                    + $"from byte {header.DataStart}, and {Holds(gzip, header.DataStart + have)}",
                    "The file was cut short, or its dim fields are wrong; copy or download it again.");
            }

            Decode(header, buffer.AsSpan(0, count * size), values.AsSpan(0, count));
            sink(start, values.AsSpan(0, count));
        }

        if (reader.ReadUpTo(new byte[1]) > 0)
        {
            throw Problem(path,
                $"it holds more data than its dims describe: {VolumeShape.Describe(header.Depth, header.Height, header.Width)} voxels of {header.DataTypeName} "
                + $"end at byte {header.DataStart + ((long)header.Voxels * size):N0}, and the {(gzip ? "decompressed data goes" : "file goes")} on",
                "The dim fields of its header are probably wrong (a 4D series with dim[0] = 3, or swapped sizes); fix them or write the file again.");
        }

        return header;
    }

    // A cut gzip stream ends early without an error from GZipStream, so for .nii.gz a short read is the only sign.
    private static string Holds(bool gzip, long bytes) => gzip ? $"the gzip data ends after {bytes:N0} decompressed bytes" : $"the file holds {bytes:N0} bytes";

    private static NiftiHeader ParseHeader(string path, byte[] bytes)
    {
        var littleSize = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        var bigSize = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (littleSize == 540 || bigSize == 540)
        {
            throw Problem(path, "it is a NIfTI-2 file (sizeof_hdr 540); UNetDsl reads NIfTI-1",
                "Save it as NIfTI-1, e.g. with nibabel: nib.save(nib.Nifti1Image(img.dataobj, img.affine), 'volume.nii.gz').");
        }

        if (littleSize != HeaderSize && bigSize != HeaderSize)
        {
            throw Problem(path, $"it is not a NIfTI-1 file: its first four bytes (sizeof_hdr) read {littleSize} (little endian) or {bigSize} (big endian), not {HeaderSize}",
                "Check that the path names a .nii or .nii.gz volume.");
        }

        var bigEndian = littleSize != HeaderSize;
        short Short(int offset) => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(offset)) : BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(offset));
        float Float(int offset) => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(bytes.AsSpan(offset)) : BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(offset));

        var magic = Encoding.ASCII.GetString(bytes, 344, 3);
        if (magic == "ni1")
        {
            throw Problem(path, "its header is that of a .hdr/.img pair (magic 'ni1'), whose data lives in another file; UNetDsl reads single-file NIfTI",
                "Save it as one file, e.g. with nibabel: nib.save(nib.load('volume.hdr'), 'volume.nii.gz').");
        }

        if (magic != "n+1" || bytes[347] != 0)
        {
            throw Problem(path, "its header lacks the NIfTI-1 magic 'n+1' at byte 344 (an ANALYZE 7.5 file, or a damaged one)",
                "Save it as NIfTI-1, e.g. with nibabel: nib.save(nib.Nifti1Image(img.dataobj, img.affine), 'volume.nii.gz').");
        }

        // dim[0] is the number of dimensions, dim[1..3] the sizes along x, y, z (x varies fastest in the data).
        var rank = Short(40);
        var dim = new int[8];
        for (var i = 0; i < 8; i++)
        {
            dim[i] = Short(40 + (2 * i));
        }

        if (rank is < 2 or > 7)
        {
            throw Problem(path, $"dim[0] is {rank}: UNetDsl reads 2D and 3D volumes (dim[0] 2 or 3, or 4 and up when the extra sizes are 1)",
                "Check that the file is an image volume, not a 1D table or a damaged header.");
        }

        for (var i = 1; i <= rank; i++)
        {
            if (dim[i] < 1)
            {
                throw Problem(path, $"dim[{i}] is {dim[i]}; every size must be at least 1", "The header is damaged; write the file again.");
            }
        }

        for (var i = 4; i <= rank; i++)
        {
            if (dim[i] > 1)
            {
                throw Problem(path, $"it is a series of {dim[i]} volumes (dim[{i}] = {dim[i]}); UNetDsl reads one 3D volume per file",
                    "Save each volume as its own file, e.g. with nibabel: nib.save(img.slicer[..., t], 'volume_t.nii.gz').");
            }
        }

        var code = Short(70);
        if (!Enum.IsDefined(typeof(DataType), code))
        {
            throw Problem(path, $"its datatype is {DataTypeName(code)}; UNetDsl reads uint8, int8, int16, uint16, int32, float32 and float64",
                code is 128 or 2304
                    ? "Convert the colour volume to one gray channel and save it as float32."
                    : "Convert it, e.g. with nibabel: img.set_data_dtype('float32') for an image or 'int32' for labels, then nib.save.");
        }

        var (width, height, depth) = (dim[1], dim[2], rank >= 3 ? dim[3] : 1);
        if ((long)width * height * depth > Array.MaxLength)
        {
            throw Problem(path, $"{VolumeShape.Describe(depth, height, width)} voxels exceed the {Array.MaxLength:N0} one array holds",
                "Crop or split the volume.");
        }

        // Data starts at vox_offset; below 352 (the header and the extension flag) it is damaged, and is read from 352
        // as nibabel does.
        var offset = Float(108);
        if (!float.IsFinite(offset) || offset != MathF.Floor(offset))
        {
            throw Problem(path, $"vox_offset is {offset}, not a whole number of bytes", "The header is damaged; write the file again.");
        }

        // scl_slope 0 (or not a number) means the values are stored unscaled; a missing intercept is 0.
        double slope = Float(112), intercept = Float(116);
        if (slope == 0 || !double.IsFinite(slope))
        {
            (slope, intercept) = (1, 0);
        }
        else if (!double.IsFinite(intercept))
        {
            intercept = 0;
        }

        // pixdim[1..3] are the spacings along x, y, z; a missing (0) or invalid one is taken as 1.
        double Spacing(int axis)
        {
            double value = Math.Abs(Float(76 + (4 * axis)));
            return value > 0 && double.IsFinite(value) && axis <= rank ? value : 1;
        }

        return new NiftiHeader(bigEndian, (DataType)code, depth, height, width, Math.Max((long)offset, DataOffset), slope, intercept,
            [Spacing(3), Spacing(2), Spacing(1)]);
    }

    private static void Decode(NiftiHeader header, ReadOnlySpan<byte> bytes, Span<double> values)
    {
        var big = header.BigEndian;
        var size = SizeOf(header.DataType);
        for (var i = 0; i < values.Length; i++)
        {
            var b = bytes.Slice(i * size, size);
            double raw = header.DataType switch
            {
                DataType.UInt8 => b[0],
                DataType.Int8 => (sbyte)b[0],
                DataType.Int16 => big ? BinaryPrimitives.ReadInt16BigEndian(b) : BinaryPrimitives.ReadInt16LittleEndian(b),
                DataType.UInt16 => big ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b),
                DataType.Int32 => big ? BinaryPrimitives.ReadInt32BigEndian(b) : BinaryPrimitives.ReadInt32LittleEndian(b),
                DataType.Float32 => big ? BinaryPrimitives.ReadSingleBigEndian(b) : BinaryPrimitives.ReadSingleLittleEndian(b),
                _ => big ? BinaryPrimitives.ReadDoubleBigEndian(b) : BinaryPrimitives.ReadDoubleLittleEndian(b),
            };

            // Scaled in double from the header's float32 slope and intercept, as nibabel does.
            values[i] = header.Scaled ? (raw * header.Slope) + header.Intercept : raw;
        }
    }

    private static void Write(string path, DataType type, int depth, int height, int width, double[] spacing, VoxelEncoder encode)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);

        // Written next to the target and renamed over it, so that a reader never sees half a file.
        var temporary = Path.Combine(directory, "." + Path.GetFileName(full) + ".tmp");
        using (var file = File.Create(temporary))
        using (var stream = full.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionLevel.Optimal) : (Stream)file)
        {
            stream.Write(Header(type, depth, height, width, spacing));
            var size = SizeOf(type);
            var voxels = depth * height * width;
            var buffer = new byte[ChunkVoxels * size];
            for (var start = 0; start < voxels; start += ChunkVoxels)
            {
                var count = Math.Min(ChunkVoxels, voxels - start);
                for (var i = 0; i < count; i++)
                {
                    encode(start + i, buffer.AsSpan(i * size, size));
                }

                stream.Write(buffer, 0, count * size);
            }
        }

        File.Move(temporary, full, overwrite: true);
    }

    private static byte[] Header(DataType type, int depth, int height, int width, double[] spacing)
    {
        var bytes = new byte[DataOffset];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, HeaderSize);
        short[] dim = [3, (short)width, (short)height, (short)depth, 1, 1, 1, 1];
        for (var i = 0; i < dim.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(span[(40 + (2 * i))..], dim[i]);
        }

        BinaryPrimitives.WriteInt16LittleEndian(span[70..], (short)type);
        BinaryPrimitives.WriteInt16LittleEndian(span[72..], (short)(8 * SizeOf(type)));
        var (dx, dy, dz) = ((float)spacing[2], (float)spacing[1], (float)spacing[0]);
        float[] pixdim = [1, dx, dy, dz, 1, 1, 1, 1];
        for (var i = 0; i < pixdim.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(span[(76 + (4 * i))..], pixdim[i]);
        }

        BinaryPrimitives.WriteSingleLittleEndian(span[108..], DataOffset);
        BinaryPrimitives.WriteSingleLittleEndian(span[112..], 1f);

        // A volume carries no orientation: both transforms are the spacing alone (no rotation, origin at voxel 0), coded
        // "aligned" (2), so that viewers and nibabel place the voxels as stored instead of using an ANALYZE fallback.
        BinaryPrimitives.WriteInt16LittleEndian(span[252..], 2);
        BinaryPrimitives.WriteInt16LittleEndian(span[254..], 2);
        BinaryPrimitives.WriteSingleLittleEndian(span[280..], dx);
        BinaryPrimitives.WriteSingleLittleEndian(span[(296 + 4)..], dy);
        BinaryPrimitives.WriteSingleLittleEndian(span[(312 + 8)..], dz);
        "n+1\0"u8.CopyTo(span[344..]);
        return bytes;
    }

    private static InvalidDataException Problem(string path, string problem, string fix) =>
        new($"Cannot read NIfTI file '{path}': {problem}. {fix}");

    // Reads until the buffer is full or the data ends, and turns a damaged gzip stream into a message about the file.
    private sealed class Reader(Stream stream, string path, bool gzip)
    {
        private long _position;

        public int ReadUpTo(Span<byte> buffer)
        {
            try
            {
                var got = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
                _position += got;
                return got;
            }
            catch (InvalidDataException exception) when (gzip)
            {
                throw new InvalidDataException(
                    $"Cannot read NIfTI file '{path}': its gzip data is damaged after {_position:N0} decompressed bytes ({exception.Message}). The file was cut short or corrupted; copy or download it again.",
                    exception);
            }
        }
    }
}
