using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace UNetDsl;

/// <summary>
/// The CPU's instruction-set flags as /proc/cpuinfo names them, read once: what decides the number format
/// (<see cref="PrecisionChoice"/>) and the training layout (<see cref="Layers.Layer.ChannelsLastTrainsFaster"/>).
/// Empty where there is no /proc/cpuinfo, so every choice falls back to its plain form.
/// </summary>
internal static class CpuFeatures
{
    private static readonly Lazy<IReadOnlySet<string>> Flags = new(Read);

    /// <summary>True when /proc/cpuinfo names <paramref name="flag"/> (e.g. <c>avx512f</c>, <c>avx512_bf16</c>).</summary>
    public static bool Has(string flag) => Flags.Value.Contains(flag);

    private static IReadOnlySet<string> Read()
    {
        try
        {
            // One "flags : ..." line per logical CPU, all alike on the machines this runs on: the first one decides.
            var line = OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))
                : null;
            var flags = line is null ? Array.Empty<string>() : line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return new HashSet<string>(flags, StringComparer.Ordinal);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return new HashSet<string>();
        }
    }
}
