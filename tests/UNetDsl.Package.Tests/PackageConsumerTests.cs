using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;
using Xunit.Abstractions;

namespace UNetDsl.Package.Tests;

/// <summary>
/// The package as a user gets it: packed once into a local folder feed (<see cref="PackedFeed"/>), restored by fresh
/// projects outside the repository, built by the plain SDK. The getting-started page is followed command by command,
/// on net10.0 and, self-contained, on net8.0; a project without libtorch is warned; a wrong declaration fails the
/// build with its UNET ID; the package's README links nowhere relative.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class PackageConsumerTests
{
    internal static readonly Regex s_markdownLink = new("\\]\\((?<target>[^)\\s]+)\\)");

    private readonly PackedFeed _feed;
    private readonly ITestOutputHelper _output;

    public PackageConsumerTests(PackedFeed feed, ITestOutputHelper output)
    {
        _feed = feed;
        _output = output;
        _output.WriteLine($"pack: {_feed.PackTime.TotalSeconds:F0} s (once for all the package tests)");
        Assert.True(_feed.Pack.ExitCode == 0, _feed.Pack.Output);
        Assert.True(File.Exists(_feed.Package), "no " + _feed.Package);
    }

    [Fact]
    public void The_package_holds_both_libraries_the_generator_the_code_fixes_and_the_native_backend_check()
    {
        using var archive = ZipFile.OpenRead(_feed.Package);
        var names = archive.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);

        // The generator and the IDE code fixes, side by side where the compiler and the IDE look for them.
        var analyzers = names.Where(name => name.StartsWith("analyzers/", StringComparison.Ordinal)).OrderBy(name => name, StringComparer.Ordinal);
        Assert.Equal(new[] { "analyzers/dotnet/cs/UNetDsl.CodeFixes.dll", "analyzers/dotnet/cs/UNetDsl.Generators.dll" }, analyzers);
        Assert.Contains("lib/net8.0/UNetDsl.dll", names);
        Assert.Contains("lib/net10.0/UNetDsl.dll", names);
        Assert.Contains("buildTransitive/UNetDsl.targets", names);

        // TorchSharp flows to consumers; libtorch is the application's choice (CPU or GPU, which system), not ours.
        var dependencies = Nuspec(archive).Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).ToList();
        Assert.Contains("TorchSharp", dependencies);
        Assert.DoesNotContain(dependencies, id => id.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase) || id.StartsWith("TorchSharp-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_package_readme_is_the_repositorys_with_every_link_absolute_and_pointing_at_what_exists()
    {
        using var archive = ZipFile.OpenRead(_feed.Package);
        var readmeName = Nuspec(archive).Descendants().Single(e => e.Name.LocalName == "readme").Value;
        var packed = Read(archive, readmeName);
        var repository = (string)Nuspec(archive).Descendants().Single(e => e.Name.LocalName == "repository").Attribute("url")!;
        Assert.StartsWith("https://", repository, StringComparison.Ordinal);

        AssertLinksAbsoluteAndPointingAtWhatExists(packed, repository);

        // Apart from the links, it is the repository's README.
        var source = File.ReadAllText(Path.Combine(PackedFeed.RepositoryRoot, "README.md"));
        Assert.Equal(s_markdownLink.Replace(source, "]()"), s_markdownLink.Replace(packed, "]()"));
    }

    [Fact]
    public void The_getting_started_steps_run_a_forward_pass_and_a_training_step()
    {
        var page = DocsPage.GettingStarted();

        // The libtorch the page adds is the one the repository builds and tests with.
        var pinned = XDocument.Load(Path.Combine(PackedFeed.RepositoryRoot, "Directory.Packages.props")).Descendants()
            .Single(e => e.Name.LocalName == "PackageVersion" && (string?)e.Attribute("Include") == "libtorch-cpu-linux-x64").Attribute("Version")!.Value;
        Assert.Contains("dotnet add package libtorch-cpu-linux-x64 --version " + pinned, page.Commands(DocsPage.GettingStartedSections.Create));

        var project = Follow(page.Commands(DocsPage.GettingStartedSections.Create), _feed.NewFolder("net10"));

        // The project file is the one the page shows, the version of the package under test aside.
        var projectFile = Directory.GetFiles(project, "*.csproj").Single();
        Assert.Equal(
            Normalize(page.Block(DocsPage.GettingStartedSections.Create, "xml")).Replace("Include=\"UNetDsl\" Version=\"0.1.0\"", $"Include=\"UNetDsl\" Version=\"{_feed.Version}\"", StringComparison.Ordinal),
            Normalize(File.ReadAllText(projectFile)));

        File.WriteAllText(Path.Combine(project, "Program.cs"), page.Block(DocsPage.GettingStartedSections.Program, "csharp"));
        var run = Follow(page.Commands(DocsPage.GettingStartedSections.Run), project, out var output);
        Assert.Equal(project, run);
        Assert.DoesNotContain("UNET3001", output, StringComparison.Ordinal);
        AssertOutputAsShown(page, output);
    }

    [Fact]
    public void The_getting_started_program_runs_on_net8_self_contained()
    {
        var page = DocsPage.GettingStarted();
        var project = Follow(page.Commands(DocsPage.GettingStartedSections.Create), _feed.NewFolder("net8"));
        var projectFile = Directory.GetFiles(project, "*.csproj").Single();

        // The page's one change of the project file: the target framework.
        var framework = page.Block(DocsPage.GettingStartedSections.Net8, "xml").Trim();
        Assert.Equal("<TargetFramework>net8.0</TargetFramework>", framework);
        var text = File.ReadAllText(projectFile);
        Assert.Contains("<TargetFramework>net10.0</TargetFramework>", text, StringComparison.Ordinal);
        File.WriteAllText(projectFile, text.Replace("<TargetFramework>net10.0</TargetFramework>", framework, StringComparison.Ordinal));

        File.WriteAllText(Path.Combine(project, "Program.cs"), page.Block(DocsPage.GettingStartedSections.Program, "csharp"));
        Follow(page.Commands(DocsPage.GettingStartedSections.Net8), project, out var output);
        AssertOutputAsShown(page, output);

        // It ran the package's net8.0 library on a .NET 8 runtime that came with it.
        var deps = Directory.GetFiles(Path.Combine(project, "bin"), "UNetHello.deps.json", SearchOption.AllDirectories).Single();
        Assert.Contains("lib/net8.0/UNetDsl.dll", File.ReadAllText(deps), StringComparison.Ordinal);
        var runtimeConfig = File.ReadAllText(Path.Combine(Path.GetDirectoryName(deps)!, "UNetHello.runtimeconfig.json"));
        Assert.Matches("\"includedFrameworks\"[^\\]]*\"name\": \"Microsoft.NETCore.App\",\\s*\"version\": \"8\\.0\\.", runtimeConfig);
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(deps)!, "libcoreclr.so")), "not self-contained: no libcoreclr.so next to the program");
    }

    [Fact]
    public void Without_a_native_backend_the_build_warns_and_a_wrong_declaration_fails_with_its_id()
    {
        // A project that forgot libtorch, with an input size that pooling cannot halve.
        var project = _feed.NewFolder("NoBackend");
        File.WriteAllText(Path.Combine(project, "NoBackend.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="UNetDsl" Version="{_feed.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), """
            using UNetDsl;

            System.Console.WriteLine("never built");

            [UNet(1, 2, Padding = ConvPadding.Valid, InputSize = new[] { 44, 46 })]
            [Level(8)]
            [Level(16)]
            [Bottleneck(32)]
            public partial class SmallNet { }
            """);

        var build = Step(project, "build");
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("warning UNET3001: No native TorchSharp backend (libtorch) is referenced", build.Output, StringComparison.Ordinal);
        Assert.Contains("'dotnet add package libtorch-cpu-linux-x64 --version 2.10.0'", build.Output, StringComparison.Ordinal);
        Assert.Contains("docs/diagnostics/UNET3001.md", build.Output, StringComparison.Ordinal);
        var documented = File.ReadAllLines(Path.Combine(PackedFeed.RepositoryRoot, "docs", "diagnostics", "UNET3001.md")).Single(l => l.StartsWith("warning UNET3001: ", StringComparison.Ordinal));
        Assert.Contains(documented, build.Output, StringComparison.Ordinal);
        Assert.Contains("error UNET1002", build.Output, StringComparison.Ordinal);
        Assert.Contains("Program.cs(5,", build.Output, StringComparison.Ordinal);

        // The code-fix assembly holds no analyzer; the compiler must load it without a warning about it.
        Assert.DoesNotContain("UNetDsl.CodeFixes", build.Output, StringComparison.Ordinal);

        // The check can be turned off for a libtorch that comes some other way (its target alone, not a whole build).
        var check = Step(project, "msbuild -t:UNetDslCheckNativeBackend");
        Assert.Contains("warning UNET3001", check.Output, StringComparison.Ordinal);
        var quiet = Step(project, "msbuild -t:UNetDslCheckNativeBackend -p:UNetDslCheckNativeBackend=false");
        Assert.True(quiet.ExitCode == 0, quiet.Output);
        Assert.DoesNotContain("UNET3001", quiet.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every link of a package README is absolute (a package page resolves nothing relative), and each one into the
    /// repository names a file or folder that is there, and each anchor a heading of its page.
    /// </summary>
    internal static void AssertLinksAbsoluteAndPointingAtWhatExists(string packed, string repository)
    {
        var links = s_markdownLink.Matches(packed).Select(m => m.Groups["target"].Value).ToList();
        Assert.NotEmpty(links);
        var relative = links.Where(l => !l.StartsWith("https://", StringComparison.Ordinal)).ToList();
        Assert.True(relative.Count == 0, "relative links in the package README: " + string.Join(", ", relative));
        Assert.DoesNotMatch("(href|src)=\"(?!https://)", packed);

        // Each link into the repository names a file or folder that is there, and each anchor a heading of its page.
        var prefix = new Regex("^" + Regex.Escape(repository.TrimEnd('/')) + "/(blob|tree|raw)/main/(?<path>[^#]*)(#(?<anchor>.*))?$");
        foreach (var link in links.Where(l => l.StartsWith(repository, StringComparison.Ordinal)))
        {
            var match = prefix.Match(link);
            Assert.True(match.Success, "not a link into the repository's main branch: " + link);
            var path = Path.Combine(PackedFeed.RepositoryRoot, match.Groups["path"].Value);
            Assert.True(File.Exists(path) || Directory.Exists(path), "the package README links to a missing " + match.Groups["path"].Value);
            if (match.Groups["anchor"].Success)
            {
                var headings = Regex.Matches(File.ReadAllText(path), "^#+ (?<title>.+)$", RegexOptions.Multiline)
                    .Select(h => Regex.Replace(h.Groups["title"].Value.Trim().ToLowerInvariant(), "[^a-z0-9 _-]", "").Replace(' ', '-'));
                Assert.Contains(match.Groups["anchor"].Value, headings);
            }
        }

    }

    /// <summary>
    /// Runs a page's commands from <paramref name="directory"/>: <c>cd</c> moves, every other line is a dotnet
    /// command. One change: <c>dotnet add package UNetDsl</c> names the version under test, a prerelease that a plain
    /// add would pass over. Returns the folder the commands end in.
    /// </summary>
    private string Follow(IEnumerable<string> commands, string directory) => Follow(commands, directory, out _);

    private string Follow(IEnumerable<string> commands, string directory, out string lastOutput)
    {
        lastOutput = "";
        foreach (var command in commands)
        {
            if (command.StartsWith("cd ", StringComparison.Ordinal))
            {
                directory = Path.GetFullPath(Path.Combine(directory, command[3..].Trim()));
                continue;
            }

            Assert.StartsWith("dotnet ", command, StringComparison.Ordinal);
            var arguments = command["dotnet ".Length..];
            if (arguments == "add package UNetDsl")
            {
                arguments += " --version " + _feed.Version;
            }

            var result = Step(directory, arguments);
            Assert.True(result.ExitCode == 0, result.Output);
            lastOutput = result.Output;
        }

        return directory;
    }

    private (int ExitCode, string Output) Step(string directory, string arguments)
    {
        var watch = Stopwatch.StartNew();
        var result = Dotnet.Run(directory, arguments);
        _output.WriteLine($"{Path.GetFileName(directory)}$ dotnet {arguments}: exit {result.ExitCode}, {watch.Elapsed.TotalSeconds:F0} s");
        return result;
    }

    /// <summary>The program prints the lines the page shows: the same shape, a finite loss near the page's, weights that moved.</summary>
    private static void AssertOutputAsShown(DocsPage page, string output)
    {
        var shown = page.Block(DocsPage.GettingStartedSections.Run, "text").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();

        Assert.Contains(shown.Single(l => l.StartsWith("scores: ", StringComparison.Ordinal)), lines);

        var pattern = new Regex("^loss: (?<loss>\\S+), largest weight change: (?<change>\\S+)$");
        var expected = pattern.Match(shown.Single(l => l.StartsWith("loss: ", StringComparison.Ordinal)));
        var actual = lines.Select(l => pattern.Match(l)).SingleOrDefault(m => m.Success);
        Assert.True(expected.Success);
        Assert.True(actual is not null, "no loss line in\n" + output);

        var loss = double.Parse(actual!.Groups["loss"].Value, CultureInfo.InvariantCulture);
        var change = double.Parse(actual.Groups["change"].Value, CultureInfo.InvariantCulture);
        Assert.True(double.IsFinite(loss), "loss " + loss);
        Assert.True(change > 0, "the optimizer step changed no weight");
        Assert.InRange(loss, double.Parse(expected.Groups["loss"].Value, CultureInfo.InvariantCulture) - 1e-3, double.Parse(expected.Groups["loss"].Value, CultureInfo.InvariantCulture) + 1e-3);
        Assert.Equal(expected.Groups["change"].Value, actual.Groups["change"].Value);
    }

    private static string Normalize(string text) =>
        string.Join("\n", text.TrimStart('\uFEFF').Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd())).Trim();

    private static XDocument Nuspec(ZipArchive archive) =>
        XDocument.Parse(Read(archive, archive.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).FullName));

    private static string Read(ZipArchive archive, string name)
    {
        using var reader = new StreamReader(archive.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }
}
