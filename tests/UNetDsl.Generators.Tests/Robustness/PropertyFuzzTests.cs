using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using Microsoft.CodeAnalysis;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Robustness;

/// <summary>
/// Property-based fuzzing with CsCheck: a thousand random declarations, valid and invalid, including malformed and
/// non-constant arguments, generic, nested, static and record classes, file-scoped and global namespaces and
/// duplicate names. CsCheck shrinks any failure to a small declaration and prints its seed.
/// </summary>
public class PropertyFuzzTests
{
    /// <summary>A random declaration and whether it is certainly invalid by construction.</summary>
    public sealed record Case(string Source, bool CertainlyInvalid)
    {
        public override string ToString() => (CertainlyInvalid ? "[invalid] " : string.Empty) + Source;
    }

    private static Gen<T> Pick<T>(params T[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    private static readonly Gen<(string Text, bool Invalid)> s_channel = Gen.Frequency(
        (8, Pick(("4", false), ("8", false), ("16", false), ("6", false))),
        (1, Pick(("0", true), ("-3", true), ("Sizes.Value", true), ("2147483647", false))));

    private static readonly Gen<(string Text, bool Invalid)> s_level = Gen.Select(
        s_channel.List[1, 3],
        Gen.Frequency(
            (6, Gen.Const((string.Empty, false))),
            (1, Pick((", Skip = SkipKind.Add", false), (", Skip = SkipKind.None", false), (", Skip = SkipKind.AttentionGate", false))),
            (1, Pick((", KernelSize = 4", false), (", KernelSize = 0", false), (", KernelSize = -1", true))),
            (1, Pick((", UpChannels = 5", false), (", SkipFrom = 9", true), (", DecoderChannels = new[] { 0 }", true), (", Pool = new[] { 2 }", false), (", GateChannels = 4", false)))),
        (channels, extra) => ("[Level(" + string.Join(", ", channels.Select(c => c.Text)) + extra.Item1 + ")]", channels.Any(c => c.Invalid) || extra.Item2));

    private static readonly Gen<(string Text, bool Invalid)> s_unet = Gen.Select(
        Gen.Frequency((8, Pick(("1", false), ("3", false))), (1, Pick(("0", true), ("-1", true), ("Sizes.Value", true)))),
        Gen.Frequency((8, Pick(("2", false), ("5", false))), (1, Pick(("0", true), ("int.MinValue", true)))),
        Gen.Frequency(
            (4, Gen.Const((string.Empty, false))),
            (2, Pick((", Padding = ConvPadding.Valid", false), (", Dimensions = 3", false), (", Normalization = Normalization.Batch", false), (", UpSampling = UpSampling.Bilinear", false))),
            (2, Pick((", InputSize = new[] { 64, 64 }", false), (", InputSize = new[] { 572, 570 }", false), (", InputSize = new[] { 1 << 20 }", false), (", InputSize = new[] { 3 }", false))),
            (1, Pick((", Dimensions = 4", true), (", NormGroups = 0, Normalization = Normalization.Group", true), (", Padding = (ConvPadding)9", true), (", InputSize = new[] { 1, 2, 3, 4 }", true), (", KernelSize = 2", true), (", Activation = (Activation)(-1)", true)))),
        (inChannels, classes, extra) => ("[UNet(" + inChannels.Item1 + ", " + classes.Item1 + extra.Item1 + ")]", inChannels.Item2 || classes.Item2 || extra.Item2));

    private static readonly Gen<Case> s_case =
        from unet in s_unet
        from levels in Gen.Frequency((1, Gen.Const(0)), (12, Gen.Int[1, 4]))
        from levelList in s_level.List[levels, levels]
        from bottleneck in Gen.Frequency(
            (10, Pick(("[Bottleneck(16)]", false), ("[Bottleneck(32, Dropout = 0.5)]", false))),
            (1, Pick((string.Empty, true), ("[Bottleneck(16, Dropout = 1.5)]", true), ("[Bottleneck()]", true))))
        from form in Gen.Frequency(
            (12, Gen.Const(("public partial class Net", false))),
            (1, Pick(("public class Net", true), ("public static partial class Net", true), ("public partial class Net<T>", true), ("public partial record Net", true), ("internal partial class Net : System.Exception", true))))
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
            "using UNetDsl;\n" + (layout == 0 ? string.Empty : string.Empty) + "static class Sizes { public static readonly int Value = 8; }\n" + body + (layout == 0 ? string.Empty : second),
            unet.Item2 || levels == 0 || levelList.Any(l => l.Invalid) || bottleneck.Item2 || form.Item2 || layout == 3);

    [Fact]
    public void A_thousand_random_declarations_never_crash_and_are_diagnosed_inside_the_declaration()
    {
        var generated = 0;
        var invalid = 0;
        var total = 0;
        s_case.Sample(
            testCase =>
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
                    Assert.True(unet.Count > 0, "an invalid declaration got no UNET diagnostic");
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
            },
            iter: 1000,
            threads: 1,
            seed: Environment.GetEnvironmentVariable("UNETDSL_FUZZ_SEED"));

        // Both kinds were exercised in earnest.
        Assert.True(total >= 1000, total + " cases");
        Assert.True(invalid >= 200, invalid + " certainly invalid cases");
        Assert.True(generated >= 80, generated + " cases generated and compiled");
    }
}
