using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;
using Xunit.Abstractions;

namespace UNetDsl.Package.Tests;

/// <summary>
/// docs/train-your-network.md followed against the packed packages: a network the user declares is trained, applied
/// and scored with the library; the same network is served by a program that hosts the <c>unet</c> command line; and
/// a class library's network is served by a generic host with <c>--assembly</c>. The page's commands, files and
/// programs are used as written, with fewer steps, smaller images and tiles (each change named below), and
/// <c>dotnet run</c> after the first of a project runs the program it built directly.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class TrainYourNetworkTests
{
    private static readonly Regex s_packageOfOurs = new("package (UNetDsl|UNetDsl\\.CommandLine)$");

    private readonly PackedFeed _feed;
    private readonly ITestOutputHelper _output;
    private readonly DocsPage _page = DocsPage.TrainYourNetwork();

    public TrainYourNetworkTests(PackedFeed feed, ITestOutputHelper output)
    {
        _feed = feed;
        _output = output;
        Assert.True(_feed.Pack.ExitCode == 0, _feed.Pack.Output);
    }

    [Fact]
    public void The_command_line_package_depends_on_UNetDsl_with_every_asset_and_shows_the_page_with_absolute_links()
    {
        using var archive = ZipFile.OpenRead(_feed.CommandLinePackage);
        var names = archive.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("lib/net8.0/UNetDsl.CommandLine.dll", names);
        Assert.Contains("lib/net10.0/UNetDsl.CommandLine.dll", names);

        // The dependency on UNetDsl excludes nothing: a program that names only UNetDsl.CommandLine still gets the
        // generator (analyzers/) and the native-backend check (buildTransitive/).
        var nuspec = XDocument.Parse(Read(archive, archive.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).FullName));
        var onUNetDsl = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency" && (string?)e.Attribute("id") == "UNetDsl").ToList();
        Assert.Equal(2, onUNetDsl.Count);
        Assert.All(onUNetDsl, d => Assert.Equal(_feed.Version, (string?)d.Attribute("version")));
        Assert.All(onUNetDsl, d => Assert.Null(d.Attribute("exclude")));

        // Its README is this page, with every link absolute; the repository is named as UNetDsl's is.
        var packed = Read(archive, nuspec.Descendants().Single(e => e.Name.LocalName == "readme").Value);
        var repository = (string)nuspec.Descendants().Single(e => e.Name.LocalName == "repository").Attribute("url")!;
        using (var core = ZipFile.OpenRead(_feed.Package))
        {
            var coreNuspec = XDocument.Parse(Read(core, core.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).FullName));
            Assert.Equal((string)coreNuspec.Descendants().Single(e => e.Name.LocalName == "repository").Attribute("url")!, repository);
        }

        PackageConsumerTests.AssertLinksAbsoluteAndPointingAtWhatExists(packed, repository);
        Assert.Contains(repository + "/blob/main/README.md#native-set-up", packed, StringComparison.Ordinal);
        Assert.Contains(repository + "/blob/main/docs/train-your-network.md#how-labels-are-read", packed, StringComparison.Ordinal);
        var source = File.ReadAllText(Path.Combine(PackedFeed.RepositoryRoot, "docs", "train-your-network.md"));
        Assert.Equal(PackageConsumerTests.s_markdownLink.Replace(source, "]()"), PackageConsumerTests.s_markdownLink.Replace(packed, "]()"));
    }

    [Fact]
    public void A_declared_network_trains_predicts_and_evaluates_with_the_library()
    {
        var project = Follow(_page.Commands(DocsPage.TrainSections.Project), _feed.NewFolder("library"));
        File.WriteAllText(Path.Combine(project, "CellNet.cs"), _page.Block(DocsPage.TrainSections.Project, "csharp"));

        // The page's program on 6 + 1 images of 64x64, 30 steps of 32x32 output tiles.
        var program = _page.Block(DocsPage.TrainSections.Library, "csharp");
        program = Replace(program, "Synthetic(training: 24, validation: 6, size: 256)", "Synthetic(training: 6, validation: 1, size: 64)");
        program = Replace(program, "Steps = 500, OutputTile = 96,", "Steps = 30, OutputTile = 32,");
        File.WriteAllText(Path.Combine(project, "Program.cs"), program);

        Assert.Equal(new[] { "dotnet run -c Release" }, _page.Commands(DocsPage.TrainSections.Library));
        var run = Step(project, "run -c Release");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.DoesNotContain("UNET3001", run.Output, StringComparison.Ordinal);

        // The progress class was told of the plan, each epoch and the stop, in order.
        var lines = run.Output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var plan = lines.FindIndex(l => l.StartsWith("Network: CellNet, ", StringComparison.Ordinal));
        var epoch = lines.FindIndex(l => l.StartsWith("step 30/30: loss ", StringComparison.Ordinal));
        var stop = lines.FindIndex(l => l.StartsWith("Stopped after 30 steps: the plan is done.", StringComparison.Ordinal));
        Assert.True(plan >= 0 && plan < epoch && epoch < stop, run.Output);

        // It learned: the loss of the last ten steps is below that of the first ten.
        var loss = Regex.Match(run.Output, "^loss: first 10 steps (?<first>\\S+), last 10 steps (?<last>\\S+)$", RegexOptions.Multiline);
        Assert.True(loss.Success, run.Output);
        var (first, last) = (Number(loss.Groups["first"].Value), Number(loss.Groups["last"].Value));
        Assert.True(last < first, $"the loss did not fall: first 10 steps {first}, last 10 steps {last}");

        // Checkpoint, metrics and pictures.
        var runs = Path.Combine(project, "runs", "cells");
        Assert.True(new FileInfo(Path.Combine(runs, "checkpoint.unet")).Length > 117_090 * 4, "no checkpoint with the weights");
        using (var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(runs, "metrics.json"))))
        {
            Assert.Equal(1, metrics.RootElement.GetProperty("Images").GetInt32());
            Assert.Equal(2, metrics.RootElement.GetProperty("PerClass").GetArrayLength());
            Assert.InRange(metrics.RootElement.GetProperty("PixelError").GetDouble(), 0, 1);
        }

        foreach (var picture in new[] { "weight-map.png", "augmentation-preview.png" })
        {
            Assert.True(File.Exists(Path.Combine(runs, "pictures", picture)), "no pictures/" + picture);
        }

        Assert.Single(Directory.GetFiles(Path.Combine(runs, "pictures"), "*-overlay.png"));

        // Prediction and evaluation by the library calls.
        Assert.Matches("(?m)^predicted: [0-9.]+% of 64x64 pixels are cells$", run.Output);
        var evaluated = Regex.Match(run.Output, "^evaluated 1 images: foreground Dice (?<dice>\\S+), Rand error (?<rand>\\S+)$", RegexOptions.Multiline);
        Assert.True(evaluated.Success, run.Output);
        Assert.InRange(Number(evaluated.Groups["dice"].Value), 0, 1);
        Assert.Single(Directory.GetFiles(Path.Combine(runs, "evaluation"), "*-prediction.png"));
    }

    [Fact]
    public void A_program_hosting_the_command_line_trains_predicts_and_evaluates_its_network()
    {
        var project = Follow(_page.Commands(DocsPage.TrainSections.Project), _feed.NewFolder("host"));
        File.WriteAllText(Path.Combine(project, "CellNet.cs"), _page.Block(DocsPage.TrainSections.Project, "csharp"));
        var shell = _page.Blocks(DocsPage.TrainSections.CommandLine, "sh");
        Assert.Equal(2, shell.Count);
        Follow(DocsPage.Lines(shell[0]), project);
        File.WriteAllText(Path.Combine(project, "Program.cs"), _page.Block(DocsPage.TrainSections.CommandLine, "csharp"));

        var commands = DocsPage.Lines(shell[1]);
        Assert.Equal(4, commands.Count);
        Assert.All(commands, c => Assert.StartsWith("dotnet run -- ", c, StringComparison.Ordinal));
        var program = Path.Combine("bin", "Debug", "net10.0", "Cells.dll");

        // summary: dotnet run as written (it builds the program).
        var summary = Step(project, commands[0]["dotnet ".Length..]);
        Assert.True(summary.ExitCode == 0, summary.Output);
        Assert.Contains("CellNet: 2D U-Net, 2 levels, 'Same' padding", summary.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("UNET3001", summary.Output, StringComparison.Ordinal);

        // train: 10 steps of 2 tiles of 32x32, one image held out.
        var train = Replace(commands[1], "--steps 500", "--steps 10 --tile 32 --batch 2 --validation 1");
        var trained = Step(project, $"{program} {train["dotnet run -- ".Length..]}");
        Assert.True(trained.ExitCode == 0, trained.Output);
        var runs = Path.Combine(project, "runs", "cli");
        foreach (var file in new[] { "checkpoint.unet", "metrics.json", "pictures/loss-curve.png", "pictures/weight-map.png" })
        {
            Assert.True(File.Exists(Path.Combine(runs, file)), $"train wrote no {file}\n{trained.Output}");
        }

        using (var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(runs, "metrics.json"))))
        {
            Assert.Equal("CellNet", metrics.RootElement.GetProperty("architecture").GetString());
            Assert.Equal(10, metrics.RootElement.GetProperty("steps").GetInt64());
        }

        // The labelled folder the page's predict and evaluate read: the held-out image train wrote, labelled with its
        // prediction.
        var input = Directory.GetFiles(Path.Combine(runs, "pictures"), "*-input.png").Single();
        var name = Path.GetFileName(input)[..^"-input.png".Length];
        Directory.CreateDirectory(Path.Combine(project, "data", "images"));
        Directory.CreateDirectory(Path.Combine(project, "data", "labels"));
        File.Copy(input, Path.Combine(project, "data", "images", name + ".png"));
        File.Copy(Path.Combine(runs, "pictures", name + "-prediction.png"), Path.Combine(project, "data", "labels", name + ".png"));

        var predicted = Step(project, $"{program} {commands[2]["dotnet run -- ".Length..]}");
        Assert.True(predicted.ExitCode == 0, predicted.Output);
        Assert.True(File.Exists(Path.Combine(project, "runs", "masks", name + "-prediction.png")), predicted.Output);
        Assert.True(File.Exists(Path.Combine(project, "runs", "masks", name + "-overlay.png")), predicted.Output);

        var evaluated = Step(project, $"{program} {commands[3]["dotnet run -- ".Length..]}");
        Assert.True(evaluated.ExitCode == 0, evaluated.Output);
        Assert.Contains("Metrics on 1 labelled image(s)", evaluated.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_generic_host_serves_the_networks_of_a_class_library_given_with_assembly()
    {
        // The page starts in the Cells project and climbs out of it.
        var folder = _feed.NewFolder("assembly");
        var start = Path.Combine(folder, "Cells");
        Directory.CreateDirectory(start);
        var shell = _page.Blocks(DocsPage.TrainSections.Assembly, "sh");
        Assert.Equal(3, shell.Count);

        var here = Follow(DocsPage.Lines(shell[0]), start);
        Assert.Equal(folder, here);
        File.Delete(Path.Combine(folder, "CellNets", "Class1.cs"));
        File.WriteAllText(Path.Combine(folder, "CellNets", "CellNet.cs"), _page.Block(DocsPage.TrainSections.Project, "csharp"));
        Follow(DocsPage.Lines(shell[1]), folder);
        File.WriteAllText(Path.Combine(folder, "unet", "Program.cs"), _page.Block(DocsPage.TrainSections.Assembly, "csharp"));

        var commands = DocsPage.Lines(shell[2]);
        Assert.Equal(2, commands.Count);
        const string Library = "CellNets/bin/Release/net10.0/CellNets.dll";
        Assert.All(commands, c => Assert.StartsWith($"dotnet run --project unet -- ", c, StringComparison.Ordinal));
        Assert.All(commands, c => Assert.Contains($"--assembly {Library} --arch CellNet", c, StringComparison.Ordinal));
        var host = Path.Combine("unet", "bin", "Debug", "net10.0", "unet.dll");

        // summary: dotnet run as written (it builds the host).
        var summary = Step(folder, commands[0]["dotnet ".Length..]);
        Assert.True(summary.ExitCode == 0, summary.Output);
        Assert.Contains("CellNet: 2D U-Net, 2 levels, 'Same' padding", summary.Output, StringComparison.Ordinal);

        // train: 4 steps of 2 tiles of 32x32, one image held out.
        var train = Replace(commands[1], "--steps 500", "--steps 4 --tile 32 --batch 2 --validation 1");
        var trained = Step(folder, $"{host} {train["dotnet run --project unet -- ".Length..]}");
        Assert.True(trained.ExitCode == 0, trained.Output);
        Assert.True(File.Exists(Path.Combine(folder, "runs", "cellnets", "checkpoint.unet")), trained.Output);
        Assert.True(File.Exists(Path.Combine(folder, "runs", "cellnets", "metrics.json")), trained.Output);

        // An assembly without generated networks (the host's own), and a network the library does not have.
        var none = Step(folder, $"{host} summary --assembly {host}");
        Assert.Equal(2, none.ExitCode);
        var error = Assert.Single(ErrorLines(none.Output));
        Assert.Contains("holds no generated U-Net", error, StringComparison.Ordinal);

        var unknown = Step(folder, $"{host} summary --assembly {Library} --arch TheirNet");
        Assert.Equal(2, unknown.ExitCode);
        error = Assert.Single(ErrorLines(unknown.Output));
        Assert.Contains("Unknown network 'TheirNet'. Known: CellNet.", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs a page's commands from <paramref name="directory"/>: <c>cd</c> moves, every other line is a dotnet command.
    /// One change: adding UNetDsl or UNetDsl.CommandLine names the version under test, a prerelease that a plain add
    /// would pass over. Returns the folder the commands end in.
    /// </summary>
    private string Follow(IEnumerable<string> commands, string directory)
    {
        foreach (var command in commands)
        {
            if (command.StartsWith("cd ", StringComparison.Ordinal))
            {
                directory = Path.GetFullPath(Path.Combine(directory, command[3..].Trim()));
                continue;
            }

            Assert.StartsWith("dotnet ", command, StringComparison.Ordinal);
            var arguments = command["dotnet ".Length..];
            if (s_packageOfOurs.IsMatch(arguments))
            {
                arguments += " --version " + _feed.Version;
            }

            var result = Step(directory, arguments);
            Assert.True(result.ExitCode == 0, result.Output);
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

    /// <summary><paramref name="text"/> with its one <paramref name="from"/> replaced.</summary>
    private static string Replace(string text, string from, string to)
    {
        Assert.True(text.Split(from).Length == 2, $"expected '{from}' once in\n{text}");
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    private static IEnumerable<string> ErrorLines(string output) =>
        output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("error", StringComparison.Ordinal));

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    private static string Read(ZipArchive archive, string name)
    {
        using var reader = new StreamReader(archive.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }
}
