using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace UNetDsl.Training.Tests.Numerics;

/// <summary>
/// The distance transform and the weight map of volumes with anisotropic voxels: against brute force, against the
/// image versions (one slice; slices too far apart to see each other), against scipy, and by hand.
/// </summary>
public class WeightMapVolumeTests
{
    private const double Tolerance = 1e-4;

    private static readonly Volumes.ReferenceScript Scipy = new(
        System.IO.Path.Combine("Numerics", "distance_reference.py"),
        "scipy",
        "eng/setup-python-torch.sh (as root), which installs Debian's python3-skimage and with it python3-scipy");

    // ---- Distances ---------------------------------------------------------------------------------------------------

    // Each largest distance is chosen off every squared distance the spacing can give (whole numbers for (1, 1, 1),
    // multiples of 1/16 for (2.5, 1.25, 1)), so that float rounding cannot put a voxel on the other side of it.
    [Theory]
    [InlineData(1.0, 1.0, 1.0, double.PositiveInfinity)]
    [InlineData(1.0, 1.0, 1.0, 3.5)]
    [InlineData(4.0, 1.0, 1.0, double.PositiveInfinity)]
    [InlineData(4.0, 1.0, 1.0, 4.3)]
    [InlineData(2.5, 1.25, 1.0, double.PositiveInfinity)]
    [InlineData(2.5, 1.25, 1.0, 6.6)]
    [InlineData(0.5, 2.0, 1.0, double.PositiveInfinity)]
    [InlineData(0.5, 2.0, 1.0, 5.3)]
    public void Nearest_two_instances_equal_brute_force_on_random_volumes(double z, double y, double x, double maxDistance)
    {
        var spacing = new[] { z, y, x };
        var random = new Random(17);
        for (var trial = 0; trial < 15; trial++)
        {
            var (d, h, w) = (random.Next(1, 7), random.Next(3, 13), random.Next(3, 13));
            var labels = RandomVolume(random, d, h, w, random.Next(0, 7));

            var (first, second) = DistanceTransform.NearestTwoInstances(labels, d, h, w, spacing, maxDistance);

            var (expectedFirst, expectedSecond) = BruteForceNearestTwo(labels, d, h, w, spacing, maxDistance);
            AssertClose(expectedFirst, first, $"trial {trial} ({d}x{h}x{w}) d1");
            AssertClose(expectedSecond, second, $"trial {trial} ({d}x{h}x{w}) d2");
        }
    }

    [Fact]
    public void Distances_are_in_units_of_the_smallest_spacing()
    {
        // Two slices of one row of three, spacing (4, 1, 1): instance 1 at (z, x) = (0, 0), instance 2 at (1, 2). The
        // voxel (0, 1) is 1 from instance 1 and sqrt(4^2 + 1^2) from instance 2; (0, 2) is 2 and 4 from them.
        var labels = new[] { 1, 0, 0, 0, 0, 2 };

        var (first, second) = DistanceTransform.NearestTwoInstances(labels, 2, 1, 3, new[] { 4.0, 1, 1 });

        Assert.Equal(new[] { MathF.Sqrt(20), 1, 2, 2, 1, MathF.Sqrt(20) }, first);
        Assert.Equal(new[] { DistanceTransform.Infinity, MathF.Sqrt(17), 4, 4, MathF.Sqrt(17), DistanceTransform.Infinity }, second);

        // Only the ratios count: (8, 2, 2) is (4, 1, 1), and (2, 2, 2) plain voxel distances.
        var random = new Random(23);
        var volume = RandomVolume(random, 5, 9, 8, 6);
        AssertSame(DistanceTransform.NearestTwoInstances(volume, 5, 9, 8, new[] { 4.0, 1, 1 }), DistanceTransform.NearestTwoInstances(volume, 5, 9, 8, new[] { 8.0, 2, 2 }));
        AssertSame(DistanceTransform.NearestTwoInstances(volume, 5, 9, 8, new[] { 1.0, 1, 1 }), DistanceTransform.NearestTwoInstances(volume, 5, 9, 8, new[] { 2.0, 2, 2 }));
    }

    [Fact]
    public void A_volume_of_one_slice_is_the_image()
    {
        var random = new Random(29);
        for (var trial = 0; trial < 20; trial++)
        {
            var (w, h) = (random.Next(4, 30), random.Next(4, 30));
            var labels = DistanceTransformTests.RandomInstances(random, w, h, random.Next(0, 8));
            var maxDistance = trial % 2 == 0 ? double.PositiveInfinity : random.Next(0, 12) + 0.5;

            var image = DistanceTransform.NearestTwoInstances(labels, w, h, maxDistance);

            // The spacing along z means nothing for one slice; square pixels give the image's distances to the bit.
            AssertSame(image, DistanceTransform.NearestTwoInstances(labels, 1, h, w, new[] { 1.0, 1, 1 }, maxDistance));
            AssertSame(image, DistanceTransform.NearestTwoInstances(labels, 1, h, w, new[] { 3.0, 1, 1 }, maxDistance));

            // The weight map likewise, with three classes and ignored pixels.
            var classes = labels.Select((l, i) => l == 0 ? (i % 13 == 0 ? 255 : 0) : 1 + (l % 2)).ToArray();
            Assert.Equal(
                WeightMap.ComputeForClasses(classes, labels, 3, w, h, ignore: 255),
                WeightMap.ComputeForClasses(classes, labels, 3, 1, h, w, new[] { 1.0, 1, 1 }, ignore: 255));
        }
    }

    [Fact]
    public void Slices_far_apart_each_get_their_image_distances_and_border_term()
    {
        const int D = 4, H = 40, W = 48;
        var random = new Random(31);
        var slices = Enumerable.Range(0, D).Select(_ => DistanceTransformTests.RandomInstances(random, W, H, random.Next(2, 12))).ToArray();
        var labels = slices.SelectMany(s => s).ToArray();

        // Slices 1e6 apart: within 10 pixels no other slice is seen. Labels repeat across slices at random; a
        // label's part in another slice is just as far.
        var (first, second) = DistanceTransform.NearestTwoInstances(labels, D, H, W, new[] { 1e6, 1, 1 }, 10);

        // Slices infinitely apart (as far as a double goes): not even without a largest distance.
        var (firstApart, secondApart) = DistanceTransform.NearestTwoInstances(labels, D, H, W, new[] { double.MaxValue, 1, 1 });
        for (var z = 0; z < D; z++)
        {
            var (imageFirst, imageSecond) = DistanceTransform.NearestTwoInstances(slices[z], W, H, 10);
            Assert.Equal(imageFirst, first.Skip(z * H * W).Take(H * W));
            Assert.Equal(imageSecond, second.Skip(z * H * W).Take(H * W));

            (imageFirst, imageSecond) = DistanceTransform.NearestTwoInstances(slices[z], W, H);
            Assert.Equal(imageFirst, firstApart.Skip(z * H * W).Take(H * W));
            Assert.Equal(imageSecond, secondApart.Skip(z * H * W).Take(H * W));
        }

        // The weight map: the class balance is the volume's, the border term each slice's own.
        var classes = labels.Select(l => l > 0 ? 1 : 0).ToArray();
        var volumeWeights = ClassWeights(classes, 2);
        var map = WeightMap.ComputeForClasses(classes, labels, 2, D, H, W, new[] { 50.0, 1, 1 });
        for (var z = 0; z < D; z++)
        {
            var sliceClasses = classes.Skip(z * H * W).Take(H * W).ToArray();
            var sliceWeights = ClassWeights(sliceClasses, 2);
            var image = WeightMap.ComputeForClasses(sliceClasses, slices[z], 2, W, H);
            for (var i = 0; i < H * W; i++)
            {
                var border = map[(z * H * W) + i] - volumeWeights[sliceClasses[i]];
                var imageBorder = image[i] - sliceWeights[sliceClasses[i]];
                Assert.True(Math.Abs(border - imageBorder) < 1e-5, $"slice {z}, pixel ({i % W}, {i / W}): border term {border} in the volume, {imageBorder} in the image");
            }
        }
    }

    [Fact]
    public void Nearest_two_instances_match_scipy_on_anisotropic_volumes()
    {
        var random = new Random(37);
        var cases = new List<(string Name, int D, int H, int W, double[] Spacing, int[] Labels)>();
        foreach (var spacing in new[] { new[] { 12.5, 1, 1 }, new[] { 3.3, 1.1, 0.9 }, new[] { 1.0, 2.5, 1.5 }, new[] { 1.0, 1, 1 } })
        {
            for (var k = 0; k < 3; k++)
            {
                var (d, h, w) = (random.Next(2, 8), random.Next(5, 16), random.Next(5, 16));
                cases.Add(($"s{string.Join('_', spacing)}_{k}", d, h, w, spacing, RandomVolume(random, d, h, w, random.Next(2, 9))));
            }
        }

        var reports = Volumes.PythonReference.Run(Scipy, "nearest-two", cases.Select(c => new
        {
            name = c.Name,
            shape = new[] { c.D, c.H, c.W },
            spacing = c.Spacing,
            labels = c.Labels,
        }));

        foreach (var c in cases)
        {
            var (first, second) = DistanceTransform.NearestTwoInstances(c.Labels, c.D, c.H, c.W, c.Spacing);
            AssertClose(ScipyDistances(reports[c.Name], "first"), first, $"{c.Name} ({c.D}x{c.H}x{c.W}) d1 against scipy");
            AssertClose(ScipyDistances(reports[c.Name], "second"), second, $"{c.Name} ({c.D}x{c.H}x{c.W}) d2 against scipy");
        }
    }

    // ---- The weight map ----------------------------------------------------------------------------------------------

    [Fact]
    public void Classes_are_balanced_over_the_labelled_voxels_and_ignored_voxels_weigh_nothing()
    {
        const int D = 5, H = 14, W = 17;
        var random = new Random(41);
        var instances = RandomVolume(random, D, H, W, 8);
        var classes = instances.Select(l => l == 0 ? 0 : 1 + (l % 2)).ToArray();
        for (var i = 0; i < classes.Length; i++)
        {
            classes[i] = random.NextDouble() < 0.15 ? 255 : classes[i];
        }

        var spacing = new[] { 3.0, 1, 1 };

        // Without the border term the map is w_c: the most frequent labelled class 1, each other majority / count.
        var balanced = WeightMap.ComputeForClasses(classes, instances, 3, D, H, W, spacing, w0: 0, ignore: 255);
        var counts = Enumerable.Range(0, 3).Select(c => classes.Count(v => v == c)).ToArray();
        Assert.All(counts, n => Assert.True(n > 0));
        for (var i = 0; i < classes.Length; i++)
        {
            Assert.Equal(classes[i] == 255 ? 0f : (float)((double)counts.Max() / counts[classes[i]]), balanced[i]);
        }

        // Every labelled class carries the same total weight.
        var totals = Enumerable.Range(0, 3).Select(c => balanced.Where((_, i) => classes[i] == c).Sum(v => (double)v)).ToArray();
        Assert.All(totals, t => Assert.Equal(totals[0], t, 2));

        // With the border term, ignored voxels stay exactly 0, also where the term would be largest.
        var map = WeightMap.ComputeForClasses(classes, instances, 3, D, H, W, spacing, ignore: 255);
        Assert.All(Enumerable.Range(0, classes.Length).Where(i => classes[i] == 255), i => Assert.Equal(0f, map[i]));
        Assert.Contains(Enumerable.Range(0, classes.Length), i => classes[i] == 0 && map[i] > balanced[i] + 1);
    }

    [Fact]
    public void Without_class_balancing_every_class_weighs_one_and_the_border_term_adds_the_same()
    {
        const int D = 4, H = 15, W = 13;
        var random = new Random(43);
        var instances = RandomVolume(random, D, H, W, 6);
        var classes = instances.Select(l => l == 0 ? 0 : 1 + (l % 2)).ToArray();
        classes[7] = 255;
        var spacing = new[] { 2.0, 1, 1 };

        // No border term: 1 on every labelled voxel (the plain cross-entropy's weights), 0 on the unlabelled one.
        var plain = WeightMap.ComputeForClasses(classes, instances, 3, D, H, W, spacing, w0: 0, ignore: 255, balanceClasses: false);
        for (var i = 0; i < classes.Length; i++)
        {
            Assert.Equal(classes[i] == 255 ? 0f : 1f, plain[i]);
        }

        // The border term on top is the balanced map's, voxel for voxel: only w_c went.
        var balanced = WeightMap.ComputeForClasses(classes, instances, 3, D, H, W, spacing, ignore: 255);
        var classWeights = WeightMap.ComputeForClasses(classes, instances, 3, D, H, W, spacing, w0: 0, ignore: 255);
        var unbalanced = WeightMap.ComputeForClasses(classes, instances, 3, D, H, W, spacing, ignore: 255, balanceClasses: false);
        Assert.Contains(Enumerable.Range(0, classes.Length), i => classWeights[i] > 1.5f);
        Assert.Contains(Enumerable.Range(0, classes.Length), i => unbalanced[i] > 1.5f);
        for (var i = 0; i < classes.Length; i++)
        {
            Assert.Equal(balanced[i] - classWeights[i], unbalanced[i] - plain[i], 5);
        }

        // The 2D overload passes the choice on.
        var image = WeightMap.ComputeForClasses(classes.Take(H * W).ToArray(), instances.Take(H * W).ToArray(), 3, W, H, w0: 0, ignore: 255, balanceClasses: false);
        Assert.All(Enumerable.Range(0, H * W), i => Assert.Equal(classes[i] == 255 ? 0f : 1f, image[i]));
    }

    [Fact]
    public void The_border_term_peaks_in_the_gap_between_two_touching_cells()
    {
        // Two boxes over slices 1..3, rows 3..12, one at x = 2..7, the other at x = 9..14: the plane x = 8 between them
        // is one voxel from each, d1 = d2 = 1.
        const int D = 5, H = 16, W = 17;
        var instances = new int[D * H * W];
        for (var z = 1; z <= 3; z++)
        {
            for (var y = 3; y <= 12; y++)
            {
                for (var x = 2; x <= 14; x++)
                {
                    instances[(((z * H) + y) * W) + x] = x < 8 ? 1 : x > 8 ? 2 : 0;
                }
            }
        }

        var classes = instances.Select(l => l > 0 ? 1 : 0).ToArray();

        var map = WeightMap.ComputeForClasses(classes, instances, 2, D, H, W, new[] { 4.0, 1, 1 });

        var background = 1.0;
        var cell = (double)classes.Count(c => c == 0) / classes.Count(c => c == 1);
        var gap = (((2 * H) + 7) * W) + 8;
        Assert.Equal(background + (10 * Math.Exp(-(2.0 * 2.0) / (2 * 5 * 5))), map[gap], 5);
        Assert.Equal(map.Max(), map[gap]);

        // Everywhere: the formula with brute-force distances, up to the cut-off's 1e-6.
        var (d1, d2) = BruteForceNearestTwo(instances, D, H, W, new[] { 4.0, 1, 1 }, double.PositiveInfinity);
        for (var i = 0; i < map.Length; i++)
        {
            var expected = classes[i] == 1 ? cell : background + (10 * Math.Exp(-Math.Pow((double)d1[i] + d2[i], 2) / 50));
            Assert.True(Math.Abs(expected - map[i]) < 5e-6, $"voxel {i}: formula {expected}, map {map[i]}");
        }
    }

    [Fact]
    public void A_border_voxel_between_thick_slices_by_hand()
    {
        // Two slices of one row of five, spacing (2, 1, 1). Instance 1 at x = 0..1 of slice 0, instance 2 at x = 3..4
        // of slice 1: 4 cell voxels and 6 background, so background weighs 1 and cells 6/4.
        int[] instances = { 1, 1, 0, 0, 0, 0, 0, 0, 2, 2 };
        var classes = instances.Select(l => l > 0 ? 1 : 0).ToArray();

        var map = WeightMap.ComputeForClasses(classes, instances, 2, 2, 1, 5, new[] { 2.0, 1, 1 });

        // (z, x) = (0, 2): 1 from instance 1 (x = 1), sqrt(2^2 + 1^2) from instance 2 (slice 1, x = 3).
        var border = 10 * Math.Exp(-Math.Pow(1 + Math.Sqrt(5), 2) / (2 * 5 * 5));
        Assert.Equal(1 + border, map[2], 5);

        // (1, 2) by symmetry; (0, 4): 2 from instance 2 straight across, 3 from instance 1.
        Assert.Equal(1 + border, map[5 + 2], 5);
        Assert.Equal(1 + (10 * Math.Exp(-25.0 / 50)), map[4], 5);
        Assert.All(new[] { 0, 1, 8, 9 }, i => Assert.Equal(1.5f, map[i]));
    }

    // ---- Bad arguments -----------------------------------------------------------------------------------------------

    [Fact]
    public void Bad_sizes_spacings_and_labels_are_rejected_naming_the_problem()
    {
        var spacing = new[] { 4.0, 1, 1 };

        Assert.Equal("labels", Assert.Throws<ArgumentNullException>(() => DistanceTransform.NearestTwoInstances(null!, 2, 2, 3, spacing)).ParamName);
        Assert.Equal(
            "The volume has 10 voxels; 2 x 2 x 3 needs 12. (Parameter 'labels')",
            Assert.Throws<ArgumentException>(() => DistanceTransform.NearestTwoInstances(new int[10], 2, 2, 3, spacing)).Message);
        Assert.Equal(
            "A volume needs a positive depth, height and width; got 0 x 2 x 3. (Parameter 'labels')",
            Assert.Throws<ArgumentException>(() => DistanceTransform.NearestTwoInstances(new int[0], 0, 2, 3, spacing)).Message);
        Assert.Equal("spacing", Assert.Throws<ArgumentNullException>(() => DistanceTransform.NearestTwoInstances(new int[12], 2, 2, 3, null!)).ParamName);
        Assert.Equal(
            "The spacing needs 3 values, the voxel size along z, y and x; got 2. (Parameter 'spacing')",
            Assert.Throws<ArgumentException>(() => DistanceTransform.NearestTwoInstances(new int[12], 2, 2, 3, new[] { 1.0, 1 })).Message);
        foreach (var (bad, axis) in new[] { (new[] { 0.0, 1, 1 }, 'z'), (new[] { 1, -2.0, 1 }, 'y'), (new[] { 1, 1, double.NaN }, 'x'), (new[] { double.PositiveInfinity, 1, 1 }, 'z') })
        {
            var error = Assert.Throws<ArgumentException>(() => DistanceTransform.NearestTwoInstances(new int[12], 2, 2, 3, bad));
            Assert.StartsWith($"The voxel size along {axis} is ", error.Message);
            Assert.EndsWith("every spacing must be positive and finite. (Parameter 'spacing')", error.Message);
        }

        Assert.Equal("maxDistance", Assert.Throws<ArgumentOutOfRangeException>(() => DistanceTransform.NearestTwoInstances(new int[12], 2, 2, 3, spacing, -1)).ParamName);
        var labels = new int[12];
        labels[(((1 * 2) + 0) * 3) + 1] = -3;
        Assert.Equal(
            "Instance labels must be 0 (background) or positive; voxel (1, 0, 1) is -3. (Parameter 'labels')",
            Assert.Throws<ArgumentException>(() => DistanceTransform.NearestTwoInstances(labels, 2, 2, 3, spacing)).Message);

        // The weight map checks its own arguments before any distance is taken.
        Assert.Equal(
            "The label volumes have 12 and 11 voxels; 2 x 2 x 3 needs 12. (Parameter 'classes')",
            Assert.Throws<ArgumentException>(() => WeightMap.ComputeForClasses(new int[12], new int[11], 2, 2, 2, 3, spacing)).Message);
        Assert.StartsWith(
            "The spacing needs 3 values",
            Assert.Throws<ArgumentException>(() => WeightMap.ComputeForClasses(new int[12], new int[12], 2, 2, 2, 3, new[] { 1.0, 1, 1, 1 }, w0: 0)).Message);
        Assert.Equal(
            "Class 2 is not one of the 2 classes (0..1). (Parameter 'classes')",
            Assert.Throws<ArgumentException>(() => WeightMap.ComputeForClasses(new[] { 0, 1, 2, 0, 0, 0 }, new int[6], 2, 1, 2, 3, spacing)).Message);
        Assert.Equal("classCount", Assert.Throws<ArgumentOutOfRangeException>(() => WeightMap.ComputeForClasses(new int[6], new int[6], 0, 1, 2, 3, spacing)).ParamName);
        Assert.Equal("sigma", Assert.Throws<ArgumentOutOfRangeException>(() => WeightMap.ComputeForClasses(new int[6], new int[6], 2, 1, 2, 3, spacing, sigma: 0)).ParamName);
    }

    // ---- Helpers -----------------------------------------------------------------------------------------------------

    /// <summary>Random ellipsoids and boxes of random labels 1..999; later ones overwrite earlier ones, so instances may touch, nest or break up.</summary>
    internal static int[] RandomVolume(Random random, int d, int h, int w, int count)
    {
        var labels = new int[d * h * w];
        for (var c = 0; c < count; c++)
        {
            var label = random.Next(1, 1000);
            var (cz, cy, cx) = (random.Next(d), random.Next(h), random.Next(w));
            var (rz, ry, rx) = (random.Next(0, 3), random.Next(1, 5), random.Next(1, 5));
            var ellipsoid = random.Next(2) == 0;
            for (var z = 0; z < d; z++)
            {
                for (var y = 0; y < h; y++)
                {
                    for (var x = 0; x < w; x++)
                    {
                        var (dz, dy, dx) = ((double)(z - cz) / (rz + 0.5), (double)(y - cy) / (ry + 0.5), (double)(x - cx) / (rx + 0.5));
                        var inside = ellipsoid ? (dz * dz) + (dy * dy) + (dx * dx) <= 1 : Math.Abs(dz) < 1 && Math.Abs(dy) < 1 && Math.Abs(dx) < 1;
                        if (inside)
                        {
                            labels[(((z * h) + y) * w) + x] = label;
                        }
                    }
                }
            }
        }

        return labels;
    }

    /// <summary>For every voxel, every other instance's nearest voxel by exhaustive search, in units of the smallest spacing.</summary>
    internal static (float[] First, float[] Second) BruteForceNearestTwo(int[] labels, int d, int h, int w, double[] spacing, double maxDistance)
    {
        var shortest = spacing.Min();
        var (sz, sy, sx) = (spacing[0] / shortest, spacing[1] / shortest, spacing[2] / shortest);
        var instances = labels.Where(l => l > 0).Distinct().ToArray();
        var first = new float[labels.Length];
        var second = new float[labels.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            var squared = new List<double>();
            foreach (var instance in instances.Where(l => l != labels[i]))
            {
                var best = double.PositiveInfinity;
                for (var j = 0; j < labels.Length; j++)
                {
                    if (labels[j] == instance)
                    {
                        var (dz, dy, dx) = (((i / (h * w)) - (j / (h * w))) * sz, ((i / w % h) - (j / w % h)) * sy, ((i % w) - (j % w)) * sx);
                        best = Math.Min(best, (dz * dz) + (dy * dy) + (dx * dx));
                    }
                }

                if (best <= maxDistance * maxDistance)
                {
                    squared.Add(best);
                }
            }

            squared.Sort();
            first[i] = squared.Count > 0 ? (float)Math.Sqrt(squared[0]) : DistanceTransform.Infinity;
            second[i] = squared.Count > 1 ? (float)Math.Sqrt(squared[1]) : DistanceTransform.Infinity;
        }

        return (first, second);
    }

    /// <summary>w_c as the weight map documents it: the most frequent class 1, each other (majority) / (its count).</summary>
    private static double[] ClassWeights(int[] classes, int classCount)
    {
        var counts = Enumerable.Range(0, classCount).Select(c => classes.Count(v => v == c)).ToArray();
        return counts.Select(n => n == 0 ? 1.0 : (double)(float)((double)counts.Max() / n)).ToArray();
    }

    private static float[] ScipyDistances(System.Text.Json.JsonElement report, string property) =>
        report.GetProperty(property).EnumerateArray()
            .Select(v => v.ValueKind == System.Text.Json.JsonValueKind.Null ? DistanceTransform.Infinity : (float)v.GetDouble())
            .ToArray();

    private static void AssertSame((float[] First, float[] Second) expected, (float[] First, float[] Second) actual)
    {
        Assert.Equal(expected.First, actual.First);
        Assert.Equal(expected.Second, actual.Second);
    }

    /// <summary>Equal to <see cref="Tolerance"/>, or both "no instance".</summary>
    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var same = expected[i] >= DistanceTransform.Infinity
                ? actual[i] >= DistanceTransform.Infinity
                : Math.Abs(expected[i] - actual[i]) <= Tolerance;
            Assert.True(same, $"{what}, voxel {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
