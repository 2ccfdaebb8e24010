using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using UNetDsl.Generators.Diagnostics;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>The outcome of checking one declaration: a report to emit from, or findings to report. Pure.</summary>
/// <remarks>Immutable and value-equal: the pipeline caches on it.</remarks>
internal sealed record ValidationResult(NetworkReport? Report, EquatableArray<Finding> Findings);

internal static class DeclarationValidator
{
    public static ValidationResult Validate(UNetSpec spec)
    {
        var findings = DeclarationRules.Check(spec);
        var warnings = DeclarationRules.Warnings(spec);
        if (findings.Count > 0)
        {
            return new ValidationResult(null, findings.Concat(warnings).ToEquatableArray());
        }

        var network = ResolvedNetwork.From(spec);
        var input = spec.InputSize.Count == 1 && spec.Dimensions > 1
            ? Enumerable.Repeat(spec.InputSize[0], spec.Dimensions).ToArray()
            : spec.InputSize.ToArray();
        NetworkReport? report;
        IReadOnlyList<Finding> shapeFindings;
        try
        {
            (report, shapeFindings) = ShapeEngine.Analyze(network, input, oneSizeForAllAxes: spec.InputSize.Count == 1);
        }
        catch (ShapeOverflowException overflow)
        {
            return new ValidationResult(null, new[] { OutOfRange(spec, overflow) }.Concat(warnings).ToEquatableArray());
        }

        // A single InputSize value stands for every axis: point all axes' findings at it.
        IEnumerable<Finding> located = spec.InputSize.Count == 1
            ? shapeFindings.Select(f => f with { Path = f.Path.StartsWith("UNet.InputSize[", System.StringComparison.Ordinal) ? "UNet.InputSize[0]" : f.Path }).Distinct()
            : shapeFindings;
        return new ValidationResult(report, located.Concat(warnings).ToEquatableArray());
    }

    /// <summary>
    /// UNET1006 on the argument to blame for a value out of range: of the arguments of the kinds the value grows with,
    /// the largest (the one set to <c>int.MaxValue</c>, say). Without one (a period of default factors of 2 over 31
    /// levels), the deepest level.
    /// </summary>
    internal static Finding OutOfRange(UNetSpec spec, ShapeOverflowException overflow)
    {
        var candidates = Arguments(spec).Where(a => (a.Kind & overflow.Contributors) != 0).ToList();
        var blamed = candidates.Count == 0
            ? (Path: ArgumentPath.Level(spec.Levels.Count), Display: "the number of levels", Value: spec.Levels.Count, Kind: Contributors.Pool)
            : candidates.Aggregate((best, next) => next.Value > best.Value ? next : best);
        return Finding.Create(
            DiagnosticDescriptors.ValueOutOfRange.Id, blamed.Path, overflow.Quantity, overflow.TypeName,
            overflow.Maximum.ToString(CultureInfo.InvariantCulture), blamed.Display, blamed.Value.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Every numeric argument a size or count can grow with, with its path, its name in messages and its value.</summary>
    private static IEnumerable<(string Path, string Display, int Value, Contributors Kind)> Arguments(UNetSpec spec)
    {
        var unet = ArgumentPath.UNet;
        yield return (ArgumentPath.Argument(unet, "InChannels"), "InChannels", spec.InChannels, Contributors.Channels);
        yield return (ArgumentPath.Argument(unet, "Classes"), "Classes", spec.Classes, Contributors.Channels);
        yield return (ArgumentPath.Argument(unet, "KernelSize"), "KernelSize", spec.KernelSize, Contributors.Kernel);
        foreach (var item in Elements(ArgumentPath.Argument(unet, "Kernel"), "Kernel", spec.Kernel, Contributors.Kernel))
        {
            yield return item;
        }

        foreach (var item in Elements(ArgumentPath.Argument(unet, "InputSize"), "InputSize", spec.InputSize, Contributors.InputSize))
        {
            yield return item;
        }

        for (var i = 0; i < spec.Levels.Count; i++)
        {
            var level = spec.Levels[i];
            var path = ArgumentPath.Level(i + 1);
            var owner = "Level " + (i + 1) + " ";
            var items = Elements(ArgumentPath.Argument(path, "Channels"), owner + "Channels", level.Channels, Contributors.Channels)
                .Concat(Elements(ArgumentPath.Argument(path, "Kernel"), owner + "Kernel", level.Kernel, Contributors.Kernel))
                .Concat(Elements(ArgumentPath.Argument(path, "Pool"), owner + "Pool", level.Pool, Contributors.Pool))
                .Concat(Elements(ArgumentPath.Argument(path, "DecoderChannels"), owner + "DecoderChannels", level.DecoderChannels, Contributors.Channels));
            foreach (var item in items)
            {
                yield return item;
            }

            yield return (ArgumentPath.Argument(path, "KernelSize"), owner + "KernelSize", level.KernelSize, Contributors.Kernel);
            yield return (ArgumentPath.Argument(path, "UpChannels"), owner + "UpChannels", level.UpChannels, Contributors.Channels);
            yield return (ArgumentPath.Argument(path, "GateChannels"), owner + "GateChannels", level.GateChannels, Contributors.Channels);
        }

        var bottleneck = ArgumentPath.Bottleneck;
        foreach (var item in Elements(ArgumentPath.Argument(bottleneck, "Channels"), "Bottleneck Channels", spec.Bottleneck.Channels, Contributors.Channels)
            .Concat(Elements(ArgumentPath.Argument(bottleneck, "Kernel"), "Bottleneck Kernel", spec.Bottleneck.Kernel, Contributors.Kernel)))
        {
            yield return item;
        }

        yield return (ArgumentPath.Argument(bottleneck, "KernelSize"), "Bottleneck KernelSize", spec.Bottleneck.KernelSize, Contributors.Kernel);
        if (spec.Conditioning is { } conditioning)
        {
            yield return (ArgumentPath.Argument(ArgumentPath.Conditioning, "TimeChannels"), "TimeChannels", conditioning.TimeChannels, Contributors.Conditioning);
            yield return (ArgumentPath.Argument(ArgumentPath.Conditioning, "ContextChannels"), "ContextChannels", conditioning.ContextChannels, Contributors.Conditioning);
        }
    }

    private static IEnumerable<(string Path, string Display, int Value, Contributors Kind)> Elements(string path, string display, EquatableArray<int> values, Contributors kind) =>
        values.Select((value, i) => (ArgumentPath.Element(path, i), display + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", value, kind));
}
