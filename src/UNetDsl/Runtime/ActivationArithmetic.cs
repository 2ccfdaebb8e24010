// This file is compiled into the runtime library (namespace UNetDsl, for ActivationMemory) and, as linked source, into
// the source generator (namespace UNetDsl.Generators.Shapes, for the summary and the tests): the figure the summary
// states and the figure the generated members return come from the same lines. Pure functions of integers.
using System;
using System.Collections.Generic;

#if UNETDSL_GENERATOR
namespace UNetDsl.Generators.Shapes;
#else
namespace UNetDsl;
#endif

/// <summary>
/// Replays a network's memory events at one input size: the peak of the bytes live at once, per sample.
/// </summary>
/// <remarks>
/// <para>
/// A <em>grid</em> is a spatial size that grows with the input: along each axis <c>base + slope * k</c>, where k counts
/// the steps of the axis's valid-size rule above its smallest size (<c>input = min + step * k</c>). Every feature map
/// of a U-Net lies on such a grid, because every layer maps valid sizes affinely.
/// </para>
/// <para>
/// A <em>size</em> is a tensor's per-sample element count and element type, four numbers: its grid, a factor (channels,
/// or heads), the power of the grid's volume (0 for a per-sample vector, 1 for a map, 2 for an attention matrix over
/// the map's pixels), and its kind (0: the network's floating type; 1: 64-bit integers, as pooling indices are).
/// </para>
/// <para>
/// An <em>event</em> is <c>s + 1</c> when a tensor of size s is allocated and <c>-(s + 1)</c> when it is freed, in the
/// order the forward (and, for a training step, the backward) pass does so. The peak is the largest running sum.
/// </para>
/// </remarks>
internal static class ActivationArithmetic
{
    /// <summary>Numbers per entry of the size table.</summary>
    public const int SizeFields = 4;

    /// <summary>The size kind of the network's floating type.</summary>
    public const int FloatKind = 0;

    /// <summary>The size kind of 64-bit integer tensors (pooling indices): 8 bytes whatever the network's type.</summary>
    public const int IndexKind = 1;

    /// <summary>The bytes per sample of each entry of <paramref name="sizes"/>, at the grid steps <paramref name="steps"/>.</summary>
    /// <param name="grids">Per grid, per axis, base and slope: <c>2 * axes</c> numbers a grid.</param>
    /// <param name="sizes">The size table, <see cref="SizeFields"/> numbers an entry.</param>
    /// <param name="steps">k per axis.</param>
    /// <param name="bytesPerElement">Bytes of one element of the network's floating type.</param>
    /// <exception cref="OverflowException">A size exceeds <see cref="long"/>.</exception>
    public static long[] SizeBytes(IReadOnlyList<long> grids, IReadOnlyList<long> sizes, IReadOnlyList<long> steps, int bytesPerElement)
    {
        checked
        {
            var axes = steps.Count;
            var bytes = new long[sizes.Count / SizeFields];
            for (var s = 0; s < bytes.Length; s++)
            {
                var grid = (int)sizes[s * SizeFields];
                var volume = 1L;
                for (var axis = 0; axis < axes; axis++)
                {
                    volume *= grids[(grid * 2 * axes) + (2 * axis)] + (grids[(grid * 2 * axes) + (2 * axis) + 1] * steps[axis]);
                }

                var elements = sizes[(s * SizeFields) + 1];
                for (var power = sizes[(s * SizeFields) + 2]; power > 0; power--)
                {
                    elements *= volume;
                }

                bytes[s] = elements * (sizes[(s * SizeFields) + 3] == IndexKind ? 8 : bytesPerElement);
            }

            return bytes;
        }
    }

    /// <summary>The largest number of bytes live at once while <paramref name="events"/> run.</summary>
    /// <exception cref="OverflowException">The sum exceeds <see cref="long"/>.</exception>
    public static long Peak(IReadOnlyList<int> events, long[] sizeBytes)
    {
        checked
        {
            long live = 0;
            long peak = 0;
            foreach (var e in events)
            {
                live += e > 0 ? sizeBytes[e - 1] : -sizeBytes[-e - 1];
                peak = Math.Max(peak, live);
            }

            return peak;
        }
    }
}
