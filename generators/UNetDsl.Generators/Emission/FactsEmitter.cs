using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using UNetDsl.Generators.Model;
using UNetDsl.Generators.Shapes;
using static UNetDsl.Generators.Emission.TextFormat;

namespace UNetDsl.Generators.Emission;

/// <summary>Writes what the compiler knows about the network as members of the module: counts, sizes, rules, the summary table.</summary>
internal static class FactsEmitter
{
    /// <summary>The constants and static members every generated network has: counts, sizes, size rules, geometry, summary.</summary>
    public static void Write(SourceWriter w, UNetSpec spec, NetworkReport report)
    {
        WriteCounts(w, report);
        WriteSizeRules(w, report);
        MemoryEmitter.Write(w, report);
        WriteGeometry(w, spec, report);
    }

    private static void WriteCounts(SourceWriter w, NetworkReport report)
    {
        var net = report.Network;
        var input = ShapeText(report.InputSize, net.InChannels, batch: "1");
        w.Line("/// <summary>Trainable parameters, as TorchSharp counts them: " + Group(report.Parameters) + ".</summary>");
        w.Line("public const long ParameterCount = " + report.Parameters.ToString(CultureInfo.InvariantCulture) + "L;");
        w.Line();
        var heads = net.SupervisedLevels.Length > 0 ? ", deep-supervision heads included (as ForwardWithHeads runs them)" : string.Empty;
        w.Line("/// <summary>Multiply-accumulates of the convolutions in one forward pass over " + input + heads + ".</summary>");
        w.Line("public const long MultiplyAccumulates = " + report.MultiplyAccumulates.ToString(CultureInfo.InvariantCulture) + "L;");
        w.Line();
        w.Line("/// <summary>Channels the input must have.</summary>");
        w.Line("public const int InputChannels = " + net.InChannels.ToString(CultureInfo.InvariantCulture) + ";");
        w.Line();
        w.Line("/// <summary>Channels of the output: one score map per class.</summary>");
        w.Line("public const int OutputChannels = " + net.Classes.ToString(CultureInfo.InvariantCulture) + ";");
        w.Line();
        w.Line("/// <summary>Spatial dimensions: 2 for (N, C, H, W), 3 for (N, C, D, H, W).</summary>");
        w.Line("public const int SpatialDimensions = " + net.Dimensions.ToString(CultureInfo.InvariantCulture) + ";");
        w.Line();
        w.Line("/// <summary>True when the declaration fixed the input size; otherwise <see cref=\"InputSize\"/> is the smallest valid one.</summary>");
        w.Line("public const bool HasDeclaredInputSize = " + (report.InputDeclared ? "true" : "false") + ";");
        w.Line();
        w.Line("/// <summary>The " + (report.InputDeclared ? "declared" : "smallest valid") + " input size per spatial axis: " + SizeText(report.InputSize) + ".</summary>");
        w.Line("public static global::System.Collections.Generic.IReadOnlyList<int> InputSize { get; } = new int[] { " + Ints(report.InputSize) + " };");
        w.Line();
        w.Line("/// <summary>The output size per spatial axis for <see cref=\"InputSize\"/>: " + SizeText(report.OutputSize) + ".</summary>");
        w.Line("public static global::System.Collections.Generic.IReadOnlyList<int> OutputSize { get; } = new int[] { " + Ints(report.OutputSize) + " };");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// The most input pixels an output pixel away from the borders depends on, per spatial axis: " + SizeText(report.ReceptiveField) + ".");
        w.Line("/// It depends on the pixel's position modulo the pooling period; <see cref=\"MinimumReceptiveField\"/> is the fewest.");
        w.Line("/// </summary>");
        w.Line("public static global::System.Collections.Generic.IReadOnlyList<int> ReceptiveField { get; } = new int[] { " + Ints(report.ReceptiveField) + " };");
        w.Line();
        w.Line("/// <summary>The fewest input pixels an output pixel away from the borders depends on, per spatial axis: " + SizeText(report.MinimumReceptiveField) + ".</summary>");
        w.Line("public static global::System.Collections.Generic.IReadOnlyList<int> MinimumReceptiveField { get; } = new int[] { " + Ints(report.MinimumReceptiveField) + " };");
        w.Line();
    }

    private static void WriteSizeRules(SourceWriter w, NetworkReport report)
    {
        var net = report.Network;
        w.Line("/// <summary>The valid input sizes of each spatial axis: " + string.Join(", ", report.Axes.Select(a => a.Describe())) + ".</summary>");
        w.Line("public static global::System.Collections.Generic.IReadOnlyList<global::UNetDsl.ValidSizeRule> SizeRules => s_sizeRules;");
        w.Line();
        w.Line("private static readonly global::UNetDsl.ValidSizeRule[] s_sizeRules = new global::UNetDsl.ValidSizeRule[]");
        w.Line("{");
        foreach (var axis in report.Axes)
        {
            w.Line("    new global::UNetDsl.ValidSizeRule(" + axis.MinInput + ", " + axis.Step + ", " + axis.Shrink + "),");
        }

        w.Line("};");
        w.Line();
        w.Line("/// <summary>The shape of an input batch of <see cref=\"InputSize\"/>: " + ShapeText(report.InputSize, net.InChannels) + ".</summary>");
        w.Line("public static long[] InputShape(long batch = 1) => new long[] { batch, " + net.InChannels + ", " + Ints(report.InputSize) + " };");
        w.Line();
        w.Line("/// <summary>The shape of the output for <see cref=\"InputShape\"/>: " + ShapeText(report.OutputSize, net.Classes) + ".</summary>");
        w.Line("public static long[] OutputShape(long batch = 1) => new long[] { batch, " + net.Classes + ", " + Ints(report.OutputSize) + " };");
        w.Line();
        const string ForAxis = "global::UNetDsl.ValidSizeRule.ForAxis(s_sizeRules, axis)";
        w.Line("/// <summary>True when <paramref name=\"size\"/> lines up through every pooling and skip along <paramref name=\"axis\"/>.</summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"axis\"/> is not a spatial axis.</exception>");
        w.Line("public static bool IsValidInputSize(int size, int axis = 0) => " + ForAxis + ".IsValid(size);");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// The nearest valid input sizes at or below (null when none) and at or above <paramref name=\"size\"/>; any size below");
        w.Line("/// the smallest valid one, 0 and negative ones included, gives (null, smallest).");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">");
        w.Line("/// <paramref name=\"size\"/> is above the largest valid int (<see cref=\"global::UNetDsl.ValidSizeRule.MaxInput\"/>), or <paramref name=\"axis\"/> is not a spatial axis.");
        w.Line("/// </exception>");
        w.Line("public static (int? Below, int Above) NearestValidInputSizes(int size, int axis = 0) => " + ForAxis + ".Nearest(size);");
        w.Line();
        w.Line("/// <summary>The output size for a valid input size along <paramref name=\"axis\"/>.</summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">The size is not valid, or <paramref name=\"axis\"/> is not a spatial axis.</exception>");
        w.Line("public static int OutputSizeFor(int inputSize, int axis = 0) => " + ForAxis + ".OutputFor(inputSize);");
        w.Line();
    }

    private static void WriteGeometry(SourceWriter w, UNetSpec spec, NetworkReport report)
    {
        var input = ShapeText(report.InputSize, report.Network.InChannels, batch: "1");
        w.Line("/// <summary>The input and output geometry, for code that works with any generated U-Net.</summary>");
        w.Line("public static global::UNetDsl.UNetGeometry StaticGeometry { get; } = new global::UNetDsl.UNetGeometry(");
        w.Line("    " + Identifiers.StringLiteral(spec.TypeName) + ", SpatialDimensions, InputChannels, OutputChannels, s_sizeRules, InputSize, OutputSize, ParameterCount, ActivationMemory);");
        w.Line();
        w.Line("/// <inheritdoc />");
        w.Line("public global::UNetDsl.UNetGeometry Geometry => StaticGeometry;");
        w.Line();
        w.Line("/// <summary>A table of every layer with its output shape and parameters for " + input + ", like torchinfo's summary.</summary>");
        w.Line("public static string Summary() => SummaryText;");
        w.Line();
        w.Line("private const string SummaryText =");
        w.StringLines(SummaryTable(spec, report).ToList());
        w.Line();
    }

    /// <summary>The rows of <c>Summary()</c>.</summary>
    internal static IEnumerable<string> SummaryTable(UNetSpec spec, NetworkReport report)
    {
        var net = report.Network;
        var rows = new List<string[]> { new[] { "input", string.Empty, ShapeText(report.InputSize, net.InChannels, batch: "1"), "0" } };
        rows.AddRange(report.Layers.Select(l => new[] { l.Name, l.Description, ShapeText(l.Size, l.Channels, batch: "1"), Group(l.Parameters) }));
        var header = new[] { "Layer", "Kind", "Output shape", "Param #" };
        var widths = Enumerable.Range(0, 4).Select(c => System.Math.Max(header[c].Length, rows.Max(r => r[c].Length))).ToArray();
        string Row(string[] cells) => (cells[0].PadRight(widths[0]) + "  " + cells[1].PadRight(widths[1]) + "  " + cells[2].PadRight(widths[2]) + "  " + cells[3].PadLeft(widths[3])).TrimEnd();
        var rule = new string('=', widths.Sum() + 6);

        yield return spec.TypeName + ": " + net.Dimensions + "D U-Net, " + net.Levels.Count + " levels, '" + net.Padding + "' padding, "
            + (net.Block == BlockKind.ConvNeXt && net.Conditioning is null ? "ConvNeXt blocks (layer norm, GELU)" : net.Normalization + " normalisation, " + net.Activation)
            + ", " + net.UpSampling + " up-sampling";
        yield return rule;
        yield return Row(header);
        yield return rule;
        foreach (var row in rows)
        {
            yield return Row(row);
        }

        yield return rule;
        yield return "Total params: " + Group(report.Parameters);
        yield return "Multiply-accumulates: " + Group(report.MultiplyAccumulates) + " (" + (report.MultiplyAccumulates / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " G)";
        yield return "Receptive field: " + ReceptiveFieldText(report);
        yield return "Valid input sizes per axis: " + string.Join(", ", report.Axes.Select((a, i) => ShapeEngine.AxisName(net.Dimensions, i) + " = " + a.Describe()))
            + "; output = input - " + string.Join("x", report.Axes.Select(a => a.Shrink.ToString(CultureInfo.InvariantCulture)));
        yield return MemoryEmitter.SummaryLine(report);
    }

    /// <summary>"60x60", or "188x188 to 204x204 input pixels, by the output pixel's position" when output pixels see different extents.</summary>
    internal static string ReceptiveFieldText(NetworkReport report) =>
        report.MinimumReceptiveField.Equals(report.ReceptiveField)
            ? SizeText(report.ReceptiveField)
            : SizeText(report.MinimumReceptiveField) + " to " + SizeText(report.ReceptiveField) + " input pixels, by the output pixel's position";

    /// <summary>The architecture table shown when hovering the class.</summary>
    internal static IEnumerable<string> LevelTable(NetworkReport report)
    {
        var rows = new List<string[]> { new[] { "level", "encoder", "channels", "skip", "crop", "decoder", "channels" } };
        foreach (var row in report.LevelTable)
        {
            rows.Add(new[]
            {
                row.Level.ToString(CultureInfo.InvariantCulture),
                SizeText(row.EncoderSize),
                row.EncoderChannels.ToString(CultureInfo.InvariantCulture),
                row.Skip,
                SizeText(row.SkipCrop),
                SizeText(row.DecoderSize),
                row.DecoderChannels.ToString(CultureInfo.InvariantCulture),
            });
        }

        var bottleneck = report.Shapes[report.Graph.Bottleneck];
        rows.Add(new[] { "bottom", SizeText(bottleneck.Size), bottleneck.Channels.ToString(CultureInfo.InvariantCulture), string.Empty, string.Empty, string.Empty, string.Empty });
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        return rows.Select(r => string.Join(" | ", r.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
    }
}
