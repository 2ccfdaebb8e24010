using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace UNetDsl.Package.Tests;

/// <summary>
/// A page of docs/, read the way the tests follow it: the fenced blocks of each <c>## </c> section, in order. The tests
/// take their commands, project files and programs from here, so the pages and what is tested cannot drift.
/// </summary>
internal sealed class DocsPage
{
    private static readonly Regex s_fence = new("^```(?<language>[a-z]*)\\n(?<body>.*?)^```$", RegexOptions.Singleline | RegexOptions.Multiline);

    private readonly string _name;
    private readonly List<(string Heading, string Language, string Body)> _blocks = new();

    private DocsPage(string name, string text)
    {
        _name = name;
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

    /// <summary>docs/getting-started.md.</summary>
    public static DocsPage GettingStarted() => Load("getting-started.md");

    /// <summary>docs/train-your-network.md.</summary>
    public static DocsPage TrainYourNetwork() => Load("train-your-network.md");

    private static DocsPage Load(string name) =>
        new(name, File.ReadAllText(Path.Combine(PackedFeed.RepositoryRoot, "docs", name)).Replace("\r\n", "\n", StringComparison.Ordinal));

    /// <summary>The blocks of <paramref name="language"/> in the section whose heading starts with <paramref name="heading"/>, in order.</summary>
    public IReadOnlyList<string> Blocks(string heading, string language) =>
        _blocks.Where(b => b.Heading.StartsWith(heading, StringComparison.Ordinal) && b.Language == language).Select(b => b.Body).ToList();

    /// <summary>The one block of <paramref name="language"/> in the section whose heading starts with <paramref name="heading"/>.</summary>
    public string Block(string heading, string language)
    {
        var blocks = Blocks(heading, language);
        if (blocks.Count != 1)
        {
            throw new InvalidOperationException($"{_name}: expected one ```{language} block under '## {heading}...', found {blocks.Count}");
        }

        return blocks[0];
    }

    /// <summary>The lines of the one shell block of a section, without blank lines and comments.</summary>
    public IReadOnlyList<string> Commands(string heading) => Lines(Block(heading, "sh"));

    /// <summary>The lines of a shell block, without blank lines and comments.</summary>
    public static IReadOnlyList<string> Lines(string block) =>
        block.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    /// <summary>Section headings of getting-started.md.</summary>
    public static class GettingStartedSections
    {
        public const string Create = "1. ";
        public const string Program = "2. ";
        public const string Run = "3. ";
        public const string Net8 = ".NET 8";
    }

    /// <summary>Section headings of train-your-network.md.</summary>
    public static class TrainSections
    {
        public const string Project = "1. ";
        public const string Library = "2. ";
        public const string CommandLine = "3. ";
        public const string Assembly = "4. ";
    }
}
