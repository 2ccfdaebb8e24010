using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using UNetDsl.Data;
using Xunit;

namespace UNetDsl.Training.Tests.Volumes;

/// <summary>Files nibabel wrote, read by <see cref="VolumeIO"/>: values and spacing must equal what nibabel reads back.</summary>
public sealed class NiftiReadTests : IClassFixture<NiftiReadTests.NibabelFiles>
{
    private static readonly string[] DataTypes = ["uint8", "int8", "int16", "uint16", "int32", "float32", "float64"];

    private readonly NibabelFiles _files;

    public NiftiReadTests(NibabelFiles files) => _files = files;

    public static TheoryData<string> Plain() => new(
        from type in DataTypes
        from endian in new[] { "little", "big" }
        from extension in new[] { ".nii", ".nii.gz" }
        select $"{type}-{endian}{extension}");

    public static TheoryData<string> Integers() => new(
        from type in DataTypes.Where(t => t.Contains("int"))
        from endian in new[] { "little", "big" }
        select $"{type}-{endian}.nii");

    public static TheoryData<string> Special() => new(NibabelFiles.SpecialCases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Plain))]
    [MemberData(nameof(Special))]
    public void An_image_reads_as_nibabel_reads_it(string name)
    {
        var report = _files.Reports[name];
        var volume = VolumeIO.ReadImage(_files.Folder.File(name));

        AssertShapeAndSpacing(report, volume.Depth, volume.Height, volume.Width, volume.Spacing);
        var expected = report.Doubles("values");
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True((float)expected[i] == volume.Voxels[i], $"{name}: voxel {i} is {volume.Voxels[i]:R}; nibabel reads {expected[i]:R}.");
        }
    }

    [Theory]
    [MemberData(nameof(Integers))]
    public void Integer_data_reads_as_labels_exactly(string name)
    {
        var report = _files.Reports[name];
        var labels = VolumeIO.ReadLabels(_files.Folder.File(name));

        AssertShapeAndSpacing(report, labels.Depth, labels.Height, labels.Width, labels.Spacing);
        Assert.Equal(report.Doubles("values").Select(v => checked((int)v)), labels.Labels);
    }

    [Fact]
    public void Whole_numbers_stored_as_float32_read_as_labels()
    {
        var labels = VolumeIO.ReadLabels(_files.Folder.File("labels-float32.nii.gz"));

        Assert.Equal(_files.Reports["labels-float32.nii.gz"].Doubles("values").Select(v => (int)v), labels.Labels);
    }

    [Fact]
    public void The_big_endian_cases_are_big_endian_on_disk()
    {
        foreach (var (name, report) in _files.Reports)
        {
            Assert.True(name.Contains("-big") == report.GetProperty("written_big_endian").GetBoolean(), $"{name}: byte order on disk is not what its name says.");
        }
    }

    [Fact]
    public void A_caller_spacing_replaces_the_header_spacing()
    {
        var volume = VolumeIO.ReadImage(_files.Folder.File("float32-little.nii"), [3, 2, 1]);

        Assert.Equal([3, 2, 1], volume.Spacing);
    }

    private static void AssertShapeAndSpacing(JsonElement report, int depth, int height, int width, double[] spacing)
    {
        Assert.Equal(new[] { depth, height, width }, report.Ints("shape"));
        Assert.Equal(report.Doubles("spacing"), spacing);
    }

    /// <summary>Writes every case with nibabel once for the class, in one Python process.</summary>
    public sealed class NibabelFiles : IDisposable
    {
        // Sizes differ along every axis so that a transposed read cannot pass; spacings are not exact in float32.
        private static readonly int[] Shape = [7, 5, 3];

        private static readonly double[] Zooms = [0.7, 0.35, 2.5];

        public static readonly (string Name, Dictionary<string, object> Case)[] SpecialCases =
        [
            ("int16-scaled-big.nii.gz", Case("int16", ">", ("slope", 0.1), ("inter", -3.3))),
            ("uint8-scaled.nii", Case("uint8", "<", ("slope", 0.25), ("inter", 10.5))),
            ("uint16-slope-only.nii", Case("uint16", "<", ("slope", 3.0), ("inter", 0.0))),
            ("int16-nibabel-scaled.nii", Case("int16", "<", ("autoscale", true))),
            ("float32-2d.nii", Case("float32", "<", ("shape", new[] { 7, 5 }), ("zooms", new[] { 0.7, 0.35 }))),
            ("float32-4d-one-volume-big.nii.gz", Case("float32", ">", ("shape", new[] { 7, 5, 3, 1 }), ("zooms", new[] { 0.7, 0.35, 2.5, 1.0 }))),
        ];

        public NibabelFiles()
        {
            var cases = new List<(string Name, Dictionary<string, object> Case)>(SpecialCases);
            foreach (var type in DataTypes)
            {
                foreach (var (endian, code) in new[] { ("little", "<"), ("big", ">") })
                {
                    foreach (var extension in new[] { ".nii", ".nii.gz" })
                    {
                        cases.Add(($"{type}-{endian}{extension}", Case(type, code)));
                    }
                }
            }

            cases.Add(("labels-float32.nii.gz", Case("float32", "<", ("small_integers", true))));
            var seed = 0;
            Reports = PythonReference.Run("nifti-write", cases.Select(c => new Dictionary<string, object>(c.Case)
            {
                ["name"] = c.Name,
                ["path"] = Folder.File(c.Name),
                ["seed"] = seed++,
            }));
        }

        public ScratchFolder Folder { get; } = new();

        public IReadOnlyDictionary<string, JsonElement> Reports { get; }

        public void Dispose() => Folder.Dispose();

        private static Dictionary<string, object> Case(string type, string endian, params (string Key, object Value)[] extra)
        {
            var entry = new Dictionary<string, object> { ["dtype"] = type, ["endian"] = endian, ["shape"] = Shape, ["zooms"] = Zooms };
            foreach (var (key, value) in extra)
            {
                entry[key] = value;
            }

            return entry;
        }
    }
}
