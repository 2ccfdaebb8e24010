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
    private static string DocsFolder([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", "..", "docs", "diagnostics"));

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

    [Theory]
    [MemberData(nameof(BuildTimeIds))]
    public void The_pages_example_produces_the_pages_message(string id)
    {
        var text = File.ReadAllText(Path.Combine(DocsFolder(), id + ".md"));
        var example = Regex.Match(text, "## Example\\s+```csharp\\n(?<code>.*?)```\\s+```\\n(?<message>.*?)```", RegexOptions.Singleline);
        Assert.True(example.Success, id + ": no example with a message");
        var code = example.Groups["code"].Value;
        if (code.TrimStart().StartsWith("//", StringComparison.Ordinal))
        {
            return; // UNET0900 has no declaration that triggers it on purpose.
        }

        var expected = example.Groups["message"].Value.Trim().Split('\n').Select(line => line.Trim()).Where(line => line.StartsWith("error " + id + ": ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(expected);

        var outcome = GeneratorHarness.Run("using UNetDsl;\n\nnamespace Docs;\n\n" + code);
        var actual = outcome.GeneratorDiagnostics.Where(d => d.Id == id).Select(d => "error " + id + ": " + d.GetMessage(CultureInfo.InvariantCulture)).ToList();

        Assert.Equal(expected, actual);
    }
}
