using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using UNetDsl.Generators.Diagnostics;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Documentation;

/// <summary>Every diagnostic has a page, and every page's example produces the message the page shows.</summary>
public class DiagnosticDocsTests
{
    private static string DocsFolder() => DocsText.RepositoryPath("docs", "diagnostics");

    public static TheoryData<string> BuildTimeIds()
    {
        var data = new TheoryData<string>();
        foreach (var descriptor in DiagnosticDescriptors.All)
        {
            data.Add(descriptor.Id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BuildTimeIds))]
    public void Every_descriptor_has_a_page_and_a_help_link_to_it(string id)
    {
        var descriptor = DiagnosticDescriptors.ById(id);
        var page = Path.Combine(DocsFolder(), id + ".md");

        Assert.True(File.Exists(page), "missing " + page);
        Assert.StartsWith("# " + id + ": " + descriptor.Title, File.ReadAllText(page), StringComparison.Ordinal);
        Assert.EndsWith("docs/diagnostics/" + id + ".md", descriptor.HelpLinkUri, StringComparison.Ordinal);
        Assert.Matches("^UNET[0-9]{4}$", id);
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Description.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// Diagnostics that no declaration raises on purpose: their pages show the message only, and it must fit the
    /// descriptor's format. Every other page's example must be a declaration that raises exactly the message shown.
    /// </summary>
    private static readonly string[] s_noTriggeringDeclaration = { "UNET0900", "UNET1005" };

    [Theory]
    [MemberData(nameof(BuildTimeIds))]
    public void The_pages_example_produces_the_pages_message(string id)
    {
        // "error UNETxxxx: ..." or, for a warning, "warning UNETxxxx: ...", as the compiler prints them.
        var severity = DiagnosticDescriptors.ById(id).DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Warning ? "warning" : "error";
        var text = DocsText.Read("docs", "diagnostics", id + ".md");
        var section = Regex.Match(text, "^## Example\\n(?<body>.*?)(?=^## )", RegexOptions.Singleline | RegexOptions.Multiline);
        Assert.True(section.Success, id + ": no '## Example' section");
        var fences = DocsText.Fences(section.Groups["body"].Value);
        var code = fences.Where(f => f.Language == "csharp").Select(f => f.Body).ToList();
        var messages = fences.Where(f => f.Language.Length == 0)
            .SelectMany(f => f.Body.Split('\n'))
            .Select(line => line.Trim())
            .Where(line => line.StartsWith(severity + " " + id + ": ", StringComparison.Ordinal))
            .ToList();
        Assert.True(messages.Count > 0, id + ": the example shows no '" + severity + " " + id + ": ...' line");

        if (s_noTriggeringDeclaration.Contains(id))
        {
            Assert.True(code.Count == 0, id + ": no declaration raises it on purpose, so the page must not show one as if it did");
            var format = DiagnosticDescriptors.ById(id).MessageFormat.ToString(CultureInfo.InvariantCulture);
            var pattern = "^" + severity + " " + id + ": " + Regex.Replace(Regex.Escape(format), "\\\\\\{[0-9]+}", ".+") + "$";
            Assert.All(messages, message => Assert.Matches(pattern, message));
            return;
        }

        // The example is checked by running it: a block the generator cannot check (a comment, a fragment) fails.
        Assert.True(code.Count == 1, id + ": the example must be one csharp block, not " + code.Count);
        Assert.Matches(@"\bclass\s+\w+", code[0]);
        var outcome = GeneratorHarness.Run("using UNetDsl;\n\nnamespace Docs;\n\n" + code[0]);
        var actual = outcome.GeneratorDiagnostics.Where(d => d.Id == id).Select(d => severity + " " + id + ": " + d.GetMessage(CultureInfo.InvariantCulture)).ToList();

        Assert.Equal(messages, actual);
    }
}
