using System.Linq;
using Microsoft.CodeAnalysis;
using UNetDsl.Generators.Model;
using UNetDsl.Generators.Parsing;
using UNetDsl.Generators.Tests.Infrastructure;

namespace UNetDsl.Generators.Tests.Contract;

/// <summary>The spec the generator's parser reads from a declaration, taken from the pipeline's tracked Parse step.</summary>
internal static class ParsedSpecs
{
    /// <summary>Parses the one [UNet] class of <paramref name="declaration"/> (attributes and class, without usings or namespace).</summary>
    public static UNetSpec Parse(string declaration)
    {
        var compilation = GeneratorHarness.Compile("using UNetDsl;\n\nnamespace Test;\n\n" + declaration);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var parsed = (ParsedDeclaration)driver.GetRunResult().Results.Single().TrackedSteps[UNetGenerator.StepNames.Parse]
            .SelectMany(run => run.Outputs)
            .Single()
            .Value;
        return parsed.Spec ?? throw new System.InvalidOperationException("the parser read no spec: " + string.Join("; ", parsed.Diagnostics.Select(d => d.Id)));
    }
}
