using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;

namespace UNetDsl;

/// <summary>The number format a network computes in. Weights, optimiser state and checkpoints stay float32 either way.</summary>
public enum ComputePrecision
{
    /// <summary>bfloat16 where the CPU computes it natively (<c>avx512_bf16</c> or AMX), float32 elsewhere; the
    /// environment variable <see cref="PrecisionChoice.EnvironmentVariable"/> overrides the choice.</summary>
    Auto = 0,

    /// <summary>float32 throughout.</summary>
    Float32 = 1,

    /// <summary>
    /// bfloat16 compute (8 bits of mantissa, float32's range) from float32 weights, float32 results. Asked for on a
    /// CPU without native bfloat16 it still runs, emulated by oneDNN and several times slower than float32.
    /// </summary>
    BFloat16 = 2,
}

/// <summary>
/// Decides the <see cref="ComputePrecision"/> a network runs in: an explicit choice wins, then the environment
/// variable <see cref="EnvironmentVariable"/>, then the CPU (bfloat16 only where it is native, since emulated bfloat16
/// is slower than float32).
/// </summary>
public static class PrecisionChoice
{
    /// <summary>The environment variable that overrides <see cref="ComputePrecision.Auto"/>: <c>fp32</c>, <c>bf16</c> or <c>auto</c>.</summary>
    public const string EnvironmentVariable = "UNETDSL_PRECISION";

    // The /proc/cpuinfo flags of native bfloat16 arithmetic oneDNN uses: AVX-512 BF16 dot products, or AMX tiles.
    private static readonly string[] NativeFlags = { "avx512_bf16", "amx_bf16" };

    /// <summary>True when the CPU computes bfloat16 natively (its flags name <c>avx512_bf16</c> or <c>amx_bf16</c>).</summary>
    public static bool CpuHasNativeBFloat16 => NativeFlags.Any(CpuFeatures.Has);

    /// <summary>"CPU has avx512_bf16" (or amx_bf16, or both), else "CPU lacks avx512_bf16 and amx_bf16": why Auto chose.</summary>
    public static string CpuBFloat16Flags =>
        CpuHasNativeBFloat16 ? "CPU has " + string.Join(" and ", NativeFlags.Where(CpuFeatures.Has)) : "CPU lacks " + string.Join(" and ", NativeFlags);

    /// <summary>
    /// The precision to run in: <paramref name="requested"/> unless it is <see cref="ComputePrecision.Auto"/>; then the
    /// environment variable when set, else bfloat16 exactly where the CPU has it natively.
    /// </summary>
    /// <param name="requested">The caller's choice.</param>
    /// <returns><see cref="ComputePrecision.Float32"/> or <see cref="ComputePrecision.BFloat16"/>, never Auto.</returns>
    /// <exception cref="ArgumentException">The environment variable holds something other than fp32, bf16 or auto.</exception>
    public static ComputePrecision Resolve(ComputePrecision requested)
    {
        if (!Enum.IsDefined(requested))
        {
            throw new ArgumentOutOfRangeException(nameof(requested), requested, "Give ComputePrecision.Auto, Float32 or BFloat16.");
        }

        if (requested != ComputePrecision.Auto)
        {
            return requested;
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            var parsed = Parse(fromEnvironment, EnvironmentVariable);
            if (parsed != ComputePrecision.Auto)
            {
                return parsed;
            }
        }

        return CpuHasNativeBFloat16 ? ComputePrecision.BFloat16 : ComputePrecision.Float32;
    }

    /// <summary>
    /// As <see cref="Resolve(ComputePrecision)"/>, for a network that may not compute in bfloat16: it then gets float32
    /// whatever the CPU or the environment variable say, and an explicit BFloat16 is refused.
    /// </summary>
    /// <param name="requested">The caller's choice.</param>
    /// <param name="network">The network's name, for the message.</param>
    /// <param name="bfloat16Supported">False for networks that compute in float32 only.</param>
    /// <exception cref="NotSupportedException">BFloat16 was asked for a network that does not support it.</exception>
    public static ComputePrecision Resolve(ComputePrecision requested, string network, bool bfloat16Supported)
    {
        var resolved = Resolve(requested);
        if (bfloat16Supported || resolved == ComputePrecision.Float32)
        {
            return resolved;
        }

        if (requested == ComputePrecision.BFloat16)
        {
            throw new NotSupportedException($"{network} is conditioned (timestep and cross-attention) and computes in float32 only; ask for ComputePrecision.Float32 or Auto.");
        }

        return ComputePrecision.Float32;
    }

    /// <summary>Reads <c>fp32</c>/<c>float32</c>, <c>bf16</c>/<c>bfloat16</c> or <c>auto</c>, in any case.</summary>
    /// <param name="text">The text, e.g. of <c>--precision</c> or the environment variable.</param>
    /// <param name="source">Where the text came from, for the message.</param>
    /// <exception cref="ArgumentException">The text is none of them; the message lists them.</exception>
    public static ComputePrecision Parse(string? text, string source) =>
        text?.Trim().ToLowerInvariant() switch
        {
            "auto" => ComputePrecision.Auto,
            "fp32" or "float32" => ComputePrecision.Float32,
            "bf16" or "bfloat16" => ComputePrecision.BFloat16,
            _ => throw new ArgumentException($"{source} is '{text}'; give fp32, bf16 or auto (auto: bf16 where the CPU has avx512_bf16 or amx_bf16, else fp32).", source),
        };

    /// <summary>The bytes of one activation element in a resolved precision: 2 in bfloat16, 4 in float32.</summary>
    /// <param name="resolved">Float32 or BFloat16, as <see cref="Resolve(ComputePrecision)"/> returns it.</param>
    public static int BytesPerElement(ComputePrecision resolved) => resolved == ComputePrecision.BFloat16 ? 2 : 4;

    /// <summary>"bfloat16 (CPU has avx512_bf16)" or "float32 (CPU lacks avx512_bf16 and amx_bf16)": what runs and why, for logs.</summary>
    /// <param name="precision">The resolved precision.</param>
    public static string Describe(ComputePrecision precision) =>
        (precision == ComputePrecision.BFloat16 ? "bfloat16" : "float32") + " (" + CpuBFloat16Flags + ")";
}
