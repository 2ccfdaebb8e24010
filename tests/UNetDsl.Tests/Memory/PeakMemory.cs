using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace UNetDsl.Tests.Memory;

/// <summary>
/// The peak resident memory a piece of work adds to this process, on Linux: the high-water mark (VmHWM) after it,
/// reset just before it (<c>/proc/self/clear_refs</c>), less the resident memory (VmRSS) before it.
/// </summary>
/// <remarks>
/// UNetDsl tunes glibc to keep freed memory for reuse (<see cref="NativeMemoryTuning"/>), so resident memory would
/// follow the heap's high-water mark of every earlier test, not this work's live tensors. For the measurement glibc
/// maps every block over 128 KiB on its own and unmaps it when freed, and the heap is trimmed first: resident memory
/// then rises and falls with the live tensors. The tuning is put back afterwards.
/// </remarks>
internal static class PeakMemory
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_TOP_PAD = -2;
    private const int M_MMAP_THRESHOLD = -3;
    private const int M_MMAP_MAX = -4;
    private const int LiveThreshold = 128 * 1024;

    /// <summary>True where the measurement can be made: Linux with glibc and a resettable high-water mark.</summary>
    public static bool Available => OperatingSystem.IsLinux() && File.Exists("/proc/self/clear_refs") && NativeMemoryTuning.IsApplied;

    /// <summary>The bytes <paramref name="work"/> adds at its peak.</summary>
    public static long Of(Action work)
    {
        mallopt(M_MMAP_MAX, 1 << 16);
        mallopt(M_MMAP_THRESHOLD, LiveThreshold);
        mallopt(M_TRIM_THRESHOLD, LiveThreshold);
        mallopt(M_TOP_PAD, 0);
        try
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            malloc_trim(0);
            File.WriteAllText("/proc/self/clear_refs", "5");
            var before = Status("VmRSS:");
            work();
            return Status("VmHWM:") - before;
        }
        finally
        {
            // NativeMemoryTuning's settings.
            mallopt(M_MMAP_MAX, 0);
            mallopt(M_TRIM_THRESHOLD, int.MaxValue);
            mallopt(M_TOP_PAD, 1 << 30);
        }
    }

    private static long Status(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);
}
