using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using UNetDsl.Testing;

namespace UNetDsl.Generators.Tests.Infrastructure;

/// <summary>
/// Runs the generator over source text, the way the compiler does, and hands back what it produced. The references,
/// options and driver are those of <see cref="GeneratorCompilation"/>, shared with the other test projects; the
/// files here are named <c>Source0.cs</c>, <c>Source1.cs</c>, ... in the order given.
/// </summary>
public static class GeneratorHarness
{
    public static CSharpParseOptions ParseOptions => GeneratorCompilation.ParseOptions;

    public static CSharpCompilation Compile(params string[] sources) =>
        GeneratorCompilation.Create("UNetDslTestAssembly", sources.Select((s, i) => GeneratorCompilation.Parse(s, "Source" + i + ".cs")));

    public static CSharpGeneratorDriver CreateDriver(bool trackSteps = false) => GeneratorCompilation.CreateDriver(trackSteps);

    /// <summary>Runs the generator once over <paramref name="sources"/>.</summary>
    public static GeneratorOutcome Run(params string[] sources) => RunOn(Compile(sources));

    /// <summary>Runs the generator once over <paramref name="compilation"/>.</summary>
    public static GeneratorOutcome RunOn(Compilation compilation)
    {
        var run = GeneratorCompilation.Run(compilation);
        return new GeneratorOutcome(run.Result, run.Output, run.Diagnostics, GeneratorCompilation.Errors(run.Output));
    }

    /// <summary>The text the diagnostic's location covers.</summary>
    public static string LocatedText(Diagnostic diagnostic) =>
        diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan);
}

/// <param name="Result">The driver's run result.</param>
/// <param name="Output">The compilation with the generated files added.</param>
/// <param name="GeneratorDiagnostics">What the generator reported.</param>
/// <param name="CompileErrors">Errors of the output compilation (C# errors and the generator's).</param>
public sealed record GeneratorOutcome(
    GeneratorDriverRunResult Result,
    Compilation Output,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<Diagnostic> CompileErrors)
{
    public string GeneratedSource(string hintName) =>
        Result.Results.Single().GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();

    public IEnumerable<string> HintNames => Result.Results.SelectMany(r => r.GeneratedSources).Select(s => s.HintName);

    public Exception? GeneratorException => Result.Results.Single().Exception;

    public Diagnostic Single(string id) => GeneratorDiagnostics.Single(d => d.Id == id);
}
