using System;
using System.Linq;
using UNetDsl.Generators.Diagnostics;
using UNetDsl.Generators.Model;
using static UNetDsl.Generators.Shapes.ShapeEngine;

namespace UNetDsl.Generators.Shapes;

// The problems a trace meets, each turned into its diagnostic with the declaration argument to blame, both shapes
// and, where the input size is the cause, the nearest valid sizes for the code fix.
/// <summary>A problem met while propagating, before it is tied to a declaration argument.</summary>
internal abstract class ShapeProblem
{
    public abstract Finding ToFinding(ResolvedNetwork network, AxisRule?[] rules, int[] input, bool oneSizeForAllAxes);

    public abstract string Explain(ResolvedNetwork network);

    protected static string Axis(ResolvedNetwork network, int axis) => AxisName(network.Dimensions, axis);

    protected static string InputElement(int axis) => ArgumentPath.Element(ArgumentPath.Argument(ArgumentPath.UNet, "InputSize"), axis);

    /// <summary>What a code fix needs to replace the input size of <paramref name="axis"/>: which element, its value, the nearest valid sizes.</summary>
    protected static DiagnosticProperty[] InputFix(AxisRule?[] rules, int[] input, int axis, bool oneSizeForAllAxes)
    {
        var (below, above) = oneSizeForAllAxes ? NearestOnEveryAxis(rules, input[axis]) : NearestOnAxis(rules[axis]!.Value, input[axis]);
        return new[] { FixData.Axis(oneSizeForAllAxes ? 0 : axis), FixData.Value(input[axis]), FixData.Suggestions(below, above) };
    }

    private static (int? Below, int? Above) NearestOnAxis(AxisRule rule, int size)
    {
        var (below, above) = rule.Nearest(size);
        return (below == size ? null : below, above == size ? null : above);
    }

    private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);

    /// <summary>The nearest sizes, below and above, that every axis accepts (null when there is none).</summary>
    private static (int? Below, int? Above) NearestOnEveryAxis(AxisRule?[] rules, int size)
    {
        if (rules.Any(r => r is null))
        {
            return (null, null);
        }

        var all = rules.Select(r => r!.Value).ToArray();
        bool ValidEverywhere(long candidate) => all.All(r => r.IsValid((int)candidate));

        // Sizes valid on every axis are those at or above the largest minimum that sit in one residue class modulo
        // the least common multiple of the steps; so the nearest ones, if any, lie within one period of the size.
        var period = all.Aggregate(1L, (lcm, r) => lcm / Gcd(lcm, r.Step) * r.Step);
        var floor = Math.Max(1L, size - period);
        var ceiling = Math.Min(int.MaxValue, Math.Max(size, all.Max(r => r.MinInput)) + period);

        int? below = null;
        for (var candidate = (long)size - 1; candidate >= floor; candidate--)
        {
            if (ValidEverywhere(candidate))
            {
                below = (int)candidate;
                break;
            }
        }

        int? above = null;
        for (var candidate = (long)size + 1; candidate <= ceiling; candidate++)
        {
            if (ValidEverywhere(candidate))
            {
                above = (int)candidate;
                break;
            }
        }

        return (below, above);
    }
}

internal sealed class VanishedProblem(string where, int axis, int size) : ShapeProblem
{
    public override Finding ToFinding(ResolvedNetwork network, AxisRule?[] rules, int[] input, bool oneSizeForAllAxes)
    {
        if (rules[axis] is not { } rule)
        {
            return Finding.Create(DiagnosticDescriptors.NoValidInputSize.Id, ArgumentPath.UNet, "the network", Explain(network));
        }

        return Finding.Create(DiagnosticDescriptors.FeatureMapVanishes.Id, InputElement(axis), where, Axis(network, axis), size, rule.MinInput, rule.Describe())
            .WithFixData(InputFix(rules, input, axis, oneSizeForAllAxes));
    }

    public override string Explain(ResolvedNetwork network) =>
        "the feature map shrinks to nothing at " + where + " (axis " + Axis(network, axis) + " would be " + size + ")";
}

internal sealed class OddPoolProblem(int level, int axis, int factor, int channels, int[] size, int position) : ShapeProblem
{
    public int UpChannels { get; set; }

    public int[]? UpSize { get; set; }

    public override Finding ToFinding(ResolvedNetwork network, AxisRule?[] rules, int[] input, bool oneSizeForAllAxes)
    {
        var skip = FormatShape(channels, size);
        var up = UpSize is null ? "decoder map" : FormatShape(UpChannels, UpSize);
        var axisName = Axis(network, axis);
        if (rules[axis] is not { } rule)
        {
            return Finding.Create(DiagnosticDescriptors.NoValidInputSize.Id, ArgumentPath.UNet, "the network", Explain(network));
        }

        // The nearest valid sizes refer to the input, so report the input's size on that axis.
        return Finding.Create(
            DiagnosticDescriptors.PoolingNotExact.Id, InputElement(axis), level, skip, Reason(network), axisName, up,
            rule.DescribeNearest(input[position]), rule.Describe(), factor == 2 ? "halve" : "divide by " + factor)
            .WithFixData(InputFix(rules, input, axis, oneSizeForAllAxes));
    }

    public override string Explain(ResolvedNetwork network) =>
        "max-pooling after level " + level + " meets " + Reason(network);

    private string Reason(ResolvedNetwork network) =>
        size[position] + (factor == 2 ? " is odd" : " is not a multiple of " + factor) + " on axis " + Axis(network, axis);
}

internal sealed class SkipChannelsProblem(int level, int skipChannels, int[] skipSize, int upChannels, int[] upSize) : ShapeProblem
{
    public override Finding ToFinding(ResolvedNetwork network, AxisRule?[] rules, int[] input, bool oneSizeForAllAxes) =>
        Finding.Create(
            DiagnosticDescriptors.SkipChannelMismatch.Id, ArgumentPath.Argument(ArgumentPath.Level(level), "UpChannels"),
            level, FormatShape(skipChannels, skipSize), FormatShape(upChannels, upSize), skipChannels);

    public override string Explain(ResolvedNetwork network) =>
        "level " + level + " adds a skip of " + skipChannels + " channels to " + upChannels + " channels";
}


internal sealed class SkipSpatialProblem(int level, int from, int skipChannels, int[] skipSize, int upChannels, int[] upSize, bool crossResolution = false) : ShapeProblem
{
    public override Finding ToFinding(ResolvedNetwork network, AxisRule?[] rules, int[] input, bool oneSizeForAllAxes)
    {
        var reason = crossResolution
            ? "level " + from + " is at " + ResolutionText(network, from) + " and level " + level + " at " + ResolutionText(network, level)
                + ", and a centre crop cannot join maps of different scales"
            : network.Padding == PaddingKind.Same
            ? "'Same' padding joins maps of equal size only"
            : "the skip is smaller than the decoder map, so centre-cropping cannot line them up";
        var fix = from == level
            ? "check DecoderChannels and UpChannels of the levels below"
            : crossResolution
            ? "take the skip from a level at level " + level + "'s resolution (remove SkipFrom) or use Skip = SkipKind.None without SkipFrom"
            : "take the skip from level " + level + " (remove SkipFrom) or use Skip = SkipKind.None without SkipFrom";
        return Finding.Create(
            DiagnosticDescriptors.SkipSpatialMismatch.Id, ArgumentPath.Argument(ArgumentPath.Level(level), "SkipFrom"),
            level, from, FormatShape(skipChannels, skipSize), FormatShape(upChannels, upSize), reason, fix);
    }

    public override string Explain(ResolvedNetwork network) =>
        "level " + level + " cannot join the skip from level " + from + " " + FormatShape(skipChannels, skipSize) + " to " + FormatShape(upChannels, upSize);
}
