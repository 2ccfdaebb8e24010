using System;

namespace UNetDsl.Generators.Shapes;

/// <summary>The kinds of declaration argument a computed size or count grows with: where to look for the one to blame.</summary>
[Flags]
internal enum Contributors
{
    None = 0,
    Channels = 1,
    Kernel = 2,
    Pool = 4,
    InputSize = 8,
    Conditioning = 16,
}

/// <summary>
/// A size or count the shape engine computes leaves the range of the type it is emitted as (an <c>int</c> size, a
/// <c>long</c> count). The engine computes with checked arithmetic and throws this rather than emit a wrapped-around
/// constant; the validator turns it into UNET1006 on the argument that makes the value so large.
/// </summary>
internal sealed class ShapeOverflowException(string quantity, string typeName, long maximum, Contributors contributors)
    : Exception(quantity + " does not fit in " + typeName)
{
    /// <summary>"The parameter count", "The smallest valid input size on axis H".</summary>
    public string Quantity { get; } = quantity;

    /// <summary>"int" or "long".</summary>
    public string TypeName { get; } = typeName;

    /// <summary>The largest value of <see cref="TypeName"/>.</summary>
    public long Maximum { get; } = maximum;

    /// <summary>The kinds of argument the quantity grows with.</summary>
    public Contributors Contributors { get; } = contributors;

    /// <summary>Runs a computation made with checked arithmetic, turning an overflow into a <see cref="ShapeOverflowException"/> about a <c>long</c>.</summary>
    public static long Long(string quantity, Contributors contributors, Func<long> compute)
    {
        try
        {
            return compute();
        }
        catch (OverflowException)
        {
            throw new ShapeOverflowException(quantity, "long", long.MaxValue, contributors);
        }
    }

    /// <summary>A value computed in <c>long</c> that is emitted as an <c>int</c>: the value, or a <see cref="ShapeOverflowException"/>.</summary>
    public static int Int(string quantity, Contributors contributors, Func<long> compute)
    {
        long value;
        try
        {
            value = compute();
        }
        catch (OverflowException)
        {
            throw new ShapeOverflowException(quantity, "int", int.MaxValue, contributors);
        }

        return value is >= int.MinValue and <= int.MaxValue ? (int)value : throw new ShapeOverflowException(quantity, "int", int.MaxValue, contributors);
    }
}
