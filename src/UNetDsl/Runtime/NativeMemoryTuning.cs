using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UNetDsl;

/// <summary>
/// Tunes glibc's allocator for TorchSharp the moment UNetDsl is loaded.
/// </summary>
/// <remarks>
/// <para>
/// libtorch allocates every tensor with malloc. glibc serves requests above its mmap threshold (at most 32 MiB, which
/// every full-resolution U-Net feature map exceeds) with a fresh mmap and returns it to the kernel on free, so each
/// forward pass page-faults every large tensor in afresh, 4 KiB at a time, zeroed by the kernel. On this kind of
/// machine that costs more than the convolutions' arithmetic (see docs/benchmarks.md).
/// </para>
/// <para>
/// The fix is to keep freed memory for reuse: no mmap for large blocks (M_MMAP_MAX = 0) and no trimming of the heap
/// top (M_TRIM_THRESHOLD, M_TOP_PAD large). Peak resident memory stays at the process's high-water mark instead of
/// falling back between passes; that is the trade. Set the environment variable <c>UNETDSL_MALLOC=system</c> to keep
/// glibc's defaults. Nothing is done on other C libraries or operating systems.
/// </para>
/// </remarks>
public static class NativeMemoryTuning
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_TOP_PAD = -2;
    private const int M_MMAP_MAX = -4;

    /// <summary>The environment variable that turns the tuning off when set to <c>system</c>.</summary>
    public const string EnvironmentVariable = "UNETDSL_MALLOC";

    /// <summary>True once the allocator was tuned in this process.</summary>
    public static bool IsApplied { get; private set; }

    /// <summary>Why the tuning was or was not applied, for diagnostics and logs.</summary>
    public static string Status { get; private set; } = "not attempted";

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Must run before the first tensor is allocated.")]
    internal static void ApplyOnLoad() => Apply();

    /// <summary>Applies the tuning (idempotent). Called automatically when the assembly loads.</summary>
    /// <returns>True when the allocator is tuned.</returns>
    public static bool Apply()
    {
        if (IsApplied)
        {
            return true;
        }

        if (string.Equals(Environment.GetEnvironmentVariable(EnvironmentVariable), "system", StringComparison.OrdinalIgnoreCase))
        {
            Status = EnvironmentVariable + "=system: glibc defaults kept";
            return false;
        }

        if (!OperatingSystem.IsLinux())
        {
            Status = "not Linux: nothing to tune";
            return false;
        }

        try
        {
            // 1 GiB of slack at the heap top: freed feature maps stay mapped and are reused by the next pass.
            var ok = mallopt(M_MMAP_MAX, 0) == 1
                & mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1
                & mallopt(M_TOP_PAD, 1 << 30) == 1;
            IsApplied = ok;
            Status = ok ? "glibc malloc tuned: M_MMAP_MAX=0, M_TRIM_THRESHOLD=max, M_TOP_PAD=1GiB" : "mallopt refused a setting";
            return ok;
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            // musl and other C libraries have no mallopt: their allocators are left alone.
            Status = "no glibc mallopt: " + exception.GetType().Name;
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
