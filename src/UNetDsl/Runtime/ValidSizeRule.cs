using System;
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
    public bool IsValid(long size) => size >= MinInput && (size - MinInput) % Step == 0;

    /// <summary>The largest valid size at or below <paramref name="size"/> (null when none) and the smallest at or above.</summary>
    public (int? Below, int Above) Nearest(long size)
    {
        if (size <= MinInput)
        {
            return (size == MinInput ? MinInput : null, MinInput);
        }

        var below = MinInput + ((size - MinInput) / Step * Step);
        return ((int)below, (int)(below == size ? size : below + Step));
    }

    /// <summary>The output size for a valid input size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is not valid.</exception>
    public int OutputFor(int inputSize) =>
        IsValid(inputSize)
            ? inputSize - Shrink
            : throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "Not a valid input size: valid sizes are " + this + "; nearest: " + DescribeNearest(inputSize) + ".");

    /// <summary>The smallest valid input whose output is at least <paramref name="outputSize"/>.</summary>
    public int InputFor(int outputSize)
    {
        var wanted = Math.Max(outputSize + Shrink, MinInput);
        return Nearest(wanted).Above;
    }

    /// <summary>"556 or 572", or the size itself when it is valid.</summary>
    public string DescribeNearest(long size)
    {
        var (below, above) = Nearest(size);
        if (below == above)
        {
            return above.ToString(CultureInfo.InvariantCulture);
        }

        return below is null ? above.ToString(CultureInfo.InvariantCulture) : below.Value.ToString(CultureInfo.InvariantCulture) + " or " + above.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>"188 + 16k".</summary>
    public override string ToString() =>
        Step == 1 ? MinInput.ToString(CultureInfo.InvariantCulture) + " or more" : MinInput.ToString(CultureInfo.InvariantCulture) + " + " + Step.ToString(CultureInfo.InvariantCulture) + "k";
}
