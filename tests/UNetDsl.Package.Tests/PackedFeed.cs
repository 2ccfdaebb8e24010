using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using Xunit;

namespace UNetDsl.Package.Tests;

/// <summary>
/// The packages UNetDsl and UNetDsl.CommandLine, packed once for all the package tests into a local folder feed, with
/// a nuget.config above the consumers' folders that puts the feed before the ordinary source. Disposing it removes
/// the folder and the copies of the packages that restores put into the global packages folder.
/// </summary>
public sealed class PackedFeed : IDisposable
{
    public PackedFeed()
    {
        Root = Path.Combine(Path.GetTempPath(), "unetdsl-package-" + Guid.NewGuid().ToString("N")[..8]);
        Feed = Path.Combine(Root, "feed");
        Directory.CreateDirectory(Feed);

        // A version of its own, so that no copy cached in the global packages folder by an earlier run is used.
        Version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

        var watch = Stopwatch.StartNew();
        Pack = Dotnet.Run(RepositoryRoot, $"pack src/UNetDsl/UNetDsl.csproj -c Release -o \"{Feed}\" -p:Version={Version}");
        if (Pack.ExitCode == 0)
        {
            // Same version: the command line's dependency on UNetDsl names the package just packed.
            var commandLine = Dotnet.Run(RepositoryRoot, $"pack src/UNetDsl.CommandLine/UNetDsl.CommandLine.csproj -c Release -o \"{Feed}\" -p:Version={Version}");
            Pack = (commandLine.ExitCode, Pack.Output + commandLine.Output);
        }

        PackTime = watch.Elapsed;
        Package = Path.Combine(Feed, $"UNetDsl.{Version}.nupkg");
        CommandLinePackage = Path.Combine(Feed, $"UNetDsl.CommandLine.{Version}.nupkg");

        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
    }

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The folder of the feed and of the consumers; its nuget.config applies to every project below it.</summary>
    public string Root { get; }

    public string Feed { get; }

    public string Version { get; }

    /// <summary>UNetDsl's package.</summary>
    public string Package { get; }

    /// <summary>UNetDsl.CommandLine's package.</summary>
    public string CommandLinePackage { get; }

    public (int ExitCode, string Output) Pack { get; }

    public TimeSpan PackTime { get; }

    /// <summary>A new empty folder below <see cref="Root"/>.</summary>
    public string NewFolder(string name)
    {
        var folder = Path.Combine(Root, name);
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static string FindRepositoryRoot([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            foreach (var id in new[] { "unetdsl", "unetdsl.commandline" })
            {
                var cached = Path.Combine(packages, id, Version);
                if (Directory.Exists(cached))
                {
                    Directory.Delete(cached, recursive: true);
                }
            }
        }
        catch (IOException)
        {
            // Leftovers in the temp folder are harmless; the tests' verdicts stand.
        }
    }
}

/// <summary>The package tests share one <see cref="PackedFeed"/> and run one after another (each builds and runs projects).</summary>
[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackedFeed>
{
    public const string Name = "package";
}

/// <summary>Runs the dotnet command line and hands back its exit code and its output and error streams together.</summary>
internal static class Dotnet
{
    public static (int ExitCode, string Output) Run(string directory, string arguments)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(8)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "timed out: dotnet " + arguments + "\n" + output);
        }

        process.WaitForExit();
        lock (output)
        {
            return (process.ExitCode, "$ dotnet " + arguments + " (exit " + process.ExitCode + ")\n" + output);
        }
    }
}
