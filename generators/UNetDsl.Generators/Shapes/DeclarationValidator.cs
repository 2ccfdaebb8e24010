using System.Collections.Generic;
using System.Linq;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>The outcome of checking one declaration: a report to emit from, or findings to report. Pure.</summary>
/// <remarks>Immutable and value-equal: the pipeline caches on it.</remarks>
internal sealed record ValidationResult(NetworkReport? Report, EquatableArray<Finding> Findings);

internal static class DeclarationValidator
{
    public static ValidationResult Validate(UNetSpec spec)
    {
        var findings = DeclarationRules.Check(spec);
        if (findings.Count > 0)
        {
            return new ValidationResult(null, findings.ToEquatableArray());
        }

        var network = ResolvedNetwork.From(spec);
        var input = spec.InputSize.Count == 1 && spec.Dimensions > 1
            ? Enumerable.Repeat(spec.InputSize[0], spec.Dimensions).ToArray()
            : spec.InputSize.ToArray();
        var (report, shapeFindings) = ShapeEngine.Analyze(network, input, oneSizeForAllAxes: spec.InputSize.Count == 1);

        // A single InputSize value stands for every axis: point all axes' findings at it.
        IEnumerable<Finding> located = spec.InputSize.Count == 1
            ? shapeFindings.Select(f => f with { Path = f.Path.StartsWith("UNet.InputSize[", System.StringComparison.Ordinal) ? "UNet.InputSize[0]" : f.Path }).Distinct()
            : shapeFindings;
        return new ValidationResult(report, located.ToEquatableArray());
    }
}
