using System;

namespace UNetDsl.Inference;

/// <summary>
/// One spatial axis of an overlap-tile plan: how large a tile is and how far apart neighbouring tiles start.
/// </summary>
/// <remarks>
/// Tiles start at 0, <see cref="Stride"/>, 2 <see cref="Stride"/>, ... in the mirror-extended image; the last one is
/// moved back to end where the axis does, as far as the axis's pooling period allows (see <see cref="TileLayout"/>).
/// When the stride is a multiple of the pooling period every tile pools in the same phase as one pass over the whole
/// image would, so the stitched output does not depend on the tile size. A stride equal to <see cref="Output"/>
/// (what the three-argument constructor gives) lays tiles edge to edge, as the paper's figure 2 does.
/// </remarks>
/// <param name="Input">The input tile's side: a valid input size of the axis.</param>
/// <param name="Output">The output tile's side: the centre of the tile's output that may be kept,
/// <paramref name="Input"/> - 2 <paramref name="Margin"/>.</param>
/// <param name="Margin">Context mirrored around the image on each side of the axis: half what a 'Valid' network eats,
/// or the context a 'Same' network is given so that kept outputs stay clear of its zero padding.</param>
/// <param name="Stride">How far apart neighbouring tiles start, 1 to <paramref name="Output"/>; they overlap by
/// <paramref name="Output"/> - <paramref name="Stride"/>.</param>
public readonly record struct AxisTile(int Input, int Output, int Margin, int Stride)
{
    /// <summary>A tile laid edge to edge with its neighbours: the stride is the whole output tile.</summary>
    /// <param name="input">The input tile's side.</param>
    /// <param name="output">The output tile's side.</param>
    /// <param name="margin">Context mirrored around the image on each side.</param>
    public AxisTile(int input, int output, int margin)
        : this(input, output, margin, output)
    {
    }

    /// <summary>How many tiles cover an axis of <paramref name="length"/>: one when a tile covers it, else enough
    /// strides for the last tile to reach the end.</summary>
    /// <param name="length">The axis's length in the image, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is below 1, or the tile has no positive
    /// output and stride.</exception>
    public int TilesAlong(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        if (Output < 1 || Stride < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"A tile of output {Output} and stride {Stride} covers nothing; both must be at least 1.");
        }

        return length <= Output ? 1 : 1 + (int)(((long)length - Output + Stride - 1) / Stride);
    }
}
