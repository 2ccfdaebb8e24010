using System;
using static TorchSharp.torch;

namespace Diffusion;

/// <summary>The training data, made on the fly: 32x32 images of a filled disc, square or triangle, in [-1, 1].</summary>
public static class ShapeImages
{
    /// <summary>Image side in pixels.</summary>
    public const int Size = 32;

    /// <summary>Width of the context token: a one-hot shape class, zero-padded.</summary>
    public const int ContextChannels = 8;

    /// <summary>The shape classes.</summary>
    public static readonly string[] Classes = { "disc", "square", "triangle" };

    /// <summary>A batch of images [N, 1, 32, 32] and their context tokens [N, 1, 8].</summary>
    /// <param name="random">The source of shapes and positions.</param>
    /// <param name="count">Batch size.</param>
    /// <param name="classes">The class of each image; random when null.</param>
    public static (Tensor Images, Tensor Context) Batch(Random random, int count, int[]? classes = null)
    {
        var pixels = new float[count * Size * Size];
        var context = new float[count * ContextChannels];
        for (var n = 0; n < count; n++)
        {
            var shape = classes?[n] ?? random.Next(Classes.Length);
            context[(n * ContextChannels) + shape] = 1;
            var radius = 6 + (random.NextDouble() * 6);
            var cx = radius + 1 + (random.NextDouble() * (Size - (2 * radius) - 2));
            var cy = radius + 1 + (random.NextDouble() * (Size - (2 * radius) - 2));
            for (var y = 0; y < Size; y++)
            {
                for (var x = 0; x < Size; x++)
                {
                    var inside = Inside(shape, (x + 0.5 - cx) / radius, (y + 0.5 - cy) / radius);
                    pixels[(n * Size * Size) + (y * Size) + x] = inside ? 1f : -1f;
                }
            }
        }

        return (tensor(pixels, new long[] { count, 1, Size, Size }), tensor(context, new long[] { count, 1, ContextChannels }));
    }

    /// <summary>Context tokens for the given classes: [N, 1, 8].</summary>
    /// <param name="classes">The class of each sample.</param>
    public static Tensor Context(int[] classes)
    {
        var context = new float[classes.Length * ContextChannels];
        for (var n = 0; n < classes.Length; n++)
        {
            context[(n * ContextChannels) + classes[n]] = 1;
        }

        return tensor(context, new long[] { classes.Length, 1, ContextChannels });
    }

    // u, v: the pixel relative to the centre, in units of the radius.
    private static bool Inside(int shape, double u, double v) => shape switch
    {
        0 => (u * u) + (v * v) <= 1,
        1 => Math.Abs(u) <= 0.8 && Math.Abs(v) <= 0.8,
        _ => v <= 0.8 && v >= (2 * Math.Abs(u)) - 1,
    };
}
