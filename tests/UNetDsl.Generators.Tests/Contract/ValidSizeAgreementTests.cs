using System;
using System.Collections.Generic;
using System.Linq;
using UNetDsl.Generators.Shapes;
using Xunit;

namespace UNetDsl.Generators.Tests.Contract;

/// <summary>
/// The compiler's <see cref="AxisRule"/> and the runtime's <see cref="ValidSizeRule"/> (what generated code checks inputs
/// with) call the same sizes valid, find the same nearest ones and describe them alike, up to the int limits.
/// </summary>
public class ValidSizeAgreementTests
{
    /// <summary>Rules (MinInput, Step) from a paper network to the edges of int.</summary>
    private static readonly (int MinInput, int Step)[] s_rules =
    {
        (1, 1), (0, 1), (188, 16), (572 - 384, 16), (7, 3), (1, 2), (16, 32),
        (1, 1 << 30), (5, int.MaxValue), (int.MaxValue, 1), (int.MaxValue - 1, 2), (int.MaxValue - 10, 7), (int.MaxValue / 2, int.MaxValue / 2 + 1),
    };

    /// <summary>Sizes around every landmark of a rule: 0, MinInput, MinInput + Step, MaxInput, int.MaxValue, int.MinValue.</summary>
    private static IEnumerable<int> Sizes(int minInput, int step, int maxInput)
    {
        var landmarks = new long[] { int.MinValue, -1, 0, 1, 2, minInput, (long)minInput + step, (long)minInput + (2L * step), maxInput, (long)maxInput - step, int.MaxValue };
        return landmarks
            .SelectMany(l => new[] { l - 2, l - 1, l, l + 1, l + 2 })
            .Where(s => s is >= int.MinValue and <= int.MaxValue)
            .Select(s => (int)s)
            .Distinct();
    }

    public static TheoryData<int, int> Rules()
    {
        var data = new TheoryData<int, int>();
        foreach (var (minInput, step) in s_rules)
        {
            data.Add(minInput, step);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void Compiler_and_runtime_agree_on_every_size_near_the_landmarks(int minInput, int step)
    {
        var compiler = new AxisRule(minInput, step, Shrink: 0);
        var runtime = new ValidSizeRule(minInput, step, Shrink: 0);

        Assert.Equal(runtime.MaxInput, compiler.MaxInput);
        Assert.InRange((long)compiler.MaxInput, minInput, int.MaxValue);
        Assert.True((long)compiler.MaxInput + step > int.MaxValue, "MaxInput must be the largest valid int");
        Assert.Equal(runtime.ToString(), compiler.Describe());

        foreach (var size in Sizes(minInput, step, compiler.MaxInput))
        {
            Assert.True(runtime.IsValid(size) == compiler.IsValid(size), "IsValid(" + size + ")");
            Assert.Equal(Naive(size, minInput, step), compiler.Nearest(size));
            if (size <= runtime.MaxInput)
            {
                var (below, above) = runtime.Nearest(size);
                Assert.Equal((below, (int?)above), compiler.Nearest(size));
                Assert.Equal(runtime.DescribeNearest(size), compiler.DescribeNearest(size));
            }
            else
            {
                // Past the largest valid int: the runtime refuses, the compiler has the one below and none above.
                Assert.Throws<ArgumentOutOfRangeException>(() => runtime.Nearest(size));
                Assert.Equal((compiler.MaxInput, (int?)null), compiler.Nearest(size));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void The_runtimes_input_for_an_output_is_the_nearest_valid_size_at_or_above(int minInput, int step)
    {
        foreach (var shrink in new[] { 0, 1, 4, 184 })
        {
            var runtime = new ValidSizeRule(minInput, step, shrink);
            foreach (var output in Sizes(minInput, step, runtime.MaxInput).Where(o => o <= runtime.MaxInput - (long)shrink))
            {
                var input = runtime.InputFor(output);
                Assert.True(runtime.IsValid(input), "InputFor(" + output + ") = " + input);
                Assert.True((long)runtime.OutputFor(input) >= output, "the output of InputFor(" + output + ")");
                Assert.Equal(Naive(Math.Max((long)output + shrink, minInput), minInput, step).Above, input);
            }
        }
    }

    [Fact]
    public void Arithmetic_on_long_sizes_past_int_has_the_largest_valid_int_below_and_nothing_above()
    {
        Assert.Equal((int.MaxValue - 1, (int?)null), ValidSizeArithmetic.Nearest((long)int.MaxValue + 5, 0, 2));
        Assert.Equal((int.MaxValue, (int?)null), ValidSizeArithmetic.Nearest(long.MaxValue, 0, 1));
        Assert.Equal(int.MaxValue, ValidSizeArithmetic.MaxInput(0, 1));
        Assert.Equal(int.MaxValue - 1, ValidSizeArithmetic.MaxInput(0, 2));
        Assert.Equal(int.MaxValue, ValidSizeArithmetic.MaxInput(int.MaxValue, 5));
        Assert.Null(ValidSizeArithmetic.InputFor(int.MaxValue, 1, 1, shrink: 1));
    }

    /// <summary>The definition, worked out apart in long arithmetic: the valid sizes are MinInput + Step * k up to int.MaxValue.</summary>
    private static (int? Below, int? Above) Naive(long size, int minInput, int step)
    {
        if (size <= minInput)
        {
            return (size == minInput ? minInput : null, minInput);
        }

        // k steps reach at most size; one more step is above, if an int holds it.
        var k = (size - minInput) / step;
        var below = minInput + (k * step);
        var largest = minInput + (((long)int.MaxValue - minInput) / step * step);
        below = Math.Min(below, largest);
        long? above = below == size ? below : below + step <= int.MaxValue ? below + step : null;
        return ((int)below, above is { } a ? (int)a : null);
    }
}
