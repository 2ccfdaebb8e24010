using System;
using System.Collections.Generic;
using System.Globalization;

namespace UNetDsl;

/// <summary>
/// The input sizes a U-Net accepts along one axis: <see cref="MinInput"/> + <see cref="Step"/> * k for k = 0, 1, ...,
/// each giving an output of input - <see cref="Shrink"/>. The compiler derives it; generated code checks inputs
/// with it at run time.
/// </summary>
/// <param name="MinInput">The smallest size that lines up through every pooling and skip.</param>
/// <param name="Step">The period of valid sizes: 2 to the number of poolings.</param>
/// <param name="Shrink">How much smaller the output is ('Valid' padding); 0 for 'Same'.</param>
public readonly record struct ValidSizeRule(int MinInput, int Step, int Shrink)
{
    /// <summary>True when <paramref name="size"/> lines up through the whole network.</summary>
    public bool IsValid(long size) => ValidSizeArithmetic.IsValid(size, MinInput, Step);

    /// <summary>The largest valid size an <see cref="int"/> holds: <see cref="MinInput"/> + <see cref="Step"/> * k &lt;= <see cref="int.MaxValue"/>.</summary>
    public int MaxInput => ValidSizeArithmetic.MaxInput(MinInput, Step);

    /// <summary>
    /// The largest valid size at or below <paramref name="size"/> (null when there is none: at or below 0, or below
    /// <see cref="MinInput"/>) and the smallest at or above it (<see cref="MinInput"/> for any smaller size, 0 and
    /// negative ones included).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is above <see cref="MaxInput"/>: no valid size is at or above it.</exception>
    public (int? Below, int Above) Nearest(long size)
    {
        if (size > MaxInput)
        {
            throw new ArgumentOutOfRangeException(
                nameof(size), size, "No valid input size is at or above " + size.ToString(CultureInfo.InvariantCulture) + ": valid sizes are " + this + ", from "
                + MinInput.ToString(CultureInfo.InvariantCulture) + " to " + MaxInput.ToString(CultureInfo.InvariantCulture) + ".");
        }

        // At or below MaxInput there is always a valid size at or above.
        var (below, above) = ValidSizeArithmetic.Nearest(size, MinInput, Step);
        return (below, above!.Value);
    }

    /// <summary>The output size for a valid input size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is not valid.</exception>
    public int OutputFor(int inputSize) =>
        IsValid(inputSize)
            ? ValidSizeArithmetic.OutputFor(inputSize, Shrink)
            : throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "Not a valid input size: valid sizes are " + this + "; nearest: " + DescribeNearest(inputSize) + ".");

    /// <summary>The smallest valid input whose output is at least <paramref name="outputSize"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No valid input up to <see cref="MaxInput"/> gives that output.</exception>
    public int InputFor(int outputSize)
    {
        return ValidSizeArithmetic.InputFor(outputSize, MinInput, Step, Shrink)
            ?? throw new ArgumentOutOfRangeException(
                nameof(outputSize), outputSize, "No valid input size gives an output of " + outputSize.ToString(CultureInfo.InvariantCulture) + ": the largest output is "
                + (MaxInput - Shrink).ToString(CultureInfo.InvariantCulture) + ", from " + MaxInput.ToString(CultureInfo.InvariantCulture) + ".");
    }

    /// <summary>The rule of <paramref name="axis"/>: for generated members that take an axis.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="axis"/> is not an axis of the network.</exception>
    public static ValidSizeRule ForAxis(IReadOnlyList<ValidSizeRule> rules, int axis)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return (uint)axis < (uint)rules.Count
            ? rules[axis]
            : throw new ArgumentOutOfRangeException(nameof(axis), axis, "The spatial axes are 0 to " + (rules.Count - 1).ToString(CultureInfo.InvariantCulture) + ".");
    }

    /// <summary>"556 or 572", or the size itself when it is valid; above <see cref="MaxInput"/>, that one.</summary>
    public string DescribeNearest(long size)
    {
        if (size > MaxInput)
        {
            return MaxInput.ToString(CultureInfo.InvariantCulture) + " (the largest)";
        }

        var (below, above) = Nearest(size);
        return ValidSizeArithmetic.DescribeNearest(below, above);
    }

    /// <summary>"188 + 16k".</summary>
    public override string ToString() => ValidSizeArithmetic.Describe(MinInput, Step);
}
