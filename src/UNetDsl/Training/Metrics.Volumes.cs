using System;

namespace UNetDsl.Training;

/// <summary>Connected components of volumes.</summary>
public static partial class Metrics
{
    /// <summary>
    /// Labels the 6-connected components of a volume mask 1..<paramref name="count"/> in raster order of their first
    /// voxel (0 = background): voxels join across faces, not edges or corners, the 3D analogue of the 2D 4-connectivity.
    /// </summary>
    /// <param name="mask">Mask in (z, y, x) row-major order.</param>
    /// <param name="depth">Slices.</param>
    /// <param name="height">Rows per slice.</param>
    /// <param name="width">Columns per row.</param>
    /// <param name="count">The number of components.</param>
    /// <param name="joinedAxes">Along which axes (z, y, x) neighbours join; null for all three. Leaving z out labels
    /// each slice's components on their own.</param>
    /// <exception cref="ArgumentException">The mask does not hold depth x height x width values.</exception>
    public static int[] ConnectedComponents(bool[] mask, int depth, int height, int width, out int count, bool[]? joinedAxes = null)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (depth <= 0 || height <= 0 || width <= 0 || mask.Length != (long)depth * height * width)
        {
            throw new ArgumentException($"The mask holds {mask.Length:N0} values; a volume of {depth} x {height} x {width} needs {(long)Math.Max(0, depth) * Math.Max(0, height) * Math.Max(0, width):N0}.", nameof(mask));
        }

        if (joinedAxes is not null && joinedAxes.Length != 3)
        {
            throw new ArgumentException($"joinedAxes has {joinedAxes.Length} values; give one per axis (z, y, x).", nameof(joinedAxes));
        }

        var (alongZ, alongY, alongX) = joinedAxes is null ? (true, true, true) : (joinedAxes[0], joinedAxes[1], joinedAxes[2]);
        var labels = new int[mask.Length];
        var slice = height * width;

        // Every voxel is pushed at most once (it is labelled when pushed), so the stack never outgrows the volume.
        var stack = new int[mask.Length];
        var next = 0;
        var top = 0;
        for (var start = 0; start < mask.Length; start++)
        {
            if (!mask[start] || labels[start] != 0)
            {
                continue;
            }

            next++;
            labels[start] = next;
            top = 0;
            stack[top++] = start;
            while (top > 0)
            {
                var index = stack[--top];
                var x = index % width;
                var y = index / width % height;
                var z = index / slice;
                Visit(alongX && x > 0, index - 1);
                Visit(alongX && x < width - 1, index + 1);
                Visit(alongY && y > 0, index - width);
                Visit(alongY && y < height - 1, index + width);
                Visit(alongZ && z > 0, index - slice);
                Visit(alongZ && z < depth - 1, index + slice);
            }
        }

        count = next;
        return labels;

        void Visit(bool inside, int neighbour)
        {
            if (inside && mask[neighbour] && labels[neighbour] == 0)
            {
                labels[neighbour] = next;
                stack[top++] = neighbour;
            }
        }
    }
}
