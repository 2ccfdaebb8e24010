using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using UNetDsl.Generators;

namespace UNetDsl.Testing;

/// <summary>
/// The compilation the test projects run the UNetDsl generator over, built as the compiler builds a user's project:
/// one set of references, parse options and compilation options, and one way to run the generator. Linked as source
/// into every test project that drives the generator, so they all see the same compilation.
/// </summary>
internal static class GeneratorCompilation
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        // The reference assemblies of net10.0, and the very UNetDsl (the attributes) and TorchSharp files this process
        // runs on, which the generated code uses: a module loaded from the output binds to them, not to copies.
        // No AppDomain scanning: the set is explicit.
        var references = new List<MetadataReference>(Net100.References.All)
        {
            MetadataReference.CreateFromFile(typeof(UNetAttribute).Assembly.Location),
            MetadataReference.CreateFromFile(typeof(global::TorchSharp.torch).Assembly.Location),
        };
        return references.ToImmutableArray();
    });

    /// <summary>The references of every test compilation.</summary>
    public static ImmutableArray<MetadataReference> References => s_references.Value;

    /// <summary>The latest C#, as a project with <c>LangVersion</c> latest has it.</summary>
    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    /// <summary>A class library with nullable reference types enabled.</summary>
    public static CSharpCompilationOptions Options(OptimizationLevel optimization = OptimizationLevel.Debug) =>
        new(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, optimizationLevel: optimization);

    /// <summary>One source file with the test parse options; <paramref name="path"/> is the file a diagnostic names.</summary>
    public static SyntaxTree Parse(string source, string path) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: path);

    /// <summary>A compilation of <paramref name="trees"/> with the test references and options.</summary>
    public static CSharpCompilation Create(string assemblyName, IEnumerable<SyntaxTree> trees, OptimizationLevel optimization = OptimizationLevel.Debug) =>
        CSharpCompilation.Create(assemblyName, trees, References, Options(optimization));

    /// <summary>A driver holding the UNetDsl generator; <paramref name="trackSteps"/> records its incremental steps.</summary>
    public static CSharpGeneratorDriver CreateDriver(bool trackSteps = false) =>
        CSharpGeneratorDriver.Create(
            new[] { new UNetGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator once over <paramref name="compilation"/>, as a build does.</summary>
    public static GeneratorRun Run(Compilation compilation)
    {
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return new GeneratorRun(driver.GetRunResult(), output, diagnostics);
    }

    /// <summary>The errors of <paramref name="compilation"/> (C# errors and, in an output compilation, the generator's).</summary>
    public static ImmutableArray<Diagnostic> Errors(Compilation compilation) =>
        compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
}

/// <param name="Result">The driver's run result.</param>
/// <param name="Output">The compilation with the generated files added.</param>
/// <param name="Diagnostics">What the generator reported.</param>
internal sealed record GeneratorRun(GeneratorDriverRunResult Result, Compilation Output, ImmutableArray<Diagnostic> Diagnostics);
