using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace UNetDsl.Training.Tests.Volumes;

/// <summary>
/// Runs a reference script on a batch of cases, one process per batch since importing nibabel or scipy costs about a
/// second. A machine without the script's libraries fails the test, naming the script that installs them: a skipped
/// comparison would look like a passed one.
/// </summary>
/// <remarks>
/// The protocol, which volume_reference.py set: <c>python3 SCRIPT COMMAND CASES.json</c>, CASES.json a list of cases
/// each with a "name"; the script prints one JSON object keyed by case name, and exits with 3 when it cannot import
/// its libraries.
/// </remarks>
internal static class PythonReference
{
    private const string Python = "/usr/bin/python3";

    /// <summary>volume_reference.py, which checks the volume readers and writers against nibabel and tifffile.</summary>
    public static readonly ReferenceScript Volumes = new(
        Path.Combine("Volumes", "volume_reference.py"),
        "nibabel and tifffile",
        "eng/setup-python-torch.sh (as root), which installs Debian's python3-nibabel and python3-tifffile");

    /// <summary>Runs <paramref name="command"/> of volume_reference.py on the cases and returns the report of each, by case name.</summary>
    public static IReadOnlyDictionary<string, JsonElement> Run(string command, IEnumerable<object> cases) => Run(Volumes, command, cases);

    /// <summary>Runs <paramref name="command"/> of <paramref name="reference"/> on the cases and returns the report of each, by case name.</summary>
    public static IReadOnlyDictionary<string, JsonElement> Run(ReferenceScript reference, string command, IEnumerable<object> cases)
    {
        var name = Path.GetFileName(reference.Path);
        if (!File.Exists(Python))
        {
            Assert.Fail($"{name} compares against {reference.Libraries} under {Python}, which does not exist. Run {reference.Setup}.");
        }

        var script = Path.Combine(AppContext.BaseDirectory, reference.Path);
        var input = Path.Combine(Path.GetTempPath(), $"unetdsl-reference-cases-{Guid.NewGuid():N}.json");
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
                Assert.Fail($"{name} compares against {reference.Libraries}, which {Python} cannot import ({error.Result.Trim()}). Run {reference.Setup}.");
            }

            Assert.True(process.ExitCode == 0, $"{name} {command} failed (exit {process.ExitCode}):\n{error.Result}");
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

/// <summary>A reference script of <see cref="PythonReference"/>.</summary>
/// <param name="Path">The script, relative to the test output folder (copied there by the project file).</param>
/// <param name="Libraries">What it compares against, for the failure that says they are missing.</param>
/// <param name="Setup">What installs them.</param>
internal sealed record ReferenceScript(string Path, string Libraries, string Setup);

/// <summary>A folder for one test class's files, deleted afterwards.</summary>
public sealed class ScratchFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("unetdsl-volumes-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
