using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Benchmarks;

/// <summary>
/// What the cores can reach, measured rather than assumed, so that a network's GFLOP/s has honest denominators:
/// the fused multiply-add peak of the cores (every thread running independent FMAs of the widest vectors the CPU has,
/// 512 bits with AVX-512 and 256 without, no memory traffic), and
/// the roof a U-Net can actually approach, a large 3x3 convolution through oneDNN in float32 and bfloat16 (channels-last,
/// the layout the generated network runs). A 2048x2048 matmul, the earlier denominator, measured below what the
/// network's convolutions reach on some CPUs (its fraction read over 100%), so it is reported but not divided by.
/// </summary>
public sealed record Roofs(string Cpu, string Flags, int Threads, double FmaPeak, double ConvFloat32, double ConvBFloat16, double Matmul)
{
    /// <summary>One line per roof, with the CPU and its relevant flags, for the head of a benchmark's output.</summary>
    public IEnumerable<string> Describe()
    {
        yield return Cpu + " (" + Flags + "), " + Threads + " threads";
        yield return string.Create(CultureInfo.InvariantCulture, $"FMA peak ({FmaBits}-bit FMAs, {Threads} threads): {FmaPeak:0.0} GFLOP/s");
        yield return string.Create(CultureInfo.InvariantCulture, $"3x3 convolution roof, 256 -> 256 channels at 128x128, channels-last: float32 {ConvFloat32:0.0} GFLOP/s, bfloat16 {ConvBFloat16:0.0} GFLOP/s");
        yield return string.Create(CultureInfo.InvariantCulture, $"float32 matmul 2048x2048: {Matmul:0.0} GFLOP/s (not a roof: shown for earlier figures)");
    }

    /// <summary>The vector width of the FMA peak: 512 where the CPU has AVX-512, else 256.</summary>
    public static int FmaBits => Avx512F.IsSupported ? 512 : 256;

    /// <summary>Measures every roof: medians of 5 after a warm-up.</summary>
    public static Roofs Measure()
    {
        var threads = torch.get_num_threads();
        return new Roofs(CpuModel(), CpuFlags(), threads, FmaGflops(threads), ConvGflops(ScalarType.Float32), ConvGflops(ScalarType.BFloat16), TwinBenchmark.MatmulGflops());
    }

    /// <summary>"AMD EPYC 7B13", from /proc/cpuinfo; "unknown CPU" elsewhere.</summary>
    public static string CpuModel() => CpuInfo("model name") ?? "unknown CPU";

    /// <summary>The flags that decide the number formats' speed: avx2, fma, avx512f, avx512_bf16, amx_bf16, ...</summary>
    public static string CpuFlags()
    {
        var flags = (CpuInfo("flags") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var relevant = new[] { "avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_tile" }.Where(flags.Contains).ToArray();
        return relevant.Length == 0 ? "no AVX2" : string.Join(" ", relevant);
    }

    private static string? CpuInfo(string key)
    {
        const string Path = "/proc/cpuinfo";
        if (!File.Exists(Path))
        {
            return null;
        }

        var line = File.ReadLines(Path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    /// <summary>
    /// GFLOP/s of <paramref name="threads"/> threads each running ten independent chains of fused multiply-adds of
    /// <see cref="FmaBits"/> bits (enough to cover the FMA latency of every x86 core of the day), 0 without FMA. A
    /// 256-bit FMA is 16 float32 FLOPs, a 512-bit one 32; with AVX-512 the 256-bit figure is not the cores' peak (the
    /// network's convolutions ran at 143% of it on an AVX-512 EPYC).
    /// </summary>
    public static double FmaGflops(int threads)
    {
        if (!Fma.IsSupported)
        {
            return 0;
        }

        const long Iterations = 400_000_000;
        var times = new List<double>();
        for (var run = 0; run < 6; run++)
        {
            var seconds = TwinBenchmark.Time(() => Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Chains(Iterations)));
            if (run > 0)
            {
                times.Add(seconds);
            }
        }

        return threads * Iterations * 10.0 * (FmaBits / 16) / TwinBenchmark.Median(times) / 1e9;
    }

    private static float Chains(long iterations) => Avx512F.IsSupported ? FmaChains512(iterations) : FmaChains(iterations);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float FmaChains512(long iterations)
    {
        var factor = Vector512.Create(0.999999f);
        var add = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, factor, add);
            a1 = Avx512F.FusedMultiplyAdd(a1, factor, add);
            a2 = Avx512F.FusedMultiplyAdd(a2, factor, add);
            a3 = Avx512F.FusedMultiplyAdd(a3, factor, add);
            a4 = Avx512F.FusedMultiplyAdd(a4, factor, add);
            a5 = Avx512F.FusedMultiplyAdd(a5, factor, add);
            a6 = Avx512F.FusedMultiplyAdd(a6, factor, add);
            a7 = Avx512F.FusedMultiplyAdd(a7, factor, add);
            a8 = Avx512F.FusedMultiplyAdd(a8, factor, add);
            a9 = Avx512F.FusedMultiplyAdd(a9, factor, add);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9);
    }

    // Optimised from the first call: tiered compilation would run the loop as unoptimised or on-stack-replaced code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float FmaChains(long iterations)
    {
        var factor = Vector256.Create(0.999999f);
        var add = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, factor, add);
            a1 = Fma.MultiplyAdd(a1, factor, add);
            a2 = Fma.MultiplyAdd(a2, factor, add);
            a3 = Fma.MultiplyAdd(a3, factor, add);
            a4 = Fma.MultiplyAdd(a4, factor, add);
            a5 = Fma.MultiplyAdd(a5, factor, add);
            a6 = Fma.MultiplyAdd(a6, factor, add);
            a7 = Fma.MultiplyAdd(a7, factor, add);
            a8 = Fma.MultiplyAdd(a8, factor, add);
            a9 = Fma.MultiplyAdd(a9, factor, add);
        }

        // Returned so that the chains are not optimised away.
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9);
    }

    /// <summary>GFLOP/s of a 3x3 convolution, 256 to 256 channels on one 128x128 map, channels-last, in <paramref name="dtype"/>.</summary>
    public static double ConvGflops(ScalarType dtype)
    {
        const long Channels = 256;
        const long Side = 128;
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var conv = nn.Conv2d(Channels, Channels, 3, padding: 1, dtype: dtype);
        Layers.Layer.UseChannelsLast(conv);
        var input = Layers.Layer.ToChannelsLast(randn(1, Channels, Side, Side).to(dtype));
        var times = new List<double>();
        for (var run = 0; run < 6; run++)
        {
            var seconds = TwinBenchmark.Time(() =>
            {
                using var output = conv.call(input);
            });
            if (run > 0)
            {
                times.Add(seconds);
            }
        }

        return 2.0 * Channels * Channels * 9 * Side * Side / TwinBenchmark.Median(times) / 1e9;
    }
}
