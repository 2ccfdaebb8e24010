namespace UNetDsl.Generators.Model;

/// <summary>
/// Names a place in a declaration without Roslyn types, so that the pure validation can say where a problem is
/// and the diagnostics step can turn it into a source location: <c>UNet.InputSize[1]</c>, <c>Level[2].UpChannels</c>,
/// <c>Bottleneck.Channels[0]</c>, <c>Class</c>.
/// </summary>
internal static class ArgumentPath
{
    public const string Class = "Class";
    public const string UNet = "UNet";
    public const string Bottleneck = "Bottleneck";
    public const string Conditioning = "Conditioning";

    /// <summary>The attribute of level <paramref name="level"/> (1 = finest).</summary>
    public static string Level(int level) => "Level[" + level + "]";

    public static string Argument(string owner, string argument) => owner + "." + argument;

    public static string Element(string argument, int index) => argument + "[" + index + "]";

    /// <summary>The enclosing place: <c>Level[2].Channels[0]</c> to <c>Level[2].Channels</c> to <c>Level[2]</c>.</summary>
    public static string? Parent(string path)
    {
        if (path.EndsWith("]", System.StringComparison.Ordinal))
        {
            var open = path.LastIndexOf('[');
            var dot = path.LastIndexOf('.');
            if (open > dot)
            {
                var parent = path.Substring(0, open);
                // "Level[2]" has no parent element form: its parent is the class.
                return parent.Length == 0 || parent == "Level" ? Class : parent;
            }
        }

        var lastDot = path.LastIndexOf('.');
        return lastDot > 0 ? path.Substring(0, lastDot) : (path == Class ? null : Class);
    }
}
