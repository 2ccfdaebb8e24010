using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using Microsoft.CodeAnalysis;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Robustness;

/// <summary>
/// Property-based fuzzing with CsCheck generators: a thousand random declarations, valid and invalid, including
/// malformed and non-constant arguments, generic, nested, static and record classes, file-scoped and global namespaces
/// and duplicate names. The cases come from a fixed seed, so every run checks the same thousand; set
/// UNETDSL_FUZZ_SEED to another seed to explore, and a failure names the seed and the case to rerun it.
/// </summary>
public class PropertyFuzzTests
{
    /// <summary>The seed of the cases every run checks; UNETDSL_FUZZ_SEED overrides it.</summary>
    public const string DefaultSeed = "1xn1HwIbwfUS";

    /// <summary>A random declaration and the IDs of the faults injected into it, each one of which is reported when it is alone.</summary>
    public sealed record Case(string Source, string[] Faults)
    {
        public bool CertainlyInvalid => Faults.Length > 0;

        public override string ToString() => (CertainlyInvalid ? "[faults: " + string.Join(", ", Faults) + "] " : string.Empty) + Source;
    }

    private static Gen<T> Pick<T>(params T[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    private static string[] Faults(params string?[] faults) => faults.Where(f => f is not null).Select(f => f!).Distinct().ToArray();

    private static readonly Gen<(string Text, string? Fault)> s_channel = Gen.Frequency(
        (8, Pick<(string, string?)>(("4", null), ("8", null), ("16", null), ("6", null))),
        (1, Pick<(string, string?)>(("0", "UNET0006"), ("-3", "UNET0006"), ("Sizes.Value", "UNET0012"), ("2147483647", null))));

    private static readonly Gen<(string Text, string[] Faults)> s_level = Gen.Select(
        s_channel.List[1, 3],
        Gen.Frequency(
            (6, Gen.Const<(string, string?)>((string.Empty, null))),
            (1, Pick<(string, string?)>((", Skip = SkipKind.Add", null), (", Skip = SkipKind.None", null), (", Skip = SkipKind.AttentionGate", null))),
            (1, Pick<(string, string?)>((", KernelSize = 4", null), (", KernelSize = 0", null), (", KernelSize = -1", "UNET0007"))),
            (1, Pick<(string, string?)>((", UpChannels = 5", null), (", SkipFrom = 9", "UNET0012"), (", DecoderChannels = new[] { 0 }", "UNET0006"), (", Pool = new[] { 2 }", null), (", GateChannels = 4", "UNET0012")))),
        (channels, extra) => ("[Level(" + string.Join(", ", channels.Select(c => c.Text)) + extra.Item1 + ")]", Faults(channels.Select(c => c.Fault).Append(extra.Item2).ToArray())));

    private static readonly Gen<(string Text, string[] Faults)> s_unet = Gen.Select(
        Gen.Frequency((8, Pick<(string, string?)>(("1", null), ("3", null))), (1, Pick<(string, string?)>(("0", "UNET0006"), ("-1", "UNET0006"), ("Sizes.Value", "UNET0012")))),
        Gen.Frequency((8, Pick<(string, string?)>(("2", null), ("5", null))), (1, Pick<(string, string?)>(("0", "UNET0006"), ("int.MinValue", "UNET0006")))),
        Gen.Frequency(
            (4, Gen.Const<(string, string?)>((string.Empty, null))),
            (2, Pick<(string, string?)>((", Padding = ConvPadding.Valid", null), (", Dimensions = 3", null), (", Normalization = Normalization.Batch", null), (", UpSampling = UpSampling.Bilinear", null))),
            (2, Pick<(string, string?)>((", InputSize = new[] { 64, 64 }", null), (", InputSize = new[] { 572, 570 }", null), (", InputSize = new[] { 1 << 20 }", null), (", InputSize = new[] { 3 }", null))),
            (1, Pick<(string, string?)>((", Dimensions = 4", "UNET0009"), (", NormGroups = 0, Normalization = Normalization.Group", "UNET0006"), (", Padding = (ConvPadding)9", "UNET0012"), (", InputSize = new[] { 1, 2, 3, 4 }", "UNET0010"), (", KernelSize = 2", "UNET0007"), (", Activation = (Activation)(-1)", "UNET0012")))),
        (inChannels, classes, extra) => ("[UNet(" + inChannels.Item1 + ", " + classes.Item1 + extra.Item1 + ")]", Faults(inChannels.Item2, classes.Item2, extra.Item2)));

    private static readonly Gen<Case> s_case =
        from unet in s_unet
        from levels in Gen.Frequency((1, Gen.Const(0)), (12, Gen.Int[1, 4]))
        from levelList in s_level.List[levels, levels]
        from bottleneck in Gen.Frequency(
            (10, Pick<(string, string?)>(("[Bottleneck(16)]", null), ("[Bottleneck(32, Dropout = 0.5)]", null))),
            (1, Pick<(string, string?)>((string.Empty, "UNET0005"), ("[Bottleneck(16, Dropout = 1.5)]", "UNET0011"), ("[Bottleneck()]", "UNET0012"))))
        from form in Gen.Frequency(
            (12, Gen.Const<(string, string?)>(("public partial class Net", null))),
            (1, Pick<(string, string?)>(("public class Net", "UNET0001"), ("public static partial class Net", "UNET0004"), ("public partial class Net<T>", "UNET0003"), ("public partial record Net", "UNET0004"), ("internal partial class Net : System.Exception", "UNET0004"))))
        from layout in Gen.Int[0, 3]
        from duplicate in Gen.Frequency((6, Gen.Const(false)), (1, Gen.Const(true)))
        let attributes = unet.Text + "\n" + string.Join("\n", levelList.Select(l => l.Text)) + "\n" + bottleneck.Item1
        let declaration = attributes + "\n" + form.Item1 + " { }\n"
        let body = layout switch
        {
            0 => "namespace Fuzz;\n" + declaration,
            1 => "namespace Fuzz\n{\n" + declaration + "}\n",
            2 => declaration,
            _ => "namespace Fuzz\n{\npublic partial class Outer\n{\n" + declaration + "}\n}\n",
        }
        let second = duplicate ? "\nnamespace Other\n{\n[UNet(1, 2)]\n[Level(8)]\n[Bottleneck(16)]\npublic partial class Net { }\n}\n" : string.Empty
        select new Case(
            "using UNetDsl;\n" + "static class Sizes { public static readonly int Value = 8; }\n" + body + (layout == 0 ? string.Empty : second),
            Faults(unet.Faults.Concat(levelList.SelectMany(l => l.Faults)).Append(levels == 0 ? "UNET0005" : null).Append(bottleneck.Item2).Append(form.Item2).Append(layout == 3 ? "UNET0002" : null).ToArray()));

    [Fact]
    public void A_thousand_random_declarations_never_crash_and_are_diagnosed_inside_the_declaration()
    {
        var generated = 0;
        var invalid = 0;
        var total = 0;
        var seed = Environment.GetEnvironmentVariable("UNETDSL_FUZZ_SEED") is { Length: > 0 } chosen ? chosen : DefaultSeed;
        var pcg = PCG.Parse(seed);
        for (var n = 0; n < 1000; n++)
        {
            var testCase = s_case.Generate(pcg, null, out _);
            try
            {
                Check(testCase);
            }
            catch (Exception exception)
            {
                throw new Xunit.Sdk.XunitException("Case " + n + " of seed " + seed + " (UNETDSL_FUZZ_SEED=" + seed + " reruns it) failed: " + exception.Message + "\n" + testCase, exception);
            }
        }

        void Check(Case testCase)
        {
            total++;
            invalid += testCase.CertainlyInvalid ? 1 : 0;
            var outcome = GeneratorHarness.Run(testCase.Source);
            Assert.Null(outcome.GeneratorException);

            var unet = outcome.GeneratorDiagnostics.Where(d => d.Id.StartsWith("UNET", StringComparison.Ordinal)).ToList();
            Assert.DoesNotContain(unet, d => d.Id == "UNET0900");

            var tree = outcome.Output.SyntaxTrees.First();
            var declarationStart = testCase.Source.IndexOf("[UNet(", StringComparison.Ordinal);
            foreach (var diagnostic in unet)
            {
                Assert.Same(tree, diagnostic.Location.SourceTree);
                Assert.True(diagnostic.Location.SourceSpan.Start >= declarationStart, diagnostic.Id + " lies before the declaration");
                Assert.False(diagnostic.Location.SourceSpan.IsEmpty);
            }

            if (testCase.CertainlyInvalid)
            {
                // An injected fault is reported as itself: alone, with its ID; with others, at least one of theirs
                // (a fault of the class's form, say, keeps the arguments from being read at all).
                var reported = unet.Select(d => d.Id).ToList();
                Assert.True(
                    testCase.Faults.Length == 1 ? reported.Contains(testCase.Faults[0]) : reported.Intersect(testCase.Faults).Any(),
                    "faults " + string.Join(", ", testCase.Faults) + " but reported [" + string.Join(", ", reported) + "]");
            }

            var inputErrors = GeneratorHarness.Compile(testCase.Source).GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (unet.Count == 0 && inputErrors.Count == 0)
            {
                // Valid: the generated module compiles, with nothing but the user's own code around it.
                Assert.NotEmpty(outcome.HintNames);
                Assert.Empty(outcome.CompileErrors);
                generated++;
            }

            // Whatever the input, generated code never adds an error of its own.
            Assert.DoesNotContain(outcome.CompileErrors, d => d.Location.SourceTree is { } t && t != tree && outcome.Output.SyntaxTrees.Skip(1).Contains(t) && !t.FilePath.EndsWith("Source0.cs", StringComparison.Ordinal) && !d.Id.StartsWith("UNET", StringComparison.Ordinal));
        }

        // Both kinds were exercised in earnest.
        Assert.True(total >= 1000, total + " cases");
        Assert.True(invalid >= 200, invalid + " certainly invalid cases");
        Assert.True(generated >= 80, generated + " cases generated and compiled");
    }
}
