using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Xunit;

namespace UNetDsl.Tests.Memory;

/// <summary>
/// Runs <see cref="ActivationMemoryTests.Measure"/> in a child process: this test assembly started with
/// <c>dotnet UNetDsl.Tests.dll peak-memory NETWORK</c> (see Program.cs), so that the peak it reads is the network's
/// alone, not the high-water mark of whatever the test run did before.
/// </summary>
internal static class PeakMemoryChild
{
    /// <summary>The command Program.cs answers.</summary>
    public const string Command = "peak-memory";

    /// <summary>One measured mode: inference or training.</summary>
    public sealed record Line(string Mode, int Batch, string Size, long Estimate, long Measured);

    /// <summary>Measures <paramref name="network"/> in a child process and returns its lines.</summary>
    public static IReadOnlyList<Line> Run(string network)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(PeakMemoryChild).Assembly.Location);
        start.ArgumentList.Add(Command);
        start.ArgumentList.Add(network);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var text = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "the measuring child did not finish");
        Assert.True(process.ExitCode == 0, $"the measuring child failed ({process.ExitCode}): {text}{error.Result}");
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' '))
            .Select(f => new Line(f[0], int.Parse(f[1], CultureInfo.InvariantCulture), f[2], long.Parse(f[3], CultureInfo.InvariantCulture), long.Parse(f[4], CultureInfo.InvariantCulture)))
            .ToList();
    }
}
