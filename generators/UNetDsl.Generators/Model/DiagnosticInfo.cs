using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace UNetDsl.Generators.Model;

/// <summary>
/// Where a diagnostic goes. Kept as the syntax tree and span (not a <see cref="Location"/>) so that it compares by
/// value; the tree is kept rather than its path so that <c>#pragma warning disable</c> still applies.
/// Lives only in the diagnostics branch of the pipeline, never in a spec.
/// </summary>
internal readonly record struct LocationInfo(SyntaxTree Tree, TextSpan Span)
{
    public Location ToLocation() => Location.Create(Tree, Span);

    public static LocationInfo? From(SyntaxNode? node) => node is null ? null : new LocationInfo(node.SyntaxTree, node.Span);
}

/// <summary>A source location recorded for an <see cref="ArgumentPath"/>.</summary>
internal readonly record struct ArgumentLocation(string Path, LocationInfo Location);

/// <summary>
/// One entry of <see cref="Diagnostic.Properties"/>: data a code fix needs (see <c>FixableDiagnostics</c> for the keys),
/// worked out where the diagnostic is found so that the fix never has to redo the shape analysis.
/// </summary>
internal readonly record struct DiagnosticProperty(string Key, string Value);

/// <summary>A diagnostic as data: descriptor ID, location, message arguments (display strings only) and the properties for its code fix.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments, EquatableArray<DiagnosticProperty> Properties = default)
{
    public Diagnostic ToDiagnostic()
    {
        var descriptor = Diagnostics.DiagnosticDescriptors.ById(Id);
        ImmutableDictionary<string, string?>? properties = null;
        if (!Properties.IsEmpty)
        {
            var builder = ImmutableDictionary.CreateBuilder<string, string?>(System.StringComparer.Ordinal);
            foreach (var property in Properties)
            {
                builder[property.Key] = property.Value;
            }

            properties = builder.ToImmutable();
        }

        return Diagnostic.Create(descriptor, Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None, properties, Arguments.ToArray());
    }
}

/// <summary>A problem found by pure validation: descriptor ID, the place it concerns, message arguments and the properties for its code fix.</summary>
internal sealed record Finding(string Id, string Path, EquatableArray<string> Arguments, EquatableArray<DiagnosticProperty> Properties = default)
{
    /// <summary>This finding with the data its code fix needs.</summary>
    public Finding WithFixData(params DiagnosticProperty[] properties) => this with { Properties = properties.ToEquatableArray() };

    public static Finding Create(string id, string path, params object[] arguments)
    {
        var texts = new string[arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            texts[i] = System.Convert.ToString(arguments[i], System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
        }

        return new Finding(id, path, new EquatableArray<string>(texts));
    }
}

internal static class ArgumentLocations
{
    /// <summary>The location of <paramref name="path"/>, or of the nearest enclosing place that was recorded.</summary>
    public static LocationInfo? Find(System.Collections.Generic.IEnumerable<ArgumentLocation> locations, string path)
    {
        for (var current = path; current is not null; current = ArgumentPath.Parent(current))
        {
            foreach (var location in locations)
            {
                if (location.Path == current)
                {
                    return location.Location;
                }
            }
        }

        return null;
    }
}

/// <summary>Builds the <see cref="DiagnosticProperty"/> entries named in <c>FixableDiagnostics</c>.</summary>
internal static class FixData
{
    public static DiagnosticProperty Value(int value) => new(Diagnostics.FixableDiagnostics.ValueKey, Text(value));

    public static DiagnosticProperty Axis(int index) => new(Diagnostics.FixableDiagnostics.AxisKey, Text(index));

    public static DiagnosticProperty Argument(string name) => new(Diagnostics.FixableDiagnostics.ArgumentKey, name);

    /// <summary>"188,204", "204" when there is nothing valid below, "" when there is nothing at all.</summary>
    public static DiagnosticProperty Suggestions(int? below, int? above)
    {
        var values = new System.Collections.Generic.List<string>(2);
        if (below is { } smaller)
        {
            values.Add(Text(smaller));
        }

        if (above is { } larger)
        {
            values.Add(Text(larger));
        }

        return new(Diagnostics.FixableDiagnostics.SuggestedValuesKey, string.Join(",", values));
    }

    /// <summary>The divisors of <paramref name="common"/> next to <paramref name="count"/>: the largest below it and the smallest above it (null when none).</summary>
    public static (int? Below, int? Above) NearestDivisors(int common, int count)
    {
        int? below = null;
        int? above = null;
        for (var d = 1; d <= common; d++)
        {
            if (common % d != 0)
            {
                continue;
            }

            if (d < count)
            {
                below = d;
            }
            else if (d > count)
            {
                above = d;
                break;
            }
        }

        return (below, above);
    }

    private static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
