using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Robustness;

/// <summary>
/// Random declarations, valid and not: the generator must never throw, every invalid one gets a UNET error inside
/// the declaration, and every one without a UNET error compiles.
/// </summary>
public class RandomDeclarationTests
{
    private static readonly string[] s_norms = { "Normalization.None", "Normalization.Batch", "Normalization.Instance", "Normalization.Group" };

    [Fact]
    public void Generator_survives_random_declarations()
    {
        var random = new Random(20151118);
        var failures = new List<string>();
        var valid = 0;
        for (var i = 0; i < 150; i++)
        {
            var (source, expected) = RandomDeclaration(random);
            var outcome = GeneratorHarness.Run(source);
            if (outcome.GeneratorException is not null)
            {
                failures.Add($"#{i}: generator threw {outcome.GeneratorException}\n{source}");
                continue;
            }

            var unet = outcome.GeneratorDiagnostics.Where(d => d.Id.StartsWith("UNET", StringComparison.Ordinal)).ToList();
            if (unet.Any(d => d.Id == "UNET0900"))
            {
                failures.Add($"#{i}: internal failure {unet.First(d => d.Id == "UNET0900").GetMessage()}\n{source}");
            }

            var declaration = outcome.Output.SyntaxTrees.First();
            foreach (var diagnostic in unet)
            {
                if (diagnostic.Location.SourceTree != declaration || diagnostic.Location.SourceSpan.IsEmpty)
                {
                    failures.Add($"#{i}: {diagnostic.Id} is not located in the declaration\n{source}");
                }
            }

            // A fault injected on purpose must be reported as that fault (or, for an argument the valid part set too, as the
            // duplicate), not just by some error, nor pass.
            if (expected.Length > 0 && !unet.Any(d => expected.Contains(d.Id)))
            {
                failures.Add($"#{i}: expected {string.Join(" or ", expected)}, got [{string.Join(", ", unet.Select(d => d.Id))}]\n{source}");
            }

            if (unet.Count == 0)
            {
                valid++;
                if (outcome.CompileErrors.Any())
                {
                    failures.Add($"#{i}: no UNET diagnostic but the output does not compile: {string.Join("; ", outcome.CompileErrors.Take(3))}\n{source}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures.Take(5)));
        Assert.InRange(valid, 40, 130); // the generator saw both kinds
    }

    /// <summary>A declaration and the IDs of which one must be reported for its fault (empty: no certain fault).</summary>
    private static (string Source, string[] Expected) RandomDeclaration(Random random)
    {
        int Pick(params int[] values) => values[random.Next(values.Length)];

        // A valid declaration first, then (half the time) one fault from the list below.
        var dimensions = Pick(2, 2, 3);
        var padding = random.Next(2) == 0 ? "Valid" : "Same";
        var levels = Pick(1, 2, 3);
        var unet = new List<string> { Pick(1, 3).ToString(), Pick(2, 4).ToString() };
        unet.Add("Dimensions = " + dimensions);
        unet.Add("Padding = ConvPadding." + padding);
        var normGroups = 4;
        if (random.Next(2) == 0)
        {
            unet.Add("Normalization = " + s_norms[random.Next(s_norms.Length)]);
            unet.Add("NormGroups = " + normGroups);
        }

        if (random.Next(2) == 0)
        {
            var step = 1 << levels;
            var size = padding == "Same" ? step * Pick(2, 3, 4) : 0;
            if (size > 0)
            {
                unet.Add("InputSize = new[] { " + string.Join(", ", Enumerable.Repeat(size, dimensions)) + " }");
            }
        }

        var levelLines = Enumerable.Range(0, levels).Select(_ => new List<string> { Pick(4, 8, 16).ToString() }).ToList();
        var bottleneck = new List<string> { "16" };
        var form = "public partial class Net";
        var expected = Array.Empty<string>();
        string[] Expect(params string[] ids) => ids;

        if (random.Next(2) == 0)
        {
            switch (random.Next(16))
            {
                case 0: unet[0] = Pick(0, -3).ToString(); expected = Expect("UNET0006"); break;
                case 1: unet[1] = "0"; expected = Expect("UNET0006"); break;
                case 2: unet[2] = "Dimensions = " + Pick(1, 4, 0); expected = Expect("UNET0009"); break;
                case 3:
                    var kernel = Pick(0, -1, 2, 4);
                    unet.Add("KernelSize = " + kernel);
                    expected = kernel < 1 || padding == "Same" ? Expect("UNET0007") : expected; // 'Valid' padding takes even kernels
                    break;
                case 4:
                    var sizes = Enumerable.Range(0, Pick(1, dimensions, 4)).Select(_ => Pick(0, 3, 33, 570, 1 << 20)).ToList();
                    unet.Add("InputSize = new[] { " + string.Join(", ", sizes) + " }");
                    // The valid part may have set InputSize already: then the duplicate is the fault reported.
                    expected = sizes.Count == 4 ? Expect("UNET0010", "UNET0012") : sizes.Contains(0) ? Expect("UNET0006", "UNET0012") : expected;
                    break;
                case 5: unet.Add("Padding = (ConvPadding)" + Pick(2, 9, -1)); expected = Expect("UNET0012"); break;
                case 6: levelLines[0][0] = Pick(0, -8).ToString(); expected = Expect("UNET0006"); break;
                case 7: levelLines[0].Add("SkipFrom = " + Pick(9, -1, levels + 1)); expected = Expect("UNET0012"); break;
                case 8: levelLines[levels - 1].Add("Skip = SkipKind.Add"); levelLines[levels - 1].Add("UpChannels = 3"); expected = Expect("UNET1003"); break;
                case 9: bottleneck.Add("Dropout = " + Pick(1, 2, -1) + ".0"); expected = Expect("UNET0011"); break;
                case 10:
                    var groups = Pick(3, 0, 5);
                    unet.Add("Normalization = Normalization.Group");
                    unet.Add("NormGroups = " + groups);
                    expected = Expect(groups == 0 ? "UNET0006" : "UNET0008", "UNET0012");
                    break;
                case 11: levelLines.Clear(); expected = Expect("UNET0005"); break;
                case 12: bottleneck.Clear(); bottleneck.Add("NONE"); expected = Expect("UNET0005"); break;
                case 13:
                    var which = Pick(0, 1, 2);
                    form = which switch { 0 => "public class Net", 1 => "public static partial class Net", _ => "public partial class Net<T>" };
                    expected = Expect(which switch { 0 => "UNET0001", 1 => "UNET0004", _ => "UNET0003" });
                    break;
                case 14: levelLines[0].Add("DecoderChannels = new int[] { " + Pick(0, -4) + " }"); expected = Expect("UNET0006"); break;
                default:
                    var size = Pick(12, 20);
                    unet.Add("KernelSize = " + (padding == "Valid" ? 9 : 11));
                    unet.Add("InputSize = new[] { " + string.Join(", ", Enumerable.Repeat(size, dimensions)) + " }");
                    // 'Valid' 9x9 convolutions shrink 12 or 20 to nothing; with 'Same' padding the size may line up.
                    expected = padding == "Valid" ? Expect("UNET1001", "UNET0012") : expected;
                    break;
            }
        }

        var text = new StringBuilder("using UNetDsl;\n\nnamespace Fuzz;\n\n");
        text.Append("[UNet(").Append(string.Join(", ", unet)).Append(")]\n");
        foreach (var level in levelLines)
        {
            text.Append("[Level(").Append(string.Join(", ", level)).Append(")]\n");
        }

        if (bottleneck[0] != "NONE")
        {
            text.Append("[Bottleneck(").Append(string.Join(", ", bottleneck)).Append(")]\n");
        }

        text.Append(form).Append("\n{\n}\n");
        return (text.ToString(), expected);
    }
}
