using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace UNetDsl.Generators.Emission;

/// <summary>How the emitters write numbers, sizes and shapes into code and comments.</summary>
internal static class TextFormat
{
    // Shapes and sizes go into nearly every line: joined in a loop, not through LINQ iterators over boxed arrays.
    public static string ShapeText(IReadOnlyList<int> size, int channels, string batch = "N") =>
        Join(new StringBuilder("[").Append(batch).Append(", ").Append(channels.ToString(CultureInfo.InvariantCulture)), ", ", size, leadingSeparator: true).Append(']').ToString();

    public static string SizeText(IReadOnlyList<int> size) => Join(new StringBuilder(), "x", size).ToString();

    public static string Ints(IReadOnlyList<int> values) => Join(new StringBuilder(), ", ", values).ToString();

    public static StringBuilder Join(StringBuilder text, string separator, IReadOnlyList<int> values, bool leadingSeparator = false)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0 || leadingSeparator)
            {
                text.Append(separator);
            }

            text.Append(values[i].ToString(CultureInfo.InvariantCulture));
        }

        return text;
    }

    public static string Group(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Plural(int count, string singular, string? plural = null) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + (count == 1 ? singular : plural ?? singular + "s");

    public static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
