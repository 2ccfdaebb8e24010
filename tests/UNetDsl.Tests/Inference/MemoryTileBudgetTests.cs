using System;
using System.Linq;
using UNetDsl.Inference;
using Xunit;

namespace UNetDsl.Tests.Inference;

/// <summary>Tile plans within a memory budget: the compiler's activation estimate bounds the tile.</summary>
public sealed class MemoryTileBudgetTests
{
    [Fact]
    public void A_memory_budget_shrinks_the_tile_to_one_whose_activations_fit()
    {
        var geometry = FourPoolingNet.StaticGeometry;
        var memory = geometry.ActivationMemory!;
        var elements = TileBudget.InputElements(TilePlan.DefaultPixelsPerTile);
        var shape = new[] { 2048, 2048 };
        var free = TilePlan.Cheapest(geometry, shape, elements);
        var freeTile = free.Axes.Select(a => a.Input).ToArray();
        var freeBytes = memory.BytesPerSample(false, 4, freeTile);

        // A third of what the unconstrained tile needs: the plan must pick a smaller tile that fits.
        var bytes = freeBytes / 3;
        var budget = TileBudget.WithinMemory(geometry, elements, bytes);
        var bounded = TilePlan.Cheapest(geometry, shape, budget);
        var tile = bounded.Axes.Select(a => a.Input).ToArray();
        Assert.True(memory.BytesPerSample(false, 4, tile) <= bytes, $"{string.Join("x", tile)} does not fit {bytes} bytes");
        Assert.True(tile.Aggregate(1L, (p, s) => p * s) < freeTile.Aggregate(1L, (p, s) => p * s));
        Assert.Contains("of activations", budget.ToString(), StringComparison.Ordinal);

        // bfloat16 activations take half: the same bytes admit a tile at least as large.
        var reduced = TilePlan.Cheapest(geometry, shape, TileBudget.WithinMemory(geometry, elements, bytes, bytesPerElement: 2));
        Assert.True(reduced.Axes.Select(a => a.Input).Aggregate(1L, (p, s) => p * s) >= tile.Aggregate(1L, (p, s) => p * s));
    }

    [Fact]
    public void A_geometry_without_an_estimate_keeps_the_element_budget()
    {
        var geometry = FourPoolingNet.StaticGeometry with { ActivationMemory = null };
        var elements = TileBudget.InputElements(1000);
        Assert.Same(elements, TileBudget.WithinMemory(geometry, elements, 1));
    }
}
