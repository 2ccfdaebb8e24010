using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace UNetDsl.Package.Tests;

/// <summary>
/// The package as a user gets it: packed into a local folder feed, restored by fresh projects outside the
/// repository, built by the plain SDK. One consumer runs a forward pass; one with a wrong declaration must fail to
/// build with its UNET ID.
/// </summary>
public sealed class PackageConsumerTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly string _root;
    private readonly string _feed;
    private readonly string _version;

    public PackageConsumerTests(ITestOutputHelper output)
    {
        _output = output;
        _root = Path.Combine(Path.GetTempPath(), "unetdsl-package-" + Guid.NewGuid().ToString("N")[..8]);
        _feed = Path.Combine(_root, "feed");
        Directory.CreateDirectory(_feed);

        // A version of its own, so that no copy cached in the global packages folder by an earlier run is used.
        _version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string RepositoryRoot([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));

    [Fact]
    public void Packed_library_builds_and_runs_in_a_fresh_project_and_its_errors_fail_the_build()
    {
        var pack = Dotnet(RepositoryRoot(), $"pack src/UNetDsl/UNetDsl.csproj -c Release -o \"{_feed}\" -p:Version={_version}");
        Assert.True(pack.ExitCode == 0, pack.Output);
        var package = Path.Combine(_feed, $"UNetDsl.{_version}.nupkg");
        Assert.True(File.Exists(package));

        // The generator and the IDE code fixes, side by side where the compiler and the IDE look for them.
        using (var archive = System.IO.Compression.ZipFile.OpenRead(package))
        {
            var analyzers = archive.Entries
                .Select(e => e.FullName)
                .Where(name => name.StartsWith("analyzers/", StringComparison.Ordinal))
                .OrderBy(name => name, StringComparer.Ordinal);
            Assert.Equal(new[] { "analyzers/dotnet/cs/UNetDsl.CodeFixes.dll", "analyzers/dotnet/cs/UNetDsl.Generators.dll" }, analyzers);
        }

        var good = Consumer("Good", """
            using System;
            using TorchSharp;
            using UNetDsl;

            using var model = new SmallNet();
            model.eval();
            using var output = model.call(torch.randn(SmallNet.InputShape(2)));
            Console.WriteLine("OUTPUT " + string.Join("x", output.shape) + " PARAMETERS " + SmallNet.ParameterCount);

            [UNet(1, 2, Padding = ConvPadding.Valid, InputSize = new[] { 44, 44 })]
            [Level(8)]
            [Level(16)]
            [Bottleneck(32)]
            public partial class SmallNet { }
            """);
        var run = Dotnet(good, "run -c Release");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("OUTPUT 2x2x4x4 PARAMETERS", run.Output, StringComparison.Ordinal);

        var bad = Consumer("Bad", """
            using UNetDsl;

            System.Console.WriteLine("never built");

            [UNet(1, 2, Padding = ConvPadding.Valid, InputSize = new[] { 44, 46 })]
            [Level(8)]
            [Level(16)]
            [Bottleneck(32)]
            public partial class SmallNet { }
            """);
        var build = Dotnet(bad, "build -c Release");
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error UNET1002", build.Output, StringComparison.Ordinal);
        Assert.Contains("Program.cs(5,", build.Output, StringComparison.Ordinal);

        // The code-fix assembly holds no analyzer; the compiler must load it without a warning about it.
        Assert.DoesNotContain("UNetDsl.CodeFixes", build.Output, StringComparison.Ordinal);
    }

    private string Consumer(string name, string program)
    {
        var directory = Path.Combine(_root, name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{_feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>disable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="UNetDsl" Version="{_version}" />
                <PackageReference Include="libtorch-cpu-linux-x64" Version="2.10.0" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), program);
        return directory;
    }

    private (int ExitCode, string Output) Dotnet(string directory, string arguments)
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
        _output.WriteLine("$ dotnet " + arguments + " (exit " + process.ExitCode + ")");
        return (process.ExitCode, output.ToString());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
            var cached = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"), "unetdsl", _version);
            if (Directory.Exists(cached))
            {
                Directory.Delete(cached, recursive: true);
            }
        }
        catch (IOException)
        {
            // Leftovers in the temp folder are harmless; the test's verdict stands.
        }
    }
}
