using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Incremental;

/// <summary>
/// Nothing from Roslyn may reach the source branch of the pipeline: a symbol or syntax node there roots a whole
/// compilation and defeats caching.
/// </summary>
public class ModelPurityTests
{
    [Fact]
    public void Emit_inputs_hold_no_Roslyn_objects()
    {
        var compilation = GeneratorHarness.Compile(Declarations.Paper);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var outputs = driver.GetRunResult().Results.Single().TrackedSteps[UNetGenerator.StepNames.EmitInput]
            .SelectMany(run => run.Outputs)
            .Select(o => o.Value)
            .ToList();

        Assert.NotEmpty(outputs);
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var output in outputs)
        {
            Walk(output, "EmitInput", visited);
        }

        Assert.True(visited.Count > 50, "The walk should reach the spec, the report and their arrays; it saw " + visited.Count + " objects.");
    }

    private static void Walk(object? value, string path, HashSet<object> visited)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || value is decimal)
        {
            return;
        }

        var type = value.GetType();
        Assert.False(
            type.Namespace?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) == true,
            $"{path} holds a Roslyn object of type {type.FullName}.");
        if (!type.IsValueType && !visited.Add(value))
        {
            return;
        }

        if (value is IEnumerable sequence)
        {
            var index = 0;
            foreach (var item in sequence)
            {
                Walk(item, path + "[" + index++ + "]", visited);
            }

            return;
        }

        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            Walk(field.GetValue(value), path + "." + field.Name, visited);
        }
    }
}
