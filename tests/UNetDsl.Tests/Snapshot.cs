using System;
using System.IO;
using System.Runtime.CompilerServices;
using Xunit;

namespace UNetDsl.Tests;

/// <summary>Golden files in Snapshots/; UPDATE_SNAPSHOTS=1 rewrites them (review the diff).</summary>
public static class Snapshot
{
    public static void Match(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        var directory = FindSnapshots(Path.GetDirectoryName(callerPath)!);
        var path = Path.Combine(directory, name + ".expected");
        actual = actual.Replace("\r\n", "\n");
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"No snapshot at {path}; run the tests with UPDATE_SNAPSHOTS=1 to create it.");
        var expected = File.ReadAllText(path).Replace("\r\n", "\n");
        if (expected != actual)
        {
            var e = expected.Split('\n');
            var a = actual.Split('\n');
            var line = 0;
            while (line < Math.Min(e.Length, a.Length) && e[line] == a[line])
            {
                line++;
            }

            Assert.Fail($"Snapshot {name} differs at line {line + 1}: expected '{(line < e.Length ? e[line] : "<end>")}', actual '{(line < a.Length ? a[line] : "<end>")}'. Run with UPDATE_SNAPSHOTS=1 to accept.");
        }
    }

    private static string FindSnapshots(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "Snapshots");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("No Snapshots folder above " + start);
    }
}
