using System;
using System.IO;
using System.Runtime.CompilerServices;
using Xunit;

namespace UNetDsl.Generators.Tests.Infrastructure;

/// <summary>
/// Golden files: <c>Snapshots/&lt;name&gt;.expected</c> next to the tests. A mismatch fails with both texts' first
/// differing line; run with UPDATE_SNAPSHOTS=1 to rewrite the files after a deliberate change, and review the diff.
/// </summary>
public static class Snapshot
{
    public static void Match(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(callerPath)!, "..", "Snapshots");
        var path = Path.GetFullPath(Path.Combine(directory, name + ".expected"));
        actual = Normalize(actual);
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"No snapshot at {path}; run the tests with UPDATE_SNAPSHOTS=1 to create it.");
        var expected = Normalize(File.ReadAllText(path));
        if (expected == actual)
        {
            return;
        }

        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        var line = 0;
        while (line < Math.Min(expectedLines.Length, actualLines.Length) && expectedLines[line] == actualLines[line])
        {
            line++;
        }

        Assert.Fail(
            $"Snapshot {name} differs at line {line + 1}:\n  expected: {(line < expectedLines.Length ? expectedLines[line] : "<end>")}\n" +
            $"  actual:   {(line < actualLines.Length ? actualLines[line] : "<end>")}\nRun with UPDATE_SNAPSHOTS=1 to accept the new output.");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n");
}
