using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using UNetDsl.Generators.Shapes;
using static UNetDsl.Generators.Emission.TextFormat;

namespace UNetDsl.Generators.Emission;

/// <summary>Writes the activation-memory members of the module: the tables, <c>ActivationBytes</c>, <c>MaxBatchFor</c>, and the summary's line.</summary>
internal static class MemoryEmitter
{
    /// <summary>The members' names, for the class-name collision check (<see cref="UNetEmitter.MemberNames"/>).</summary>
    public static readonly string[] MemberNames = { "ActivationMemory", "ActivationBytes", "MaxBatchFor" };

    private const int NumbersPerLine = 24;

    /// <summary>The members; written before the geometry, whose initializer reads <c>ActivationMemory</c>.</summary>
    public static void Write(SourceWriter w, NetworkReport report)
    {
        var memory = report.Memory;
        var at = " at " + SizeText(report.InputSize);
        w.Line("/// <summary>");
        var inference = report.Network.Conditioning is null ? "inference (<see cref=\"Predict\"/>)" : "inference (<see cref=\"forward\"/> without autograd)";
        w.Line("/// The peak memory of the activations per sample, at any valid input size, in " + inference + " and in a");
        w.Line("/// training step (forward and backward), as the compiler works it out from every layer's shape: " + Figures(report) + " per sample" + at + ".");
        w.Line("/// Parameters, their gradients and the optimiser's state are not included.");
        w.Line("/// </summary>");
        w.Line("public static global::UNetDsl.ActivationMemory ActivationMemory { get; } = new global::UNetDsl.ActivationMemory(");
        w.Indent();
        w.Line("s_sizeRules,");
        w.Line("InputSize,");
        Numbers(w, "long", memory.Grids.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToList(), ",");
        Numbers(w, "long", memory.Sizes.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToList(), ",");
        Numbers(w, "int", memory.Inference.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToList(), ",");
        Numbers(w, "int", memory.InferenceAvx512.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToList(), ",");
        Numbers(w, "int", memory.TrainingChannelsLast.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToList(), ",");
        Numbers(w, "int", memory.TrainingNchw.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToList(), ",");
        Numbers(w, "int", memory.TrainingNchwAvx512.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToList(), ");");
        w.Dedent();
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// The peak bytes the activations of <paramref name=\"batch\"/> samples take: " + Figures(report) + " per sample" + at + ".");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"batch\">Samples per pass; the figure grows in proportion.</param>");
        w.Line("/// <param name=\"training\">A training step (forward, keeping what backward needs, then backward) instead of inference.</param>");
        w.Line("/// <param name=\"bytesPerElement\">4 for float32, 2 for bfloat16 or float16 (pooling indices stay 8 bytes).</param>");
        w.Line("/// <param name=\"inputSize\">The spatial input size per axis; none for <see cref=\"InputSize\"/>.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">The input size is not valid; the message names the nearest valid sizes.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"batch\"/> is negative or <paramref name=\"bytesPerElement\"/> not positive.</exception>");
        w.Line("/// <exception cref=\"global::System.OverflowException\">The figure exceeds a long.</exception>");
        w.Line("public static long ActivationBytes(int batch, bool training = false, int bytesPerElement = 4, params int[]? inputSize) =>");
        w.Line("    ActivationMemory.Bytes(batch, training, bytesPerElement, inputSize);");
        w.Line();
        w.Line("/// <summary>The largest batch whose activations fit in <paramref name=\"bytes\"/>; 0 when not even one sample fits.</summary>");
        w.Line("/// <param name=\"bytes\">The memory budget for activations.</param>");
        w.Line("/// <param name=\"training\">As for <see cref=\"ActivationBytes\"/>.</param>");
        w.Line("/// <param name=\"bytesPerElement\">As for <see cref=\"ActivationBytes\"/>.</param>");
        w.Line("/// <param name=\"inputSize\">As for <see cref=\"ActivationBytes\"/>.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">The input size is not valid; the message names the nearest valid sizes.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"bytes\"/> is negative or <paramref name=\"bytesPerElement\"/> not positive.</exception>");
        w.Line("public static int MaxBatchFor(long bytes, bool training = false, int bytesPerElement = 4, params int[]? inputSize) =>");
        w.Line("    ActivationMemory.MaxBatch(bytes, training, bytesPerElement, inputSize);");
        w.Line();
    }

    /// <summary>The summary's line: inference and a training step per sample at the reference size, float32 and bfloat16.</summary>
    public static string SummaryLine(NetworkReport report) =>
        "Activation memory per sample at " + SizeText(report.InputSize) + ": " + Figures(report);

    /// <summary>
    /// "inference 12.0 MiB (float32), 6.0 MiB (bfloat16); training step 48.0 MiB, 24.1 MiB; with AVX-512: inference
    /// ...": the figures depend on the CPU (see <see cref="ActivationMemoryModel"/>), so both kinds are stated.
    /// </summary>
    internal static string Figures(NetworkReport report) =>
        Figures(report, avx512: false) + "; with AVX-512: " + Figures(report, avx512: true);

    private static string Figures(NetworkReport report, bool avx512) =>
        "inference " + Bytes(report, false, 4, avx512) + " (float32), " + Bytes(report, false, 2, avx512) + " (bfloat16); training step " + Bytes(report, true, 4, avx512) + ", " + Bytes(report, true, 2, avx512);

    /// <summary>"812.3 MiB", "1.25 GiB"; a figure beyond a long is said so.</summary>
    internal static string Bytes(NetworkReport report, bool training, int bytesPerElement, bool avx512 = false)
    {
        long bytes;
        try
        {
            bytes = report.Memory.BytesPerSample(report.InputSize, training, bytesPerElement, avx512);
        }
        catch (OverflowException)
        {
            return "more than 8 EiB";
        }

        return BytesText(bytes);
    }

    internal static string BytesText(long bytes)
    {
        string[] units = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
        if (bytes < 1024)
        {
            return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        }

        var value = (double)bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString(value < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    private static void Numbers(SourceWriter w, string type, IReadOnlyList<string> values, string suffix)
    {
        if (values.Count == 0)
        {
            w.Line("global::System.Array.Empty<" + type + ">()" + suffix);
            return;
        }

        w.Line("new " + type + "[]");
        w.Line("{");
        for (var i = 0; i < values.Count; i += NumbersPerLine)
        {
            w.Line("    " + string.Join(", ", values.Skip(i).Take(NumbersPerLine)) + ",");
        }

        w.Line("}" + suffix);
    }
}
