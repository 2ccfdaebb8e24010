using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using UNetDsl.Generators;

namespace UNetDsl.Tests.Robustness;

/// <summary>
/// Runs the UNetDsl generator over declarations in-process, as the compiler does during a build, and (see
/// <see cref="Load"/>) compiles the declarations with the generated modules into an assembly that runs against the
/// TorchSharp and UNetDsl this test process has loaded. Each declaration is its own file, so a diagnostic tells
/// which declaration it belongs to.
/// </summary>
public sealed class InProcessGenerator
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        // The reference assemblies of net10.0, and the very UNetDsl and TorchSharp files this process runs on: the
        // loaded module then binds to them, not to copies.
        var references = new List<MetadataReference>(Net100.References.All)
        {
            MetadataReference.CreateFromFile(typeof(UNetAttribute).Assembly.Location),
            MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location),
        };
        return references.ToImmutableArray();
    });

    private static readonly CSharpParseOptions s_parseOptions = new(LanguageVersion.Latest);

    private readonly Compilation _output;
    private readonly Dictionary<string, string> _generated;
    private readonly Dictionary<string, List<Diagnostic>> _diagnostics;

    private InProcessGenerator(Compilation output, Dictionary<string, string> generated, Dictionary<string, List<Diagnostic>> diagnostics, Exception? exception)
    {
        _output = output;
        _generated = generated;
        _diagnostics = diagnostics;
        GeneratorException = exception;
    }

    /// <summary>What the generator threw, if it did; it must never throw.</summary>
    public Exception? GeneratorException { get; }

    /// <summary>Runs the generator once over every declaration; names must be distinct.</summary>
    public static InProcessGenerator Run(IEnumerable<NetworkDeclaration> declarations)
    {
        var list = declarations.ToList();
        var trees = list.Select(d => CSharpSyntaxTree.ParseText(d.Source(), s_parseOptions, path: d.Name + ".cs"));
        var compilation = CSharpCompilation.Create(
            "RuntimeFuzz" + Guid.NewGuid().ToString("N"),
            trees,
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, optimizationLevel: OptimizationLevel.Release));
        var driver = CSharpGeneratorDriver.Create(new[] { new UNetGenerator().AsSourceGenerator() }, parseOptions: s_parseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var result = driver.GetRunResult().Results.Single();

        var generated = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in result.GeneratedSources)
        {
            generated[source.HintName] = source.SourceText.ToString();
        }

        var byDeclaration = list.ToDictionary(d => d.Name, _ => new List<Diagnostic>(), StringComparer.Ordinal);
        foreach (var diagnostic in diagnostics)
        {
            var file = Path.GetFileNameWithoutExtension(diagnostic.Location.SourceTree?.FilePath ?? string.Empty);
            if (byDeclaration.TryGetValue(file, out var owned))
            {
                owned.Add(diagnostic);
            }
        }

        return new InProcessGenerator(output, generated, byDeclaration, result.Exception);
    }

    /// <summary>The generator's diagnostics located in the declaration's file.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics(NetworkDeclaration declaration) => _diagnostics[declaration.Name];

    /// <summary>True when the generator emitted a module for the declaration.</summary>
    public bool Accepted(NetworkDeclaration declaration) => _generated.ContainsKey(declaration.FullName + ".g.cs");

    /// <summary>The generated source of an accepted declaration.</summary>
    public string GeneratedSource(NetworkDeclaration declaration) => _generated[declaration.FullName + ".g.cs"];

    /// <summary>The valid-size rule of every axis, as the generated <c>s_sizeRules</c> table states it.</summary>
    public IReadOnlyList<ValidSizeRule> SizeRules(NetworkDeclaration declaration)
    {
        static int Number(Match match, int group) => int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);
        return Regex.Matches(GeneratedSource(declaration), @"new global::UNetDsl\.ValidSizeRule\((\d+), (\d+), (\d+)\)")
            .Select(m => new ValidSizeRule(Number(m, 1), Number(m, 2), Number(m, 3)))
            .ToList();
    }

    /// <summary>Errors of the compilation with the generated files added.</summary>
    public IReadOnlyList<Diagnostic> CompileErrors() => _output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();

    /// <summary>Emits the compilation and loads it into a collectible context; dispose the result to unload it.</summary>
    public LoadedNetworks Load()
    {
        using var image = new MemoryStream();
        var emitted = _output.Emit(image);
        if (!emitted.Success)
        {
            throw new InvalidOperationException("The generated networks do not compile:\n" + string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(10)));
        }

        image.Position = 0;
        return new LoadedNetworks(image);
    }
}

/// <summary>
/// An emitted assembly of generated networks in its own collectible load context. The context resolves nothing
/// itself, so TorchSharp and UNetDsl come from the default context: the networks are the modules and tensors this
/// process knows, and cast to them.
/// </summary>
public sealed class LoadedNetworks : IDisposable
{
    private readonly AssemblyLoadContext _context;
    private readonly Assembly _assembly;

    internal LoadedNetworks(Stream image)
    {
        _context = new AssemblyLoadContext("RuntimeFuzz", isCollectible: true);
        _assembly = _context.LoadFromStream(image);
    }

    public Type Type(NetworkDeclaration declaration) =>
        _assembly.GetType(declaration.FullName, throwOnError: true)!;

    public void Dispose() => _context.Unload();
}
