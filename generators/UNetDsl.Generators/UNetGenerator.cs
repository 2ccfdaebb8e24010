using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using UNetDsl.Generators.Diagnostics;
using UNetDsl.Generators.Emission;
using UNetDsl.Generators.Model;
using UNetDsl.Generators.Parsing;
using UNetDsl.Generators.Shapes;

namespace UNetDsl.Generators;

/// <summary>
/// Turns every <c>[UNet]</c> class into a shape-checked TorchSharp module.
/// Parse (symbols to a spec) -> Validate (pure shape engine) -> Emit (pure writer); diagnostics leave through their
/// own output so that the source branch caches on specs alone.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class UNetGenerator : IIncrementalGenerator
{
    /// <summary>Names of the pipeline's steps, for incremental-cache tests.</summary>
    public static class StepNames
    {
        /// <summary>Declarations read from the syntax and symbols.</summary>
        public const string Parse = "UNetDsl.Parse";

        /// <summary>Declarations checked by the shape engine.</summary>
        public const string Validate = "UNetDsl.Validate";

        /// <summary>What the emitter needs: spec and report of valid declarations.</summary>
        public const string EmitInput = "UNetDsl.EmitInput";

        /// <summary>The diagnostics of each declaration.</summary>
        public const string Diagnostics = "UNetDsl.Diagnostics";
    }

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                DeclarationParser.UNetAttributeName,
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, ct) => DeclarationParser.Parse(ctx, ct))
            .WithTrackingName(StepNames.Parse);

        var validated = parsed
            .Select(static (declaration, _) => Check(declaration))
            .WithTrackingName(StepNames.Validate);

        var emitInputs = validated
            .Select(static (outcome, _) => outcome.EmitInput)
            .WithTrackingName(StepNames.EmitInput);

        context.RegisterSourceOutput(emitInputs, static (spc, input) =>
        {
            if (input is null)
            {
                return;
            }

            AddSource(spc, input, UNetEmitter.HintName(input.Spec), UNetEmitter.Emit);
            if (OnnxExportEmitter.Applies(input.Report))
            {
                AddSource(spc, input, OnnxExportEmitter.HintName(input.Spec), OnnxExportEmitter.Emit);
            }
        });

        // The PyTorch twin goes to a file of its own, from the same cached input.
        context.RegisterSourceOutput(emitInputs, static (spc, input) =>
        {
            if (input is not null)
            {
                AddSource(spc, input, PyTorchTwinEmitter.HintName(input.Spec), PyTorchTwinEmitter.Emit);
            }
        });

        var diagnostics = validated
            .Select(static (outcome, _) => outcome.Diagnostics)
            .WithTrackingName(StepNames.Diagnostics);

        context.RegisterSourceOutput(diagnostics, static (spc, list) =>
        {
            foreach (var diagnostic in list)
            {
                spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });
    }

    /// <summary>Emits one generated file; a failure becomes UNET0900, never an exception.</summary>
    private static void AddSource(SourceProductionContext spc, EmitInput input, string hintName, Func<UNetSpec, NetworkReport, string> emit)
    {
        string source;
        try
        {
            source = emit(input.Spec, input.Report);
        }
        catch (Exception exception)
        {
            // The compiler turns an exception here into CS8785 and drops every generated file; report ours instead.
            spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GeneratorFailure, Location.None, input.Spec.FullName, exception.GetType().Name, exception.Message));
            return;
        }

        spc.AddSource(hintName, source);
    }

    /// <summary>Validates a parsed declaration and ties each finding to the source location of its argument.</summary>
    internal static DeclarationOutcome Check(ParsedDeclaration declaration)
    {
        if (declaration.Spec is null)
        {
            return new DeclarationOutcome(null, declaration.Diagnostics);
        }

        ValidationResult result;
        try
        {
            result = DeclarationValidator.Validate(declaration.Spec);
        }
        catch (Exception exception)
        {
            var failure = new DiagnosticInfo(
                DiagnosticDescriptors.GeneratorFailure.Id,
                ArgumentLocations.Find(declaration.Locations, ArgumentPath.Class),
                EquatableArray.Create(declaration.Spec.TypeName, exception.GetType().Name, exception.Message));
            return new DeclarationOutcome(null, EquatableArray.Create(failure));
        }

        var diagnostics = new List<DiagnosticInfo>(declaration.Diagnostics);
        foreach (var finding in result.Findings)
        {
            diagnostics.Add(new DiagnosticInfo(finding.Id, ArgumentLocations.Find(declaration.Locations, finding.Path), finding.Arguments, finding.Properties));
        }

        var emit = diagnostics.Count == 0 && result.Report is not null ? new EmitInput(declaration.Spec, result.Report) : null;
        return new DeclarationOutcome(emit, diagnostics.ToEquatableArray());
    }
}

/// <summary>A valid declaration's spec and report: all the emitter reads.</summary>
/// <remarks>Immutable and value-equal, and free of Roslyn objects: the source output caches on it.</remarks>
internal sealed record EmitInput(UNetSpec Spec, NetworkReport Report);

/// <summary>The result of checking one declaration: what to emit (null when invalid) and what to report.</summary>
/// <remarks>Value-equal; its diagnostics hold syntax trees for their locations, so only the diagnostics branch reads them.</remarks>
internal sealed record DeclarationOutcome(EmitInput? EmitInput, EquatableArray<DiagnosticInfo> Diagnostics);
