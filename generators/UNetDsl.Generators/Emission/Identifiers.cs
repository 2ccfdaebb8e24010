using System.Text;
using Microsoft.CodeAnalysis.CSharp;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Emission;

/// <summary>
/// How the emitters write the user's names: every identifier as C# source (a keyword gets its <c>@</c>), and the
/// network as a fully qualified <c>global::</c> name, so that no user type or namespace can change what generated code
/// binds to. Pure string functions.
/// </summary>
internal static class Identifiers
{
    /// <summary>
    /// <paramref name="name"/> as a C# identifier: <c>@class</c> for a keyword, <c>@var</c> for a contextual one (always
    /// legal, and it keeps <c>var</c>, <c>record</c> or <c>nameof</c> from taking their keyword meaning).
    /// </summary>
    public static string Escape(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None
            ? "@" + name
            : name;

    /// <summary>A dotted namespace with each part escaped: <c>@event.Models</c>.</summary>
    public static string Namespace(string dotted)
    {
        var parts = dotted.Split('.');
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = Escape(parts[i]);
        }

        return string.Join(".", parts);
    }

    /// <summary>The network's type as written in its own declaration: <c>@class</c>.</summary>
    public static string TypeName(UNetSpec spec) => Escape(spec.TypeName);

    /// <summary>The network's type, fully qualified: <c>global::@event.Models.@class</c>.</summary>
    public static string QualifiedType(UNetSpec spec) =>
        "global::" + (spec.Namespace is null ? string.Empty : Namespace(spec.Namespace) + ".") + Escape(spec.TypeName);

    /// <summary>The text of a C# string literal holding <paramref name="value"/>.</summary>
    public static string StringLiteral(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                default:
                    if (c < ' ' || char.IsSurrogate(c) || c > '~')
                    {
                        text.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        return text.Append('"').ToString();
    }
}
