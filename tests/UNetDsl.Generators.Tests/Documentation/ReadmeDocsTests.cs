using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Documentation;

/// <summary>
/// Every <c>```csharp</c> block of the repository's README.md is compiled, with the generator:
/// <list type="bullet">
/// <item>a block of using directives and top-level statements is a program: pasted as it is into an empty <c>Program.cs</c> (no implicit
/// usings), it builds with no diagnostic;</item>
/// <item>the other blocks follow the rules of the docs pages (<see cref="DeclarationDocsTests"/>): declarations compile
/// together, every other block compiles as usage code next to them, so a fragment fails;</item>
/// <item>the compiler error shown after the first program is what the generator reports, at the place shown, for
/// the change the text describes.</item>
/// </list>
/// </summary>
public class ReadmeDocsTests
{
    private static string Readme() => DocsText.Read("README.md");

    private static List<(string Language, string Body)> Fences() => DocsText.Fences(Readme());

    /// <summary>A whole file: using directives, then top-level statements.</summary>
    private static bool IsProgram(string body)
    {
        var root = CSharpSyntaxTree.ParseText(body, GeneratorHarness.ParseOptions).GetCompilationUnitRoot();
        return root.Usings.Any() && root.Members.OfType<GlobalStatementSyntax>().Any();
    }

    private static List<string> Programs() =>
        Fences().Where(f => f.Language == "csharp" && IsProgram(f.Body)).Select(f => f.Body).ToList();

    /// <summary>A program as the only file of a console application, named Program.cs.</summary>
    private static GeneratorOutcome RunProgram(string program)
    {
        var library = GeneratorHarness.Compile();
        var compilation = library
            .WithOptions(library.Options.WithOutputKind(OutputKind.ConsoleApplication))
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText(program, GeneratorHarness.ParseOptions, path: "Program.cs"));
        return GeneratorHarness.RunOn(compilation);
    }

    [Fact]
    public void The_readme_opens_with_a_program()
    {
        var first = Fences().First(f => f.Language == "csharp");
        Assert.True(IsProgram(first.Body), "the README's first C# block is not a program");
    }

    [Fact]
    public void The_readme_programs_build_as_pasted()
    {
        var programs = Programs();
        Assert.NotEmpty(programs);
        foreach (var program in programs)
        {
            var outcome = RunProgram(program);
            Assert.Null(outcome.GeneratorException);
            Assert.True(outcome.GeneratorDiagnostics.IsEmpty, DocsText.Describe(outcome.GeneratorDiagnostics) + "\nin\n" + program);
            Assert.True(outcome.CompileErrors.IsEmpty, DocsText.Describe(outcome.CompileErrors) + "\nin\n" + program);
        }
    }

    [Fact]
    public void The_readme_declarations_and_usage_compile_without_diagnostics()
    {
        var blocks = Fences().Where(f => f.Language == "csharp" && !IsProgram(f.Body)).Select(f => f.Body).ToList();
        var declarations = blocks.Where(b => b.Contains("[UNet(", StringComparison.Ordinal)).ToList();
        var usages = blocks.Where(b => !b.Contains("[UNet(", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(declarations);
        Assert.NotEmpty(usages);

        var outcome = GeneratorHarness.Run(declarations.Select(DeclarationDocsTests.AsDeclarationFile)
            .Concat(usages.Select((b, i) => DeclarationDocsTests.AsUsageFile(b, i)))
            .ToArray());

        Assert.Null(outcome.GeneratorException);
        Assert.True(outcome.GeneratorDiagnostics.IsEmpty, DocsText.Describe(outcome.GeneratorDiagnostics));
        Assert.True(outcome.CompileErrors.IsEmpty, DocsText.Describe(outcome.CompileErrors));
    }

    [Fact]
    public void The_readme_compile_error_is_what_the_generator_reports_on_the_changed_width()
    {
        var text = Readme();
        var claim = Regex.Match(text, "Change the width from `572` to `570` and the build fails, on the `570`:\\n\\n```\\n(?<error>.*?)```", RegexOptions.Singleline);
        Assert.True(claim.Success, "the README no longer shows the error of the changed width");
        var shown = Regex.Replace(claim.Groups["error"].Value, "\\s+", " ").Trim();

        var program = Programs().First();
        const string Declared = "InputSize = new[] { 572, 572 }";
        Assert.Contains(Declared, program, StringComparison.Ordinal);
        var outcome = RunProgram(program.Replace(Declared, "InputSize = new[] { 572, 570 }", StringComparison.Ordinal));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("570", GeneratorHarness.LocatedText(diagnostic));
        var position = diagnostic.Location.GetLineSpan().StartLinePosition;
        var reported = string.Create(CultureInfo.InvariantCulture, $"Program.cs({position.Line + 1},{position.Character + 1}): error {diagnostic.Id}: {diagnostic.GetMessage(CultureInfo.InvariantCulture)}");
        Assert.Equal(reported, shown);
    }
}
