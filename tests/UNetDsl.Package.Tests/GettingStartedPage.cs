using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace UNetDsl.Package.Tests;

/// <summary>
/// docs/getting-started.md, read the way the tests follow it: the fenced blocks of each <c>## </c> section, in order.
/// The tests take their commands, project file and program from here, so the page and what is tested cannot drift.
/// </summary>
internal sealed class GettingStartedPage
{
    private static readonly Regex s_fence = new("^```(?<language>[a-z]*)\\n(?<body>.*?)^```$", RegexOptions.Singleline | RegexOptions.Multiline);

    private readonly List<(string Heading, string Language, string Body)> _blocks = new();

    private GettingStartedPage(string text)
    {
        var heading = "";
        var position = 0;
        foreach (Match fence in s_fence.Matches(text))
        {
            foreach (Match h in Regex.Matches(text[position..fence.Index], "^## (?<title>.+)$", RegexOptions.Multiline))
            {
                heading = h.Groups["title"].Value.Trim();
            }

            position = fence.Index + fence.Length;
            _blocks.Add((heading, fence.Groups["language"].Value, fence.Groups["body"].Value));
        }
    }

    public static GettingStartedPage Load() =>
        new(File.ReadAllText(Path.Combine(PackedFeed.RepositoryRoot, "docs", "getting-started.md")).Replace("\r\n", "\n", StringComparison.Ordinal));

    /// <summary>The one block of <paramref name="language"/> in the section whose heading starts with <paramref name="heading"/>.</summary>
    public string Block(string heading, string language)
    {
        var blocks = _blocks.Where(b => b.Heading.StartsWith(heading, StringComparison.Ordinal) && b.Language == language).ToList();
        if (blocks.Count != 1)
        {
            throw new InvalidOperationException($"getting-started.md: expected one ```{language} block under '## {heading}...', found {blocks.Count}");
        }

        return blocks[0].Body;
    }

    /// <summary>The lines of a shell block, without blank lines and comments.</summary>
    public IReadOnlyList<string> Commands(string heading) =>
        Block(heading, "sh").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    public const string CreateSection = "1. ";
    public const string ProgramSection = "2. ";
    public const string RunSection = "3. ";
    public const string Net8Section = ".NET 8";
}
