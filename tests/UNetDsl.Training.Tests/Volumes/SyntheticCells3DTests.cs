using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using UNetDsl.Data;
using Xunit;

namespace UNetDsl.Training.Tests.Volumes;

/// <summary>
/// The synthetic 3D cells: shape and spacing, value ranges, determinism, instance labels the weight map can use
/// (connected, touching across thin membranes), cells that are round in physical space, and argument checks.
/// </summary>
public sealed class SyntheticCells3DTests : IDisposable
{
    // One default volume for the tests that only read it (each generation takes about 0.1 s).
    private static readonly Lazy<VolumeSample> Default = new(() => Generate(seed: 1));

    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static VolumeSample Generate(int seed, int classes = 2) =>
        SyntheticCells3D.Generate(seed, SyntheticCells3D.DefaultShape[0], SyntheticCells3D.DefaultShape[1], SyntheticCells3D.DefaultShape[2], SyntheticCells3D.DefaultSpacing, classes);

    [Fact]
    public void The_image_and_labels_have_the_requested_shape_and_carry_the_spacing()
    {
        var sample = SyntheticCells3D.Generate(3, 10, 20, 30, [2, 0.5, 0.5]);

        Assert.Equal([10, 20, 30], sample.Shape);
        Assert.Equal((10, 20, 30), (sample.Classes.Depth, sample.Classes.Height, sample.Classes.Width));
        Assert.Equal([2, 0.5, 0.5], sample.Image.Spacing);
        Assert.Equal([2, 0.5, 0.5], sample.Classes.Spacing);
        Assert.Equal(10 * 20 * 30, sample.Instances!.Length);
    }

    [Fact]
    public void The_default_volume_is_24_thick_slices_of_96_by_96()
    {
        var sample = Default.Value;

        Assert.Equal([24, 96, 96], sample.Shape);
        Assert.Equal([3.0, 1, 1], sample.Image.Spacing);
        Assert.Equal([3.0, 1, 1], sample.Classes.Spacing);
    }

    [Fact]
    public void The_spacing_given_is_copied_not_kept()
    {
        double[] spacing = [3, 1, 1];

        var sample = SyntheticCells3D.Generate(1, 4, 8, 8, spacing);
        spacing[0] = 7;

        Assert.Equal([3.0, 1, 1], sample.Image.Spacing);
        Assert.Equal([3.0, 1, 1], sample.Classes.Spacing);
    }

    [Fact]
    public void Voxel_values_lie_in_0_to_1_and_use_much_of_that_range()
    {
        var voxels = Default.Value.Image.Voxels;

        Assert.All(voxels, v => Assert.InRange(v, 0f, 1f));
        Assert.True(voxels.Max() - voxels.Min() > 0.7, $"Values span only {voxels.Min()}..{voxels.Max()}.");
    }

    [Fact]
    public void Two_classes_are_background_and_cells_only()
    {
        var labels = Default.Value.Classes.Labels;

        Assert.Equal([0, 1], labels.Distinct().Order());
        var cellFraction = labels.Count(c => c == 1) / (double)labels.Length;
        Assert.InRange(cellFraction, 0.5, 0.8);
    }

    [Fact]
    public void Three_classes_have_both_kinds_of_cells_in_the_layout_of_two_the_first_kind_brighter()
    {
        var two = Generate(seed: 5);
        var three = Generate(seed: 5, classes: 3);

        var labels = three.Classes.Labels;
        Assert.Equal([0, 1, 2], labels.Distinct().Order());
        Assert.Equal(two.Classes.Labels.Select(c => c > 0), labels.Select(c => c > 0));
        Assert.Equal(two.Instances, three.Instances);
        var (bright, dark) = (Mean(three.Image.Voxels, labels, 1), Mean(three.Image.Voxels, labels, 2));
        Assert.True(bright > dark + 0.15, $"Kind 1 averages {bright:F3}, kind 2 {dark:F3}.");
        var kind2Share = labels.Count(c => c == 2) / (double)labels.Count(c => c > 0);
        Assert.InRange(kind2Share, 0.25, 0.75);
    }

    [Fact]
    public void The_same_seed_gives_equal_volumes_and_another_seed_different_ones()
    {
        var first = Generate(seed: 11, classes: 3);
        var again = Generate(seed: 11, classes: 3);
        var other = Generate(seed: 12, classes: 3);

        Assert.Equal(first.Image.Voxels, again.Image.Voxels);
        Assert.Equal(first.Classes.Labels, again.Classes.Labels);
        Assert.Equal(first.Instances, again.Instances);
        Assert.NotEqual(first.Image.Voxels, other.Image.Voxels);
        Assert.NotEqual(first.Classes.Labels, other.Classes.Labels);
    }

    [Fact]
    public void Every_cell_voxel_and_no_other_has_an_instance_and_instances_are_numbered_1_to_K()
    {
        var sample = Default.Value;
        var instances = sample.Instances!;

        for (var i = 0; i < instances.Length; i++)
        {
            Assert.Equal(sample.Classes.Labels[i] > 0, instances[i] > 0);
        }

        var ids = instances.Where(id => id > 0).Distinct().Order().ToArray();
        Assert.Equal(Enumerable.Range(1, ids.Length), ids);
        Assert.InRange(ids.Length, 150, 400);
    }

    [Fact]
    public void Every_instance_is_one_6_connected_piece()
    {
        var sample = Default.Value;
        var instances = sample.Instances!;

        // Taken as classes, each instance splits into its 6-connected components: one each, so the counts agree.
        var pieces = FolderDataset.InstancesOfClasses(instances, sample.Classes.Depth, sample.Classes.Height, sample.Classes.Width);

        Assert.Equal(instances.Max(), pieces.Max());
    }

    [Fact]
    public void Many_cells_touch_across_a_one_voxel_membrane_also_between_slices_and_none_share_a_face()
    {
        var (acrossMembrane, betweenSlices, faceToFace) = TouchingPairs(Default.Value);

        // About 1,000 pairs of cells lie one membrane voxel apart, most of them (also) across a membrane slice: the
        // weight map's border term has work to do in every direction.
        Assert.True(acrossMembrane > 500, $"{acrossMembrane} pairs of cells touch across one membrane voxel.");
        Assert.True(betweenSlices > 300, $"{betweenSlices} pairs of cells touch across one membrane slice.");
        Assert.Equal(0, faceToFace);
    }

    [Fact]
    public void Cells_span_fewer_slices_than_pixels_by_about_the_spacing_ratio()
    {
        var thick = InPlaneOverDepthExtent(Default.Value);
        var cubic = InPlaneOverDepthExtent(SyntheticCells3D.Generate(1, 64, 64, 64, [1, 1, 1]));

        // Slices three times as thick: cells round in physical space span a third as many slices as pixels.
        Assert.InRange(thick, 2.4, 3.6);
        Assert.InRange(cubic, 0.8, 1.25);
    }

    [Fact]
    public void Cells_are_brighter_than_the_membranes_between_them()
    {
        var sample = Default.Value;
        var (d, h, w) = (sample.Image.Depth, sample.Image.Height, sample.Image.Width);
        var instances = sample.Instances!;
        var (membrane, inPlane) = (new List<float>(), new List<float>());
        for (var z = 0; z < d; z++)
        {
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    // A membrane voxel: background with different cells on its two sides along some axis.
                    var i = (((z * h) + y) * w) + x;
                    if (instances[i] == 0 && (Between(z, d, h * w) || Between(y, h, w) || Between(x, w, 1)))
                    {
                        membrane.Add(sample.Image.Voxels[i]);
                    }

                    if (instances[i] == 0 && (Between(y, h, w) || Between(x, w, 1)))
                    {
                        inPlane.Add(sample.Image.Voxels[i]);
                    }

                    bool Between(int position, int size, int stride) =>
                        position > 0 && position < size - 1 && instances[i - stride] > 0 && instances[i + stride] > 0 && instances[i - stride] != instances[i + stride];
                }
            }
        }

        var cells = Mean(sample.Image.Voxels, sample.Classes.Labels, 1);
        Assert.True(membrane.Count > 1000, $"Only {membrane.Count} membrane voxels between cells.");
        Assert.True(cells > membrane.Average() + 0.3, $"Cells average {cells:F3}, membranes {membrane.Average():F3}.");

        // One-pixel membranes in-plane are the faintest: the blur spreads them over their neighbours (it barely acts
        // across thick slices), yet they stay well below the cells.
        Assert.True(cells > inPlane.Average() + 0.15, $"Cells average {cells:F3}, one-pixel membranes in-plane {inPlane.Average():F3}.");
    }

    [Fact]
    public void Even_a_single_voxel_or_a_single_slice_is_generated()
    {
        var voxel = SyntheticCells3D.Generate(1, 1, 1, 1, [1, 1, 1]);
        var slice = SyntheticCells3D.Generate(1, 1, 48, 48, [3, 1, 1], classes: 3);

        Assert.Single(voxel.Image.Voxels);
        Assert.Contains(slice.Classes.Labels, c => c > 0);
    }

    [Theory]
    [InlineData(0, 8, 8, 2, "depth")]
    [InlineData(8, -1, 8, 2, "height")]
    [InlineData(8, 8, 0, 2, "width")]
    [InlineData(8, 8, 8, 1, "classes")]
    [InlineData(8, 8, 8, 4, "classes")]
    [InlineData(2000, 2000, 2000, 2, "depth")]
    public void A_bad_size_or_class_count_is_refused_naming_the_argument(int depth, int height, int width, int classes, string name)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticCells3D.Generate(1, depth, height, width, [1, 1, 1], classes));

        Assert.Equal(name, error.ParamName);
        Assert.Contains($"'{name}'", error.Message);
    }

    [Theory]
    [InlineData(new[] { 3.0, 1.0 }, "3 values, one per axis in (depth, height, width) order; 2 were given")]
    [InlineData(new[] { 3.0, 0.0, 1.0 }, "positive and finite along every axis; (3, 0, 1) was given")]
    [InlineData(new[] { -3.0, 1.0, 1.0 }, "positive and finite")]
    [InlineData(new[] { 3.0, double.NaN, 1.0 }, "positive and finite")]
    [InlineData(new[] { 3.0, 1.0, double.PositiveInfinity }, "positive and finite")]
    [InlineData(new[] { 6.0, 1.0, 1.0 }, "6 times coarser along one axis than along another; at most 5")]
    public void A_spacing_that_is_not_three_positive_numbers_within_5_times_of_each_other_is_refused(double[] spacing, string problem)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => SyntheticCells3D.Generate(1, 8, 8, 8, spacing));

        Assert.Equal("spacing", error.ParamName);
        Assert.Contains(problem, error.Message);
        Assert.Contains("'spacing'", error.Message);
    }

    [Fact]
    public void A_null_spacing_is_refused()
    {
        var error = Assert.Throws<ArgumentNullException>(() => SyntheticCells3D.Generate(1, 8, 8, 8, null!));

        Assert.Equal("spacing", error.ParamName);
    }

    [Fact]
    public void The_orthogonal_slices_picture_is_a_png_of_three_panels_with_thick_slices_stretched()
    {
        var sample = Generate(seed: 1, classes: 3);
        var path = _folder.File("synthetic3d-1.png");

        VolumePictures.OrthogonalSlices(path, sample.Image, sample.Classes, classCount: 3);

        // Panels: axial 96 x 96, coronal and sagittal 96 wide and 24 slices x 3 (the spacing ratio) = 72 high, 4-pixel gaps.
        var header = File.ReadAllBytes(path).AsSpan(0, 24);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, header[..8].ToArray());
        Assert.Equal("IHDR"u8.ToArray(), header[12..16].ToArray());
        Assert.Equal(96 + 4 + 96 + 4 + 96, BinaryPrimitives.ReadInt32BigEndian(header[16..20]));
        Assert.Equal(96, BinaryPrimitives.ReadInt32BigEndian(header[20..24]));
    }

    private static double Mean(float[] voxels, int[] labels, int label) =>
        Enumerable.Range(0, voxels.Length).Where(i => labels[i] == label).Average(i => voxels[i]);

    /// <summary>
    /// Distinct pairs of instances one background voxel apart along an axis (and how many of those along z), and
    /// 6-adjacent voxels of different instances.
    /// </summary>
    private static (int AcrossMembrane, int BetweenSlices, int FaceToFace) TouchingPairs(VolumeSample sample)
    {
        var (d, h, w) = (sample.Image.Depth, sample.Image.Height, sample.Image.Width);
        var instances = sample.Instances!;
        var across = new HashSet<(int, int)>();
        var betweenSlices = new HashSet<(int, int)>();
        var faceToFace = 0;
        (int Size, int Stride)[] axes = [(d, h * w), (h, w), (w, 1)];
        for (var i = 0; i < instances.Length; i++)
        {
            if (instances[i] == 0)
            {
                continue;
            }

            int[] position = [i / (h * w), i / w % h, i % w];
            for (var axis = 0; axis < 3; axis++)
            {
                var (size, stride) = axes[axis];
                if (position[axis] + 1 < size && instances[i + stride] > 0 && instances[i + stride] != instances[i])
                {
                    faceToFace++;
                }

                if (position[axis] + 2 < size && instances[i + stride] == 0 && instances[i + (2 * stride)] > 0 && instances[i + (2 * stride)] != instances[i])
                {
                    var pair = (Math.Min(instances[i], instances[i + (2 * stride)]), Math.Max(instances[i], instances[i + (2 * stride)]));
                    across.Add(pair);
                    if (axis == 0)
                    {
                        betweenSlices.Add(pair);
                    }
                }
            }
        }

        return (across.Count, betweenSlices.Count, faceToFace);
    }

    /// <summary>
    /// The mean in-plane extent (voxels from first to last along y and x) of the cells that touch no face of the
    /// volume, over their mean extent along z.
    /// </summary>
    private static double InPlaneOverDepthExtent(VolumeSample sample)
    {
        var (d, h, w) = (sample.Image.Depth, sample.Image.Height, sample.Image.Width);
        var instances = sample.Instances!;
        var count = instances.Max() + 1;
        var (low, high) = (new int[count, 3], new int[count, 3]);
        for (var id = 0; id < count; id++)
        {
            for (var axis = 0; axis < 3; axis++)
            {
                (low[id, axis], high[id, axis]) = (int.MaxValue, -1);
            }
        }

        for (var i = 0; i < instances.Length; i++)
        {
            int[] position = [i / (h * w), i / w % h, i % w];
            for (var axis = 0; axis < 3; axis++)
            {
                low[instances[i], axis] = Math.Min(low[instances[i], axis], position[axis]);
                high[instances[i], axis] = Math.Max(high[instances[i], axis], position[axis]);
            }
        }

        int[] sizes = [d, h, w];
        var inside = Enumerable.Range(1, count - 1)
            .Where(id => Enumerable.Range(0, 3).All(axis => low[id, axis] > 0 && high[id, axis] < sizes[axis] - 1))
            .ToList();
        Assert.True(inside.Count >= 20, $"Only {inside.Count} cells lie inside the volume.");
        double Extent(int axis) => inside.Average(id => high[id, axis] - low[id, axis] + 1);
        return (Extent(1) + Extent(2)) / 2 / Extent(0);
    }
}
