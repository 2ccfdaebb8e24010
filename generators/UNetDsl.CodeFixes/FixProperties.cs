using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using UNetDsl.Generators.Diagnostics;

namespace UNetDsl.CodeFixes;

/// <summary>
/// Reads what the generator put in <see cref="Diagnostic.Properties"/> for a fix. The fixes never redo the shape
/// analysis: when the data is missing or malformed (a diagnostic from another version), they offer nothing.
/// </summary>
internal static class FixProperties
{
    /// <summary>The declared value and the suggested replacements, each marked as below or above it.</summary>
    public static bool TryRead(Diagnostic diagnostic, out int value, out IReadOnlyList<Suggestion> suggestions)
    {
        value = 0;
        suggestions = new List<Suggestion>();
        if (!TryInt(diagnostic, FixableDiagnostics.ValueKey, out value)
            || !diagnostic.Properties.TryGetValue(FixableDiagnostics.SuggestedValuesKey, out var joined)
            || string.IsNullOrEmpty(joined))
        {
            return false;
        }

        var list = new List<Suggestion>();
        foreach (var part in joined!.Split(','))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var suggested) || suggested == value)
            {
                return false;
            }

            list.Add(new Suggestion(suggested, suggested < value));
        }

        suggestions = list;
        return list.Count > 0;
    }

    public static bool TryInt(Diagnostic diagnostic, string key, out int number)
    {
        number = 0;
        return diagnostic.Properties.TryGetValue(key, out var text)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    /// <summary>"below" or "above", as the titles and equivalence keys say it.</summary>
    public static string Direction(Suggestion suggestion) => suggestion.IsBelow ? "below" : "above";
}

/// <summary>A replacement value and whether it is smaller than the declared one.</summary>
internal readonly struct Suggestion
{
    public Suggestion(int value, bool isBelow)
    {
        Value = value;
        IsBelow = isBelow;
    }

    public int Value { get; }

    public bool IsBelow { get; }
}
