using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;

namespace UNetDsl.Benchmarks;

/// <summary>
/// Resident memory of this process, and measurements run in a child process of their own: allocator settings are
/// process-wide and peak RSS is per process, so whatever is to be attributed to one variant gets a fresh process.
/// </summary>
public static class Measurement
{
    /// <summary>The process's peak resident memory so far (VmHWM), in MiB.</summary>
    public static double PeakRssMiB() => StatusMiB("VmHWM:");

    /// <summary>The process's resident memory now (VmRSS), in MiB.</summary>
    public static double ResidentMiB() => StatusMiB("VmRSS:");

    /// <summary>Runs this program with <paramref name="arguments"/> in a child process; the numbers of its RESULT line, or null on failure.</summary>
    /// <param name="arguments">The command line of the child.</param>
    /// <param name="environment">Variables set for the child; UNETDSL_MALLOC and GLIBC_TUNABLES are cleared unless given.</param>
    public static double[]? InChild(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // Started as "dotnet x.dll" the host needs the assembly path; as an apphost it does not.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(Environment.GetCommandLineArgs()[0]);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("UNETDSL_MALLOC");
        start.Environment.Remove("GLIBC_TUNABLES");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0)
        {
            return null;
        }

        var line = output.Split('\n').Last(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        return line.Split(' ').Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
    }

    private static double StatusMiB(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }
}
