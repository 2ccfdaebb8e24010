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
            var source = RandomDeclaration(random);
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

    private static string RandomDeclaration(Random random)
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

        if (random.Next(2) == 0)
        {
            switch (random.Next(16))
            {
                case 0: unet[0] = Pick(0, -3).ToString(); break;
                case 1: unet[1] = "0"; break;
                case 2: unet[2] = "Dimensions = " + Pick(1, 4, 0); break;
                case 3: unet.Add("KernelSize = " + Pick(0, -1, 2, 4)); break;
                case 4: unet.Add("InputSize = new[] { " + string.Join(", ", Enumerable.Range(0, Pick(1, dimensions, 4)).Select(_ => Pick(0, 3, 33, 570, 1 << 20))) + " }"); break;
                case 5: unet.Add("Padding = (ConvPadding)" + Pick(2, 9, -1)); break;
                case 6: levelLines[0][0] = Pick(0, -8).ToString(); break;
                case 7: levelLines[0].Add("SkipFrom = " + Pick(9, -1, levels + 1)); break;
                case 8: levelLines[levels - 1].Add("Skip = SkipKind.Add"); levelLines[levels - 1].Add("UpChannels = 3"); break;
                case 9: bottleneck.Add("Dropout = " + Pick(1, 2, -1) + ".0"); break;
                case 10: unet.Add("Normalization = Normalization.Group"); unet.Add("NormGroups = " + Pick(3, 0, 5)); break;
                case 11: levelLines.Clear(); break;
                case 12: bottleneck.Clear(); bottleneck.Add("NONE"); break;
                case 13: form = Pick(0, 1, 2) switch { 0 => "public class Net", 1 => "public static partial class Net", _ => "public partial class Net<T>" }; break;
                case 14: levelLines[0].Add("DecoderChannels = new int[] { " + Pick(0, -4) + " }"); break;
                default: unet.Add("KernelSize = " + (padding == "Valid" ? 9 : 11)); unet.Add("InputSize = new[] { " + string.Join(", ", Enumerable.Repeat(Pick(12, 20), dimensions)) + " }"); break;
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
        return text.ToString();
    }
}
