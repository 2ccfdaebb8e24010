using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace UNetDsl.Training.Tests.Numerics;

public class DistanceTransformTests
{
    [Fact]
    public void Squared_distances_equal_brute_force_on_random_masks()
    {
        var random = new Random(3);
        for (var trial = 0; trial < 60; trial++)
        {
            var (w, h) = (random.Next(1, 25), random.Next(1, 25));
            var density = random.NextDouble() * 0.3;
            var mask = Enumerable.Range(0, w * h).Select(_ => random.NextDouble() < density).ToArray();

            var fast = DistanceTransform.SquaredDistances(mask, w, h);

            for (var i = 0; i < mask.Length; i++)
            {
                var best = DistanceTransform.Infinity;
                for (var j = 0; j < mask.Length; j++)
                {
                    if (mask[j])
                    {
                        var dx = (i % w) - (j % w);
                        var dy = (i / w) - (j / w);
                        best = Math.Min(best, (dx * dx) + (dy * dy));
                    }
                }

                Assert.True(best == fast[i], $"trial {trial} ({w}x{h}), pixel ({i % w}, {i / w}): brute force {best}, transform {fast[i]}");
            }
        }
    }

    [Fact]
    public void Distances_are_the_square_roots_and_an_empty_mask_is_infinitely_far()
    {
        // A single feature at (1, 1) of a 4x3 image: (3, 2) is sqrt(4 + 1) away.
        var mask = new bool[12];
        mask[(1 * 4) + 1] = true;

        var distances = DistanceTransform.Distances(mask, 4, 3);

        Assert.Equal(0f, distances[5]);
        Assert.Equal(MathF.Sqrt(5), distances[(2 * 4) + 3]);
        Assert.Equal(1f, distances[1]);
        Assert.All(DistanceTransform.SquaredDistances(new bool[12], 4, 3), d => Assert.Equal(DistanceTransform.Infinity, d));
    }

    [Fact]
    public void Double_transform_of_a_sampled_function_equals_brute_force()
    {
        // The general form: D(p) = min_q |p - q|^2 + f(q), with some samples absent (infinite).
        var random = new Random(5);
        for (var trial = 0; trial < 20; trial++)
        {
            var (w, h) = (random.Next(1, 15), random.Next(1, 15));
            var f = Enumerable.Range(0, w * h).Select(_ => random.NextDouble() < 0.3 ? double.PositiveInfinity : random.NextDouble() * 40).ToArray();
            var grid = (double[])f.Clone();

            DistanceTransform.Transform(grid, w, h);

            for (var i = 0; i < f.Length; i++)
            {
                var best = double.PositiveInfinity;
                for (var j = 0; j < f.Length; j++)
                {
                    var dx = (i % w) - (j % w);
                    var dy = (i / w) - (j / w);
                    best = Math.Min(best, (dx * dx) + (dy * dy) + f[j]);
                }

                if (double.IsPositiveInfinity(best))
                {
                    Assert.Equal(DistanceTransform.Infinity, grid[i]);
                }
                else
                {
                    Assert.Equal(best, grid[i], 9);
                }
            }
        }
    }

    [Theory]
    [InlineData(double.PositiveInfinity)]
    [InlineData(0.0)]
    [InlineData(3.0)]
    [InlineData(4.5)]
    [InlineData(7.2)]
    public void Nearest_two_instances_equal_brute_force_within_the_largest_distance(double maxDistance)
    {
        var random = new Random(7);
        for (var trial = 0; trial < 15; trial++)
        {
            var (w, h) = (random.Next(4, 22), random.Next(4, 22));
            var labels = RandomInstances(random, w, h, random.Next(0, 6));

            var (first, second) = DistanceTransform.NearestTwoInstances(labels, w, h, maxDistance);

            var (expectedFirst, expectedSecond) = BruteForceNearestTwo(labels, w, h, maxDistance);
            for (var i = 0; i < labels.Length; i++)
            {
                Assert.True(expectedFirst[i] == first[i], $"trial {trial}, pixel {i}: d1 {first[i]}, brute force {expectedFirst[i]}");
                Assert.True(expectedSecond[i] == second[i], $"trial {trial}, pixel {i}: d2 {second[i]}, brute force {expectedSecond[i]}");
            }
        }
    }

    [Fact]
    public void A_pixel_never_measures_its_own_instance()
    {
        // Cells 1 | 2 | 3 side by side on one row: the pixel of cell 2 sees cells 1 and 3 at distance 1.
        var (first, second) = DistanceTransform.NearestTwoInstances(new[] { 1, 2, 3 }, 3, 1);

        Assert.Equal(new[] { 1f, 1f, 1f }, first);
        Assert.Equal(new[] { 2f, 1f, 2f }, second);
    }

    [Fact]
    public void Bad_sizes_and_labels_are_rejected_with_the_sizes()
    {
        var error = Assert.Throws<ArgumentException>(() => DistanceTransform.SquaredDistances(new bool[10], 4, 3));
        Assert.Equal("The image has 10 pixels; 4x3 needs 12. (Parameter 'feature')", error.Message);

        error = Assert.Throws<ArgumentException>(() => DistanceTransform.Transform(new float[4], 0, 4));
        Assert.Equal("An image needs a positive width and height; got 0x4. (Parameter 'grid')", error.Message);

        error = Assert.Throws<ArgumentException>(() => DistanceTransform.NearestTwoInstances(new[] { 0, 1, -2, 0 }, 2, 2));
        Assert.Equal("Instance labels must be 0 (background) or positive; pixel (0, 1) is -2. (Parameter 'labels')", error.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => DistanceTransform.NearestTwoInstances(new int[4], 2, 2, -1));
    }

    internal static int[] RandomInstances(Random random, int w, int h, int count)
    {
        // Random discs and rectangles; later ones overwrite earlier ones, so instances may touch, nest or break up.
        var labels = new int[w * h];
        for (var c = 0; c < count; c++)
        {
            var label = random.Next(1, 1000);
            var (cx, cy, r) = (random.Next(w), random.Next(h), random.Next(1, 5));
            var disc = random.Next(2) == 0;
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    var inside = disc
                        ? ((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) <= r * r
                        : Math.Abs(x - cx) <= r && Math.Abs(y - cy) <= r / 2;
                    if (inside)
                    {
                        labels[(y * w) + x] = label;
                    }
                }
            }
        }

        return labels;
    }

    internal static (float[] First, float[] Second) BruteForceNearestTwo(int[] labels, int w, int h, double maxDistance)
    {
        var first = new float[labels.Length];
        var second = new float[labels.Length];
        var instances = labels.Where(l => l > 0).Distinct().ToArray();
        for (var i = 0; i < labels.Length; i++)
        {
            var squared = new List<int>();
            foreach (var instance in instances)
            {
                if (instance == labels[i])
                {
                    continue;
                }

                var best = int.MaxValue;
                for (var j = 0; j < labels.Length; j++)
                {
                    if (labels[j] == instance)
                    {
                        var dx = (i % w) - (j % w);
                        var dy = (i / w) - (j / w);
                        best = Math.Min(best, (dx * dx) + (dy * dy));
                    }
                }

                if (best <= maxDistance * maxDistance)
                {
                    squared.Add(best);
                }
            }

            squared.Sort();
            first[i] = squared.Count > 0 ? MathF.Sqrt(squared[0]) : DistanceTransform.Infinity;
            second[i] = squared.Count > 1 ? MathF.Sqrt(squared[1]) : DistanceTransform.Infinity;
        }

        return (first, second);
    }
}
