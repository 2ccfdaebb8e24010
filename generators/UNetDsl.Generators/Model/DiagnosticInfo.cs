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

/// <summary>A diagnostic as data: descriptor ID, location and message arguments (display strings only).</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public Diagnostic ToDiagnostic()
    {
        var descriptor = Diagnostics.DiagnosticDescriptors.ById(Id);
        return Diagnostic.Create(descriptor, Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None, Arguments.ToArray());
    }
}

/// <summary>A problem found by pure validation: descriptor ID, the place it concerns, message arguments.</summary>
internal sealed record Finding(string Id, string Path, EquatableArray<string> Arguments)
{
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
