using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace UNetDsl.Generators.Tests.Documentation;

/// <summary>What the documentation tests read: the repository's Markdown files and their fenced code blocks.</summary>
internal static class DocsText
{
    private static readonly Regex s_fence = new("^```(?<language>[a-z]*)\\n(?<body>.*?)^```$", RegexOptions.Singleline | RegexOptions.Multiline);

    /// <summary>The full path of a file or folder of the repository, e.g. <c>Path("docs", "attributes.md")</c>.</summary>
    public static string RepositoryPath(params string[] parts) => Path.GetFullPath(Path.Combine(new[] { Root() }.Concat(parts).ToArray()));

    /// <summary>The text of a repository file with <c>\n</c> line ends.</summary>
    public static string Read(params string[] parts) => File.ReadAllText(RepositoryPath(parts)).Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>The fenced code blocks of <paramref name="markdown"/> in order: the language after the fence (empty for none) and the body.</summary>
    public static List<(string Language, string Body)> Fences(string markdown) =>
        s_fence.Matches(markdown).Select(m => (m.Groups["language"].Value, m.Groups["body"].Value)).ToList();

    /// <summary>Diagnostics one a line, for an assertion's message.</summary>
    public static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join("\n", diagnostics.Select(d => d.ToString()));

    private static string Root([CallerFilePath] string path = "") =>
        Path.Combine(Path.GetDirectoryName(path)!, "..", "..", "..");
}
