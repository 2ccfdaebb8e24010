using System;
using System.Collections.Generic;
using System.Globalization;

namespace UNetDsl.Inference;

/// <summary>
/// The largest input tile a tile plan may use, so that one tile's feature maps fit in memory. The planner asks
/// <see cref="Fits"/> of candidate tiles and keeps the cheapest plan whose tile fits.
/// </summary>
/// <remarks>
/// The test must be monotone: a tile no larger on any axis than one that fits must fit too. The planner relies on
/// this to stop growing a tile at the first that does not. <see cref="InputElements"/> caps the tile's input pixels or
/// voxels; <see cref="Custom"/> takes any other test, such as an estimate of the network's activation memory per tile.
/// </remarks>
public sealed class TileBudget
{
    private readonly Func<IReadOnlyList<int>, bool> _fits;
    private readonly string _description;

    private TileBudget(Func<IReadOnlyList<int>, bool> fits, string description)
    {
        _fits = fits;
        _description = description;
    }

    /// <summary>A budget of at most <paramref name="maxElements"/> input pixels (2D) or voxels (3D) per tile.</summary>
    /// <param name="maxElements">The most input elements a tile may hold, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxElements"/> is below 1.</exception>
    public static TileBudget InputElements(long maxElements)
    {
        if (maxElements < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxElements), maxElements, "A tile budget of " + maxElements.ToString(CultureInfo.InvariantCulture) + " input elements admits no tile; give at least 1 (TilePlan.DefaultPixelsPerTile and TilePlan.DefaultVoxelsPerTile are the defaults).");
        }

        return new TileBudget(
            tile =>
            {
                var elements = 1L;
                foreach (var side in tile)
                {
                    elements *= side;
                }

                return elements <= maxElements;
            },
            "at most " + maxElements.ToString("N0", CultureInfo.InvariantCulture) + " input elements per tile");
    }

    /// <summary>A budget decided by <paramref name="fits"/>, which must be monotone (see the remarks on <see cref="TileBudget"/>).</summary>
    /// <param name="fits">True when an input tile of the given sides, in the tensor's axis order, fits.</param>
    /// <param name="description">What the budget is, for messages: "at most 2 GiB of activations per tile".</param>
    public static TileBudget Custom(Func<IReadOnlyList<int>, bool> fits, string description)
    {
        ArgumentNullException.ThrowIfNull(fits);
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        return new TileBudget(fits, description);
    }

    /// <summary>
    /// <paramref name="elements"/>, and besides a tile whose inference activations (the compiler's estimate,
    /// <see cref="ActivationMemory"/>) fit in <paramref name="bytes"/>: the default budget of overlap-tile prediction,
    /// with <see cref="MemoryBudget.Default"/>. A network without an estimate is held to <paramref name="elements"/> only.
    /// </summary>
    /// <param name="geometry">The network's geometry.</param>
    /// <param name="elements">The element budget.</param>
    /// <param name="bytes">The bytes one tile's activations may take.</param>
    /// <param name="bytesPerElement">4 for float32, 2 for bfloat16.</param>
    public static TileBudget WithinMemory(UNetGeometry geometry, TileBudget elements, long bytes, int bytesPerElement = 4)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(elements);
        if (geometry.ActivationMemory is not { } memory)
        {
            return elements;
        }

        return new TileBudget(
            tile => elements.Fits(tile) && memory.BytesPerSample(false, bytesPerElement, tile) <= bytes,
            elements._description + " and at most " + MemoryBudget.Describe(bytes) + " of activations");
    }

    /// <summary>True when an input tile of <paramref name="inputTile"/> (one side per spatial axis) fits.</summary>
    /// <param name="inputTile">The input tile's sides.</param>
    public bool Fits(IReadOnlyList<int> inputTile)
    {
        ArgumentNullException.ThrowIfNull(inputTile);
        return _fits(inputTile);
    }

    /// <summary>What the budget is: "at most 1,000,000 input elements per tile".</summary>
    public override string ToString() => _description;
}
