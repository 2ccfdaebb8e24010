using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using UNetDsl.Testing;

namespace UNetDsl.Tests.Robustness;

/// <summary>
/// Runs the UNetDsl generator over declarations in-process, as the compiler does during a build (the compilation of
/// <see cref="GeneratorCompilation"/>, optimised), and (see <see cref="Load"/>) compiles the declarations with the
/// generated modules into an assembly that runs against the TorchSharp and UNetDsl this test process has loaded. Each declaration is its own file, so a diagnostic tells
/// which declaration it belongs to.
/// </summary>
public sealed class InProcessGenerator
{
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
        var compilation = GeneratorCompilation.Create(
            "RuntimeFuzz" + Guid.NewGuid().ToString("N"),
            list.Select(d => GeneratorCompilation.Parse(d.Source(), d.Name + ".cs")),
            OptimizationLevel.Release);
        var run = GeneratorCompilation.Run(compilation);
        var result = run.Result.Results.Single();

        var generated = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in result.GeneratedSources)
        {
            generated[source.HintName] = source.SourceText.ToString();
        }

        var byDeclaration = list.ToDictionary(d => d.Name, _ => new List<Diagnostic>(), StringComparer.Ordinal);
        foreach (var diagnostic in run.Diagnostics)
        {
            var file = Path.GetFileNameWithoutExtension(diagnostic.Location.SourceTree?.FilePath ?? string.Empty);
            if (byDeclaration.TryGetValue(file, out var owned))
            {
                owned.Add(diagnostic);
            }
        }

        return new InProcessGenerator(run.Output, generated, byDeclaration, result.Exception);
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
    public IReadOnlyList<Diagnostic> CompileErrors() => GeneratorCompilation.Errors(_output);

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
