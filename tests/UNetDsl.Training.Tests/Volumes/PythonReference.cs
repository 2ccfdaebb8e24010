using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace UNetDsl.Training.Tests.Volumes;

/// <summary>
/// Runs volume_reference.py (nibabel and tifffile) on a batch of cases, one process per batch since importing
/// nibabel costs about a second. A machine without them fails the test, naming the script that installs them: a
/// skipped comparison would look like a passed one.
/// </summary>
internal static class PythonReference
{
    private const string Python = "/usr/bin/python3";

    private const string Setup = "eng/setup-python-torch.sh (as root), which installs Debian's python3-nibabel and python3-tifffile";

    /// <summary>Runs <paramref name="command"/> on the cases and returns the report of each, by case name.</summary>
    public static IReadOnlyDictionary<string, JsonElement> Run(string command, IEnumerable<object> cases)
    {
        if (!File.Exists(Python))
        {
            Assert.Fail($"The volume tests compare against nibabel and tifffile under {Python}, which does not exist. Run {Setup}.");
        }

        var script = Path.Combine(AppContext.BaseDirectory, "Volumes", "volume_reference.py");
        var input = Path.Combine(Path.GetTempPath(), $"unetdsl-volume-cases-{Guid.NewGuid():N}.json");
        File.WriteAllText(input, JsonSerializer.Serialize(cases));
        try
        {
            var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { script, command, input })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode == 3)
            {
                Assert.Fail($"The volume tests compare against nibabel and tifffile, which {Python} cannot import ({error.Result.Trim()}). Run {Setup}.");
            }

            Assert.True(process.ExitCode == 0, $"volume_reference.py {command} failed (exit {process.ExitCode}):\n{error.Result}");
            using var document = JsonDocument.Parse(output);
            return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
        }
        finally
        {
            File.Delete(input);
        }
    }

    public static double[] Doubles(this JsonElement element, string property) =>
        element.GetProperty(property).EnumerateArray().Select(v => v.GetDouble()).ToArray();

    public static int[] Ints(this JsonElement element, string property) =>
        element.GetProperty(property).EnumerateArray().Select(v => v.GetInt32()).ToArray();
}

/// <summary>A folder for one test class's files, deleted afterwards.</summary>
public sealed class ScratchFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("unetdsl-volumes-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
