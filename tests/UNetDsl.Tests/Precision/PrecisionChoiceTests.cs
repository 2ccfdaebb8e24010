using System;
using System.IO;
using System.Linq;
using Xunit;

namespace UNetDsl.Tests.Precision;

/// <summary>How the precision is chosen: an explicit choice, then UNETDSL_PRECISION, then the CPU's flags.</summary>
public sealed class PrecisionChoiceTests : IDisposable
{
    private readonly string? _saved = Environment.GetEnvironmentVariable(PrecisionChoice.EnvironmentVariable);

    public void Dispose() => Environment.SetEnvironmentVariable(PrecisionChoice.EnvironmentVariable, _saved);

    // Read here independently of the library: the flags line of /proc/cpuinfo.
    private static bool CpuFlagsNameNativeBFloat16() =>
        File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("flags", StringComparison.Ordinal)).Split(' ').Any(f => f is "avx512_bf16" or "amx_bf16");

    [Fact]
    public void Auto_is_bfloat16_exactly_where_the_cpu_has_it_natively()
    {
        Environment.SetEnvironmentVariable(PrecisionChoice.EnvironmentVariable, null);
        var native = CpuFlagsNameNativeBFloat16();
        Assert.Equal(native, PrecisionChoice.CpuHasNativeBFloat16);
        Assert.Equal(native ? ComputePrecision.BFloat16 : ComputePrecision.Float32, PrecisionChoice.Resolve(ComputePrecision.Auto));
        Assert.StartsWith(native ? "bfloat16 (CPU has " : "float32 (CPU lacks avx512_bf16 and amx_bf16)", PrecisionChoice.Describe(PrecisionChoice.Resolve(ComputePrecision.Auto)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bf16", ComputePrecision.BFloat16)]
    [InlineData(" BFloat16 ", ComputePrecision.BFloat16)]
    [InlineData("fp32", ComputePrecision.Float32)]
    [InlineData("FLOAT32", ComputePrecision.Float32)]
    public void The_environment_variable_overrides_auto_but_not_an_explicit_choice(string value, ComputePrecision expected)
    {
        Environment.SetEnvironmentVariable(PrecisionChoice.EnvironmentVariable, value);
        Assert.Equal(expected, PrecisionChoice.Resolve(ComputePrecision.Auto));
        var other = expected == ComputePrecision.BFloat16 ? ComputePrecision.Float32 : ComputePrecision.BFloat16;
        Assert.Equal(other, PrecisionChoice.Resolve(other));
    }

    [Fact]
    public void The_environment_variable_set_to_auto_leaves_the_choice_to_the_cpu()
    {
        Environment.SetEnvironmentVariable(PrecisionChoice.EnvironmentVariable, "auto");
        Assert.Equal(CpuFlagsNameNativeBFloat16() ? ComputePrecision.BFloat16 : ComputePrecision.Float32, PrecisionChoice.Resolve(ComputePrecision.Auto));
    }

    [Theory]
    [InlineData("half")]
    [InlineData("16")]
    public void A_bad_environment_variable_names_itself_and_the_values_it_takes(string value)
    {
        Environment.SetEnvironmentVariable(PrecisionChoice.EnvironmentVariable, value);
        var error = Assert.Throws<ArgumentException>(() => PrecisionChoice.Resolve(ComputePrecision.Auto));
        Assert.Contains("UNETDSL_PRECISION is '" + value + "'", error.Message, StringComparison.Ordinal);
        Assert.Contains("fp32, bf16 or auto", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_undefined_precision_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PrecisionChoice.Resolve((ComputePrecision)7));
    }

    [Fact]
    public void A_network_limited_to_float32_gets_it_even_when_the_environment_asks_for_bfloat16()
    {
        Environment.SetEnvironmentVariable(PrecisionChoice.EnvironmentVariable, "bf16");
        Assert.Equal(ComputePrecision.Float32, PrecisionChoice.Resolve(ComputePrecision.Auto, "Denoiser", bfloat16Supported: false));
        Assert.Throws<NotSupportedException>(() => PrecisionChoice.Resolve(ComputePrecision.BFloat16, "Denoiser", bfloat16Supported: false));
        Assert.Equal(ComputePrecision.BFloat16, PrecisionChoice.Resolve(ComputePrecision.Auto, "Segmenter", bfloat16Supported: true));
    }
}
