using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace UNetDsl;

/// <summary>
/// The memory a run may give its activations when nobody says: a share of what the machine has free when it starts,
/// so that a batch or a tile too large for the machine is turned away before the first step instead of failing hours
/// into a run.
/// </summary>
public static class MemoryBudget
{
    /// <summary>The share of available memory the default budget takes.</summary>
    public const double DefaultShare = 0.75;

    /// <summary>
    /// <see cref="DefaultShare"/> of the memory available now: Linux's MemAvailable (free memory plus caches it can
    /// drop), elsewhere what the .NET runtime reports as available.
    /// </summary>
    public static long Default() => (long)(DefaultShare * Available());

    /// <summary>The bytes of memory available now.</summary>
    public static long Available()
    {
        if (OperatingSystem.IsLinux() && File.Exists("/proc/meminfo"))
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal));
            if (line is not null && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib))
            {
                return kib * 1024;
            }
        }

        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    /// <summary>"1.5 GiB" or "240 MiB".</summary>
    /// <param name="bytes">A size in bytes.</param>
    public static string Describe(long bytes) =>
        bytes >= 1L << 30
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0} MiB");
}
