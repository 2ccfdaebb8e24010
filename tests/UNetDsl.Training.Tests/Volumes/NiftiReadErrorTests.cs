using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using UNetDsl.Data;
using Xunit;

namespace UNetDsl.Training.Tests.Volumes;

/// <summary>
/// Files the reader refuses: each is one <see cref="InvalidDataException"/> naming the file, the problem and a fix.
/// The unsupported ones are written by nibabel; the damaged ones are cut from nibabel's files here.
/// </summary>
public sealed class NiftiReadErrorTests : IClassFixture<NiftiReadErrorTests.NibabelFiles>
{
    private readonly NibabelFiles _files;

    public NiftiReadErrorTests(NibabelFiles files) => _files = files;

    [Theory]
    [InlineData("complex64")]
    [InlineData("rgb24")]
    [InlineData("uint64")]
    public void An_unsupported_datatype_is_named(string type)
    {
        var path = _files.Folder.File($"{type}.nii");

        var error = Assert.Throws<InvalidDataException>(() => VolumeIO.ReadImage(path));

        Assert.Contains(path, error.Message);
        Assert.Contains($"datatype is {type}", error.Message);
        Assert.Contains("float32", error.Message);
    }

    [Fact]
    public void Fractional_labels_are_refused_at_the_voxel_that_holds_one()
    {
        var path = _files.Folder.File("fractional.nii.gz");

        var error = Assert.Throws<InvalidDataException>(() => VolumeIO.ReadLabels(path));

        // nibabel put 2.5 at (x, y, z) = (4, 2, 1).
        Assert.Contains("voxel (z, y, x) = (1, 2, 4) is 2.5, not a whole number (float32 data)", error.Message);
        Assert.Contains("VolumeIO.ReadImage", error.Message);
        Assert.Equal(2.5f, VolumeIO.ReadImage(path).Voxels[(((1 * 5) + 2) * 7) + 4]);
    }

    [Fact]
    public void A_series_of_volumes_is_refused()
    {
        var error = Assert.Throws<InvalidDataException>(() => VolumeIO.ReadImage(_files.Folder.File("series.nii")));

        Assert.Contains("a series of 2 volumes (dim[4] = 2)", error.Message);
    }

    [Fact]
    public void A_truncated_header_is_refused()
    {
        var path = Cut("int16.nii", "header-cut.nii", 200);

        var error = Assert.Throws<InvalidDataException>(() => VolumeIO.ReadImage(path));

        Assert.Contains($"'{path}': the header is truncated: the file holds 200 bytes, a NIfTI-1 header has 348", error.Message);
    }

    [Fact]
    public void Truncated_data_is_refused()
    {
        var path = Cut("int16.nii", "data-cut.nii", 352 + 100);

        var error = Assert.Throws<InvalidDataException>(() => VolumeIO.ReadImage(path));

        Assert.Contains("the data is truncated: 3 x 5 x 7 (depth x height x width) voxels of int16 need 210 bytes from byte 352, and the file holds 452 bytes", error.Message);
    }

    [Fact]
    public void A_truncated_gzip_file_is_refused()
    {
        var whole = new FileInfo(_files.Folder.File("int16.nii.gz")).Length;
        var path = Cut("int16.nii.gz", "cut.nii.gz", (int)(whole / 2));

        var error = Assert.Throws<InvalidDataException>(() => VolumeIO.ReadImage(path));

        Assert.Contains($"'{path}': the data is truncated", error.Message);
        Assert.Contains("the gzip data ends after", error.Message);
        Assert.Contains("copy or download it again", error.Message);
    }

    [Fact]
    public void Dims_that_describe_less_data_than_the_file_holds_are_refused()
    {
        var path = _files.Folder.File("dims-short.nii");
        var bytes = File.ReadAllBytes(_files.Folder.File("int16.nii"));
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(46), 2); // dim[3], the depth: 2 of the 3 slices
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => VolumeIO.ReadImage(path));

        Assert.Contains("it holds more data than its dims describe: 2 x 5 x 7 (depth x height x width) voxels of int16 end at byte 492", error.Message);
    }

    [Fact]
    public void Dims_that_describe_more_data_than_the_file_holds_are_refused()
    {
        var path = _files.Folder.File("dims-long.nii");
        var bytes = File.ReadAllBytes(_files.Folder.File("int16.nii"));
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(46), 4);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => VolumeIO.ReadImage(path));

        Assert.Contains("the data is truncated", error.Message);
        Assert.Contains("or its dim fields are wrong", error.Message);
    }

    [Theory]
    [InlineData("notes.nii", "it is not a NIfTI-1 file: its first four bytes (sizeof_hdr)")]
    [InlineData("nifti2.nii", "it is a NIfTI-2 file (sizeof_hdr 540)")]
    [InlineData("pair.nii", "its header is that of a .hdr/.img pair (magic 'ni1')")]
    public void A_file_that_is_no_nifti1_file_is_refused(string name, string problem)
    {
        var path = _files.Folder.File(name);
        var bytes = File.ReadAllBytes(_files.Folder.File("int16.nii"));
        switch (name)
        {
            case "notes.nii":
                bytes = Enumerable.Repeat((byte)'x', 600).ToArray();
                break;
            case "nifti2.nii":
                BinaryPrimitives.WriteInt32LittleEndian(bytes, 540);
                break;
            default:
                "ni1\0"u8.CopyTo(bytes.AsSpan(344));
                break;
        }

        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => VolumeIO.ReadImage(path));

        Assert.Contains($"Cannot read NIfTI file '{path}': {problem}", error.Message);
    }

    private string Cut(string source, string name, int length)
    {
        var path = _files.Folder.File(name);
        File.WriteAllBytes(path, File.ReadAllBytes(_files.Folder.File(source)).AsSpan(0, length).ToArray());
        return path;
    }

    /// <summary>The files nibabel writes for these tests, once for the class.</summary>
    public sealed class NibabelFiles : IDisposable
    {
        public NibabelFiles()
        {
            var cases = new List<Dictionary<string, object>>
            {
                Case("int16.nii", "int16"),
                Case("int16.nii.gz", "int16"),
                Case("complex64.nii", "complex64"),
                Case("rgb24.nii", "rgb24"),
                Case("uint64.nii", "uint64"),
                Case("series.nii", "float32", ("shape", new[] { 7, 5, 3, 2 }), ("zooms", new[] { 1.0, 1.0, 1.0, 1.0 })),
                Case("fractional.nii.gz", "float32", ("small_integers", true), ("fractional", new[] { 4, 2, 1 })),
            };
            PythonReference.Run("nifti-write", cases);
        }

        public ScratchFolder Folder { get; } = new();

        public void Dispose() => Folder.Dispose();

        private Dictionary<string, object> Case(string name, string type, params (string Key, object Value)[] extra)
        {
            var entry = new Dictionary<string, object>
            {
                ["name"] = name,
                ["path"] = Folder.File(name),
                ["dtype"] = type,
                ["endian"] = "<",
                ["shape"] = new[] { 7, 5, 3 },
                ["zooms"] = new[] { 1.0, 1.0, 1.0 },
                ["seed"] = 1,
            };
            foreach (var (key, value) in extra)
            {
                entry[key] = value;
            }

            return entry;
        }
    }
}
