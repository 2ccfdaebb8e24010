// This file is compiled into the runtime library (namespace UNetDsl, for ValidSizeRule) and, as linked source, into
// the source generator (namespace UNetDsl.Generators.Shapes, for AxisRule): the sizes the compiler calls valid and the
// sizes the generated code accepts at run time come from the same lines. Pure functions of integers; nothing but System.
using System;
using System.Globalization;

#if UNETDSL_GENERATOR
namespace UNetDsl.Generators.Shapes;
#else
namespace UNetDsl;
#endif

/// <summary>
/// The arithmetic of a rule of valid input sizes along one axis: <c>minInput + step * k</c> for k = 0, 1, ..., each
/// giving an output of <c>input - shrink</c>. Sizes are taken as <see cref="long"/> so that any <see cref="int"/>
/// size, and a size past <see cref="int.MaxValue"/>, is answered without overflow; results are the valid sizes an
/// <see cref="int"/> holds. <c>step</c> is at least 1 and <c>minInput</c> at least 0.
/// </summary>
internal static class ValidSizeArithmetic
{
    /// <summary>True when <paramref name="size"/> is <paramref name="minInput"/> + <paramref name="step"/> * k for some k &gt;= 0.</summary>
    public static bool IsValid(long size, int minInput, int step) => size >= minInput && (size - minInput) % step == 0;

    /// <summary>The largest valid size an <see cref="int"/> holds: <paramref name="minInput"/> + <paramref name="step"/> * k &lt;= <see cref="int.MaxValue"/>.</summary>
    public static int MaxInput(int minInput, int step) => (int)(minInput + (((long)int.MaxValue - minInput) / step * step));

    /// <summary>
    /// The largest valid size at or below <paramref name="size"/> (null below <paramref name="minInput"/>) and the smallest
    /// at or above it (<paramref name="minInput"/> for any smaller size; null above <see cref="MaxInput"/>).
    /// </summary>
    public static (int? Below, int? Above) Nearest(long size, int minInput, int step)
    {
        if (size <= minInput)
        {
            return (size == minInput ? minInput : null, minInput);
        }

        var max = MaxInput(minInput, step);
        var below = (int)(minInput + ((Math.Min(size, max) - minInput) / step * step));
        int? above = below == size ? below : below <= max - step ? below + step : null;
        return (below, above);
    }

    /// <summary>The output size of a valid input of <paramref name="inputSize"/>.</summary>
    public static int OutputFor(int inputSize, int shrink) => inputSize - shrink;

    /// <summary>The smallest valid input whose output is at least <paramref name="outputSize"/>; null when no <see cref="int"/> input gives it.</summary>
    public static int? InputFor(long outputSize, int minInput, int step, int shrink) =>
        Nearest(Math.Max(outputSize + shrink, minInput), minInput, step).Above;

    /// <summary>"188 + 16k", or "188 or more" when every size from 188 on is valid.</summary>
    public static string Describe(int minInput, int step) =>
        step == 1
            ? minInput.ToString(CultureInfo.InvariantCulture) + " or more"
            : minInput.ToString(CultureInfo.InvariantCulture) + " + " + step.ToString(CultureInfo.InvariantCulture) + "k";

    /// <summary>"556 or 572" for the two nearest valid sizes of <see cref="Nearest"/>; one of them when the other is missing or the same.</summary>
    public static string DescribeNearest(int? below, int? above)
    {
        if (below is null || below == above)
        {
            return Text(above);
        }

        return above is null ? Text(below) : Text(below) + " or " + Text(above);
    }

    private static string Text(int? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) : string.Empty;
}
