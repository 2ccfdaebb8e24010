using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace UNetDsl.Generators.Benchmarks;

/// <summary>
/// The generator over 100 declarations: a cold run (a new driver, as a command-line build does) and an incremental
/// run after an edit to one unrelated file (as the IDE does on every keystroke).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class GeneratorBenchmarks
{
    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _edited = null!;
    private GeneratorDriver _warmDriver = null!;

    /// <summary>One hundred declarations: 2D and 3D, valid and same padding, 2 to 5 levels, with and without an input size.</summary>
    public static IEnumerable<string> Declarations()
    {
        for (var i = 0; i < 100; i++)
        {
            var levels = 2 + (i % 4);
            var valid = i % 2 == 0;
            var dimensions = i % 5 == 0 ? 3 : 2;
            var arguments = "1, 2, Dimensions = " + dimensions + ", Padding = ConvPadding." + (valid ? "Valid" : "Same") + (i % 3 == 0 ? ", Normalization = Normalization.Batch" : string.Empty);
            if (i % 4 == 0 && !valid)
            {
                arguments += ", InputSize = new[] { " + string.Join(", ", Enumerable.Repeat(1 << (levels + 2), dimensions)) + " }";
            }

            var text = "using UNetDsl;\nnamespace Bench" + i + ";\n[UNet(" + arguments + ")]\n";
            for (var level = 0; level < levels; level++)
            {
                text += "[Level(" + (16 << level) + ")]\n";
            }

            text += "[Bottleneck(" + (16 << levels) + ")]\npublic partial class Net" + i + " { }\n";
            yield return text;
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        var references = Basic.Reference.Assemblies.Net100.References.All.ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(UNetAttribute).Assembly.Location));
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = Declarations().Select((text, i) => CSharpSyntaxTree.ParseText(text, options, path: "Net" + i + ".cs")).ToList();
        trees.Add(CSharpSyntaxTree.ParseText("class Unrelated { }", options, path: "Unrelated.cs"));
        _compilation = CSharpCompilation.Create("Bench", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var unrelated = trees[^1];
        _edited = _compilation.ReplaceSyntaxTree(unrelated, CSharpSyntaxTree.ParseText("class Unrelated { int x; }", options, path: "Unrelated.cs"));
        _warmDriver = NewDriver().RunGenerators(_compilation);
    }

    private static GeneratorDriver NewDriver() =>
        CSharpGeneratorDriver.Create(new[] { new UNetGenerator().AsSourceGenerator() }, parseOptions: new CSharpParseOptions(LanguageVersion.Latest));

    [Benchmark(Description = "100 declarations, cold")]
    public int Cold() => NewDriver().RunGenerators(_compilation).GetRunResult().GeneratedTrees.Length;

    [Benchmark(Description = "100 declarations, after an unrelated edit")]
    public int Incremental() => _warmDriver.RunGenerators(_edited).GetRunResult().GeneratedTrees.Length;
}
