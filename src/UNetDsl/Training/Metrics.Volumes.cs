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
    /// <exception cref="ArgumentException">The mask does not hold depth x height x width values.</exception>
    public static int[] ConnectedComponents(bool[] mask, int depth, int height, int width, out int count)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (depth <= 0 || height <= 0 || width <= 0 || mask.Length != (long)depth * height * width)
        {
            throw new ArgumentException($"The mask holds {mask.Length:N0} values; a volume of {depth} x {height} x {width} needs {(long)Math.Max(0, depth) * Math.Max(0, height) * Math.Max(0, width):N0}.", nameof(mask));
        }

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
                Visit(x > 0, index - 1);
                Visit(x < width - 1, index + 1);
                Visit(y > 0, index - width);
                Visit(y < height - 1, index + width);
                Visit(z > 0, index - slice);
                Visit(z < depth - 1, index + slice);
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
