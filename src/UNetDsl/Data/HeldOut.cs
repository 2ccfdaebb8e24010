using System;
using System.Collections.Generic;
using System.Linq;

namespace UNetDsl.Data;

/// <summary>The one rule that splits labelled samples into training and held-out ones: the last ones are held out.</summary>
internal static class HeldOut
{
    public static (List<T> Training, List<T> Validation) Split<T>(IReadOnlyList<T> samples, int validation, string source, string what)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (validation < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(validation), validation, $"{char.ToUpperInvariant(what[0])}{what[1..]}s held out cannot be fewer than 0.");
        }

        if (samples.Count <= validation)
        {
            throw new ArgumentOutOfRangeException(nameof(validation), validation,
                $"{samples.Count} labelled {what}(s) in {source} cannot be split into training and {validation} held out for validation; hold out at most {Math.Max(0, samples.Count - 1)} or add {what}s.");
        }

        return (samples.Take(samples.Count - validation).ToList(), samples.Skip(samples.Count - validation).ToList());
    }
}
