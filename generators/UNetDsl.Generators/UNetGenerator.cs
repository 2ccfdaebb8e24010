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

        /// <summary>The stems of the generated files' names, unique across all valid declarations.</summary>
        public const string HintNames = "UNetDsl.HintNames";

        /// <summary>A valid declaration with the stem of its files' names.</summary>
        public const string EmitJob = "UNetDsl.EmitJob";

        /// <summary>[Level], [Bottleneck] or [Conditioning] on a class without [UNet].</summary>
        public const string StrayAttributes = "UNetDsl.StrayAttributes";
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

        // File names must be unique without case across the whole compilation, so they are given out together; the
        // table only changes when a network is added, removed or renamed, and each job stays cached otherwise.
        var hintNames = emitInputs
            .Select(static (input, _) => input?.Spec.FullName)
            .Collect()
            .Select(static (names, _) => HintNames.Assign(names))
            .WithTrackingName(StepNames.HintNames);

        var jobs = emitInputs
            .Combine(hintNames)
            .Select(static (pair, _) => pair.Left is null ? null : new EmitJob(pair.Left, pair.Right.StemOf(pair.Left.Spec.FullName)))
            .WithTrackingName(StepNames.EmitJob);

        RegisterSources(context, jobs);

        var diagnostics = validated
            .Select(static (outcome, _) => outcome.Diagnostics)
            .WithTrackingName(StepNames.Diagnostics);

        context.RegisterSourceOutput(diagnostics, ReportAll);

        RegisterStrayAttributeChecks(context);
    }

    /// <summary>The module, its ONNX export and its PyTorch twin of every valid declaration, each file from the same cached job.</summary>
    private static void RegisterSources(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<EmitJob?> jobs)
    {
        context.RegisterSourceOutput(jobs, static (spc, job) =>
        {
            if (job is null)
            {
                return;
            }

            AddSource(spc, job.Input, job.Stem + HintNames.Module, UNetEmitter.Emit);
            if (OnnxExportEmitter.Applies(job.Input.Report))
            {
                AddSource(spc, job.Input, job.Stem + HintNames.Onnx, OnnxExportEmitter.Emit);
            }
        });

        // The PyTorch twin goes to a file of its own, from the same cached input.
        context.RegisterSourceOutput(jobs, static (spc, job) =>
        {
            if (job is not null)
            {
                AddSource(spc, job.Input, job.Stem + HintNames.PyTorch, PyTorchTwinEmitter.Emit);
            }
        });
    }

    /// <summary>[Level], [Bottleneck] and [Conditioning] on a class without [UNet] would otherwise be ignored silently.</summary>
    private static void RegisterStrayAttributeChecks(IncrementalGeneratorInitializationContext context)
    {
        foreach (var attributeName in new[] { DeclarationParser.LevelAttributeName, DeclarationParser.BottleneckAttributeName, DeclarationParser.ConditioningAttributeName })
        {
            var stray = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    attributeName,
                    static (node, _) => node is TypeDeclarationSyntax,
                    static (ctx, ct) => DeclarationParser.ParseStray(ctx, ct))
                .WithTrackingName(StepNames.StrayAttributes);
            context.RegisterSourceOutput(stray, ReportAll);
        }
    }

    private static void ReportAll(SourceProductionContext spc, EquatableArray<DiagnosticInfo> list)
    {
        foreach (var diagnostic in list)
        {
            spc.ReportDiagnostic(diagnostic.ToDiagnostic());
        }
    }

    /// <summary>Emits one generated file; a failure becomes UNET0900, never an exception.</summary>
    private static void AddSource(SourceProductionContext spc, EmitInput input, string hintName, Func<UNetSpec, NetworkReport, string> emit)
    {
        try
        {
            spc.AddSource(hintName, emit(input.Spec, input.Report));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The compiler turns an exception here (the emitter's, or AddSource's for a hint name it refuses) into
            // CS8785 and drops every generated file of the project; report ours instead.
            spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GeneratorFailure, Location.None, input.Spec.FullName, exception.GetType().Name, exception.Message));
        }
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

        // C# forbids a member named like its class (CS0542): a class named like a generated member cannot be generated.
        if (result.Report is not null && UNetEmitter.MemberNames(result.Report.Graph).Contains(declaration.Spec.TypeName, StringComparer.Ordinal))
        {
            diagnostics.Add(new DiagnosticInfo(
                DiagnosticDescriptors.NamedLikeGeneratedMember.Id,
                ArgumentLocations.Find(declaration.Locations, ArgumentPath.Class),
                EquatableArray.Create(declaration.Spec.TypeName)));
        }

        // Warnings (an argument with no effect) leave the network as declared: it is generated all the same.
        var emit = diagnostics.All(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity != DiagnosticSeverity.Error) && result.Report is not null
            ? new EmitInput(declaration.Spec, result.Report)
            : null;
        return new DeclarationOutcome(emit, diagnostics.ToEquatableArray());
    }
}

/// <summary>A valid declaration's spec and report: all the emitter reads.</summary>
/// <remarks>Immutable and value-equal, and free of Roslyn objects: the source output caches on it.</remarks>
internal sealed record EmitInput(UNetSpec Spec, NetworkReport Report);

/// <summary>A valid declaration and the stem of its generated files' hint names.</summary>
/// <remarks>Immutable and value-equal, and free of Roslyn objects: the source outputs cache on it.</remarks>
internal sealed record EmitJob(EmitInput Input, string Stem);

/// <summary>The result of checking one declaration: what to emit (null when invalid) and what to report.</summary>
/// <remarks>Value-equal; its diagnostics hold syntax trees for their locations, so only the diagnostics branch reads them.</remarks>
internal sealed record DeclarationOutcome(EmitInput? EmitInput, EquatableArray<DiagnosticInfo> Diagnostics);
