using System;
using System.Linq;
using UNetDsl.Inference;
using Xunit;

namespace UNetDsl.Tests.Inference3D;

/// <summary>The tiles a whole volume is segmented with: thin axes in one tile, a voxel budget, context for 'Same' axes.</summary>
public class VolumeTilePlanTests
{
    [Theory]
    [InlineData(5, 512, 512)]
    [InlineData(20, 512, 512)]
    [InlineData(64, 64, 64)]
    [InlineData(1, 3, 300)]
    public void A_volume_plan_keeps_within_the_voxel_budget_and_covers_thin_axes_in_one_tile(int depth, int height, int width)
    {
        foreach (var geometry in new[] { SameThickSliceNet.StaticGeometry, ValidThickSliceNet.StaticGeometry, SameVolumeNet.StaticGeometry })
        {
            var plan = TilePlan.ForVolume(geometry, [depth, height, width], voxelsPerTile: 200_000);
            var voxels = plan.Axes.Aggregate(1L, (p, a) => p * a.Input);
            var context = geometry.SizeRules.Select(r => r.Shrink > 0 ? 0 : Math.Min(16, 2 * r.Step)).ToArray();
            var smallest = TilePlan.For(geometry, [1, 1, 1], context);
            var atSmallest = Enumerable.Range(0, 3).All(a => plan.Axes[a].Output <= 2 * smallest.Axes[a].Output || plan.Axes[a].Output >= new[] { depth, height, width }[a]);
            Assert.True(voxels <= 200_000 || atSmallest, $"{geometry.Name} [{depth}, {height}, {width}]: {plan} holds {voxels:N0} voxels");
            if (depth <= 20)
            {
                Assert.True(plan.Axes[0].Output >= depth, $"{geometry.Name}: a thin axis is one tile deep: {plan}");
            }

            for (var axis = 0; axis < 3; axis++)
            {
                var rule = geometry.SizeRules[axis];
                Assert.True(rule.IsValid(plan.Axes[axis].Input), $"{geometry.Name} axis {axis}: {plan}");
                Assert.Equal(rule.Shrink > 0 ? rule.Shrink / 2 : Math.Min(16, 2 * rule.Step), plan.Axes[axis].Margin);
                Assert.Equal(plan.Axes[axis].Input - (2 * plan.Axes[axis].Margin), plan.Axes[axis].Output);
            }
        }
    }

    [Fact]
    public void A_thin_stack_is_one_tile_deep_and_split_in_plane()
    {
        var plan = TilePlan.ForVolume(SameThickSliceNet.StaticGeometry, [5, 512, 512], voxelsPerTile: 1_000_000);
        Assert.True(plan.Axes[0].Output >= 5, plan.ToString());
        Assert.True(plan.Axes[1].Output < 512 && plan.Axes[2].Output < 512, plan.ToString());
        Assert.True(plan.Axes.Aggregate(1L, (p, a) => p * a.Input) <= 1_000_000, plan.ToString());
    }

    [Fact]
    public void A_plan_for_a_2D_network_or_a_bad_shape_is_refused()
    {
        Assert.Throws<ArgumentException>(() => TilePlan.ForVolume(UNetDsl.Tests.Training.TrainerNet.StaticGeometry, [4, 4, 4]));
        Assert.Throws<ArgumentException>(() => TilePlan.ForVolume(SameVolumeNet.StaticGeometry, [0, 4, 4]));
        Assert.Throws<ArgumentException>(() => TilePlan.ForVolume(SameVolumeNet.StaticGeometry, [4, 4]));
    }
}
