using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Incremental;

/// <summary>The pipeline must not redo work for edits that do not touch a declaration.</summary>
public class IncrementalCacheTests
{
    private static (GeneratorDriver Driver, Compilation Compilation) RunOnce(string declaration)
    {
        var compilation = GeneratorHarness.Compile(declaration, "namespace Other { public class Unrelated { } }");
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true);
        driver = driver.RunGenerators(compilation);
        return (driver, compilation);
    }

    private static IncrementalStepRunReason[] Reasons(GeneratorDriver driver, string step) =>
        driver.GetRunResult().Results.Single().TrackedSteps[step]
            .SelectMany(run => run.Outputs)
            .Select(output => output.Reason)
            .ToArray();

    [Fact]
    public void Unrelated_edit_leaves_every_step_cached()
    {
        var (driver, compilation) = RunOnce(Declarations.Paper);
        var unrelated = compilation.SyntaxTrees.Last();
        var edited = compilation.ReplaceSyntaxTree(
            unrelated,
            CSharpSyntaxTree.ParseText("namespace Other { public class Unrelated { public int Field; } }", GeneratorHarness.ParseOptions, unrelated.FilePath));

        driver = driver.RunGenerators(edited);

        Assert.All(Reasons(driver, UNetGenerator.StepNames.Parse), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.All(Reasons(driver, UNetGenerator.StepNames.Validate), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.All(Reasons(driver, UNetGenerator.StepNames.EmitInput), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.NotEmpty(Reasons(driver, UNetGenerator.StepNames.EmitInput));
    }

    [Fact]
    public void Whitespace_edit_in_the_declaration_file_keeps_the_emit_input_unchanged()
    {
        var (driver, compilation) = RunOnce(Declarations.Paper);
        var declaration = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(
            declaration,
            CSharpSyntaxTree.ParseText("// a comment moves every location\n" + Declarations.Paper, GeneratorHarness.ParseOptions, declaration.FilePath));

        driver = driver.RunGenerators(edited);

        // The declaration is parsed again (its tree changed), but the spec and report are equal: nothing is re-emitted.
        var reason = Assert.Single(Reasons(driver, UNetGenerator.StepNames.EmitInput));
        Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, reason.ToString());
    }

    [Fact]
    public void Editing_the_model_modifies_the_emit_input()
    {
        var (driver, compilation) = RunOnce(Declarations.Paper);
        var declaration = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(
            declaration,
            CSharpSyntaxTree.ParseText(Declarations.Paper.Replace("[Level(64)]", "[Level(32)]"), GeneratorHarness.ParseOptions, declaration.FilePath));

        driver = driver.RunGenerators(edited);

        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(driver, UNetGenerator.StepNames.EmitInput));
        var source = driver.GetRunResult().Results.Single().GeneratedSources.Single(s => s.HintName == "Samples.PaperUNet.g.cs").SourceText.ToString();
        Assert.Contains("new int[] { 32, 32 }", source);
    }
}
