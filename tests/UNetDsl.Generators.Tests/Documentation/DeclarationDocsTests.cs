using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Documentation;

/// <summary>
/// The attribute reference and the variant pages show C# that must build and tables that must be true. For each page:
/// <list type="bullet">
/// <item>every <c>```csharp</c> block with a <c>[UNet(...)]</c> is a declaration; they all compile together, with the
/// generator, into namespace <c>Docs</c> with no diagnostic;</item>
/// <item>a declaration followed by a plain block of <c>error UNETxxxx: ...</c> lines is an invalid example: alone, it
/// produces exactly those diagnostics;</item>
/// <item>every other <c>```csharp</c> block is usage code: it compiles as a method body next to the page's declarations;</item>
/// <item>every <c>```text</c> block that starts like a summary (<c>Name: 2D U-Net, ...</c>) is exactly what the
/// generated <c>Name.Summary()</c> returns.</item>
/// </list>
/// </summary>
public class DeclarationDocsTests
{
    private static readonly Regex s_summaryHeader = new("^(?<name>[A-Za-z_][A-Za-z0-9_]*): [23]D U-Net, ", RegexOptions.None);

    private static string DocsFolder() => DocsText.RepositoryPath("docs");

    /// <summary>attributes.md and every page under variants/.</summary>
    public static TheoryData<string> Pages()
    {
        var data = new TheoryData<string>();
        foreach (var page in PageNames())
        {
            data.Add(page);
        }

        return data;
    }

    private static List<string> PageNames() =>
        new[] { "attributes.md" }
            .Concat(Directory.GetFiles(Path.Combine(DocsFolder(), "variants"), "*.md").Select(p => "variants/" + Path.GetFileName(p)).OrderBy(p => p, StringComparer.Ordinal))
            .ToList();

    [Fact]
    public void The_variant_pages_are_all_there()
    {
        var pages = PageNames();
        foreach (var expected in new[] { "2d-paper", "3d", "anisotropic", "attention-gate", "residual", "deep-supervision", "conditional" })
        {
            Assert.Contains("variants/" + expected + ".md", pages);
        }
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void The_pages_declarations_and_usage_compile_without_diagnostics(string page)
    {
        var blocks = Blocks(page);
        var declarations = blocks.Where(b => b.IsDeclaration && b.ExpectedErrors is null).ToList();
        var usages = blocks.Where(b => b.Language == "csharp" && !b.IsDeclaration).ToList();
        Assert.NotEmpty(declarations);

        var sources = declarations.Select(b => AsDeclarationFile(b.Body))
            .Concat(usages.Select((b, i) => AsUsageFile(b.Body, i)))
            .ToArray();
        var outcome = GeneratorHarness.Run(sources);

        Assert.Null(outcome.GeneratorException);
        Assert.True(outcome.GeneratorDiagnostics.IsEmpty, page + ": " + DocsText.Describe(outcome.GeneratorDiagnostics));
        Assert.True(outcome.CompileErrors.IsEmpty, page + ": " + DocsText.Describe(outcome.CompileErrors));
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void The_pages_invalid_examples_produce_the_errors_shown(string page)
    {
        var mismatches = new List<string>();
        foreach (var block in Blocks(page).Where(b => b.ExpectedErrors is not null))
        {
            var outcome = GeneratorHarness.Run(AsDeclarationFile(block.Body));
            var actual = outcome.GeneratorDiagnostics
                .Select(d => "error " + d.Id + ": " + d.GetMessage(CultureInfo.InvariantCulture))
                .ToList();

            if (!block.ExpectedErrors!.SequenceEqual(actual))
            {
                mismatches.Add("the example gives\n" + string.Join("\n", actual) + "\nnot\n" + string.Join("\n", block.ExpectedErrors!));
            }
        }

        Assert.True(mismatches.Count == 0, page + ": " + string.Join("\n\n", mismatches));
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void The_pages_summary_tables_are_what_the_generator_writes(string page)
    {
        var blocks = Blocks(page);
        var tables = blocks.Where(b => b.Language == "text" && s_summaryHeader.IsMatch(b.Body)).ToList();
        if (tables.Count == 0)
        {
            return;
        }

        var declarations = blocks.Where(b => b.IsDeclaration && b.ExpectedErrors is null).Select(b => AsDeclarationFile(b.Body)).ToArray();
        var outcome = GeneratorHarness.Run(declarations);
        var mismatches = new List<string>();
        foreach (var table in tables)
        {
            var name = s_summaryHeader.Match(table.Body).Groups["name"].Value;
            var type = outcome.Output.GetTypeByMetadataName("Docs." + name);
            Assert.True(type is not null, page + ": the table of " + name + " has no declaration on the page");
            var generated = type!.GetMembers("SummaryText").OfType<IFieldSymbol>().Single().ConstantValue as string;

            if (generated != table.Body)
            {
                mismatches.Add("the table of " + name + " differs; the generator writes:\n" + generated);
            }
        }

        Assert.True(mismatches.Count == 0, page + ": " + string.Join("\n\n", mismatches));
    }

    /// <summary>The pages above, and the index and guides whose links point into them.</summary>
    public static TheoryData<string> LinkedPages()
    {
        var data = Pages();
        foreach (var page in new[] { "app.md", "README.md", "getting-started.md", "scaling-out.md", "pytorch.md", "onnx.md", "training.md", "diagnostics/UNET3001.md" })
        {
            data.Add(page);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(LinkedPages))]
    public void The_pages_links_to_other_docs_resolve(string page)
    {
        var path = Path.Combine(DocsFolder(), page);
        var text = File.ReadAllText(path);
        foreach (Match link in Regex.Matches(text, "\\]\\((?<target>[^)#:]+\\.md)(#[^)]*)?\\)"))
        {
            var target = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, link.Groups["target"].Value));
            Assert.True(File.Exists(target), page + " links to a missing page: " + link.Groups["target"].Value);
        }
    }

    private sealed record Block(string Language, string Body, List<string>? ExpectedErrors)
    {
        public bool IsDeclaration => Language == "csharp" && Body.Contains("[UNet(", StringComparison.Ordinal);
    }

    private static List<Block> Blocks(string page)
    {
        var fences = DocsText.Fences(DocsText.Read("docs", page));
        var blocks = new List<Block>();
        for (var i = 0; i < fences.Count; i++)
        {
            List<string>? errors = null;
            if (fences[i].Language == "csharp" && i + 1 < fences.Count && fences[i + 1].Language.Length == 0)
            {
                var lines = fences[i + 1].Body.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("error UNET", StringComparison.Ordinal)).ToList();
                errors = lines.Count > 0 ? lines : null;
            }

            blocks.Add(new Block(fences[i].Language, fences[i].Body, errors));
        }

        return blocks;
    }

    /// <summary>A declaration block as a file: its own using directives first, then namespace Docs.</summary>
    internal static string AsDeclarationFile(string body)
    {
        var lines = body.Split('\n');
        var usings = lines.Where(IsUsingDirective).ToList();
        var rest = lines.Where(l => !IsUsingDirective(l));
        return "using UNetDsl;\n" + string.Join("\n", usings) + "\nnamespace Docs;\n\n" + string.Join("\n", rest);
    }

    /// <summary>
    /// A usage block as the body of a method, with the usings a user of UNetDsl would have; the block's own using
    /// directives go to the top of the file.
    /// </summary>
    internal static string AsUsageFile(string body, int index)
    {
        var lines = body.Split('\n');
        var usings = lines.Where(IsUsingDirective).ToList();
        var statements = lines.Where(l => !IsUsingDirective(l));
        return "using System;\nusing System.Linq;\nusing TorchSharp;\nusing UNetDsl;\nusing static TorchSharp.torch;\n" + string.Join("\n", usings) +
            "\n\nnamespace Docs;\n\ninternal static class Usage" + index + "\n{\n    internal static void Run()\n    {\n" + string.Join("\n", statements) + "\n    }\n}\n";
    }

    private static bool IsUsingDirective(string line) =>
        Regex.IsMatch(line, "^using (static )?[A-Za-z_][A-Za-z0-9_.]*;\\s*$");
}
