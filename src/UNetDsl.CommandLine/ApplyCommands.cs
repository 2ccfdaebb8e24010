using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Spectre.Console;
using UNetDsl.Data;
using UNetDsl.Inference;
using UNetDsl.Training;
using static TorchSharp.torch;

namespace UNetDsl.CommandLine;

/// <summary><c>unet predict</c> and <c>unet evaluate</c>: a trained checkpoint applied to images.</summary>
internal static class ApplyCommands
{
    /// <summary>Loads the checkpoint into the network it records; <see cref="Prepare"/> readies it for inference.</summary>
    public static nn.Module<Tensor, Tensor> Load(NetworkCatalog catalog, string checkpoint)
    {
        var info = Checkpoint.ReadInfo(checkpoint);
        var entry = catalog.Find(info.Architecture)
            ?? throw new UsageException($"Checkpoint '{checkpoint}' holds {info.Architecture}, which this program does not know. Known: {string.Join(", ", catalog.Names)}; give --assembly with the .dll that declares {info.Architecture}.");
        var network = entry.Create();
        try
        {
            Checkpoint.Load(checkpoint, network);
        }
        catch
        {
            network.Dispose();
            throw;
        }

        return network;
    }

    /// <summary>
    /// Prepares <paramref name="network"/> for inference in <paramref name="precision"/> and says which runs. Called once
    /// the inputs and outputs are checked, so that a bad path costs no prepared (possibly bfloat16) copy of the network.
    /// </summary>
    private static void Prepare(nn.Module network, ComputePrecision precision)
    {
        var prepared = (IUNetModule)network;
        prepared.PrepareForInference(precision);
        Console.WriteLine($"{prepared.Geometry.Name} computes in {PrecisionChoice.Describe(prepared.InferencePrecision)}.");
    }

    public static int Predict(NetworkCatalog catalog, string checkpoint, string inputPath, string folder, bool overwrite, double[]? spacing, ComputePrecision precision, bool mirror)
    {
        using var network = Load(catalog, checkpoint);
        if (((IUNetModule)network).Geometry.Dimensions == 3)
        {
            return PredictVolumes(network, inputPath, folder, overwrite, spacing, precision, mirror);
        }

        var geometry = Segmenter.CheckSegmentsGrayImages(network);
        if (spacing is not null)
        {
            throw new UsageException($"--spacing describes volumes; {geometry.Name} is a 2D network. Leave it out, or give a checkpoint of a 3D network.");
        }

        var files = Directory.Exists(inputPath) ? FolderDataset.ImageFiles(inputPath) : File.Exists(inputPath) ? new List<string> { inputPath }
            : throw new UsageException($"'{inputPath}' is neither an image nor a folder.");
        if (files.FirstOrDefault(IsVolumeFile) is { } volume)
        {
            throw new UsageException($"'{volume}' is a volume, but {geometry.Name} is a 2D network: give it 2D images, or a checkpoint of a 3D network.");
        }

        if (files.Count == 0)
        {
            throw new UsageException($"'{inputPath}' holds no .png or .tif images.");
        }

        return SegmentEach(files, OutputNames(files, Path.GetFileNameWithoutExtension), folder, overwrite, new[] { "-prediction.png", "-overlay.png" }, "image", "Masks and overlays", () => Prepare(network, precision), (file, name) =>
        {
            var image = ImageIO.ReadGray(file);
            var started = DateTime.UtcNow;
            var classes = Segmenter.Classes(network, image, (done, all) =>
            {
                // Large images: a line every few seconds, so long work shows it is moving.
                if (all > 16 && (done == all || (DateTime.UtcNow - started).TotalSeconds > 5))
                {
                    started = DateTime.UtcNow;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Path.GetFileName(file)}: tile {done}/{all}"));
                }
            }, mirror);
            SegmentationPictures.Prediction(folder, name, image, classes, geometry.OutputChannels);
            var foreground = classes.Count(c => c > 0) * 100.0 / classes.Length;
            return string.Create(CultureInfo.InvariantCulture, $"{file}: {image.Width}x{image.Height}, {foreground:0.0}% foreground -> {name}-prediction.png, {name}-overlay.png");
        });
    }

    // The loop both kinds of input share: outputs checked before any work (prepare runs after), each file segmented on
    // its own, a failure reported on its own line without stopping the others, and the count of failures at the end
    // (exit code 2).
    private static int SegmentEach(IReadOnlyList<string> files, Dictionary<string, string> names, string folder, bool overwrite, string[] suffixes, string kind, string outputs, Action prepare, Func<string, string, string> segment)
    {
        RefuseNonFolder(folder, "--out", " for the " + outputs.ToLowerInvariant());
        RefuseToReplace(names.Values.SelectMany(n => suffixes.Select(suffix => Path.Combine(folder, n + suffix))), overwrite, $"the outputs in '{folder}', or choose another --out");
        prepare();
        Directory.CreateDirectory(folder);
        var failures = new List<string>();
        foreach (var file in files)
        {
            try
            {
                Console.WriteLine(segment(file, names[file]));
            }
            catch (Exception exception) when (exception is InvalidDataException or IOException or ArgumentException)
            {
                UNetCommandLine.Error(exception.Message);
                failures.Add(file);
            }
        }

        AnsiConsole.MarkupLine($"{outputs} of {files.Count - failures.Count} of {files.Count} {kind}(s): [bold]{Markup.Escape(Path.GetFullPath(folder))}[/]");
        if (failures.Count > 0)
        {
            UNetCommandLine.Error($"{failures.Count} of {files.Count} {kind}(s) could not be segmented: {string.Join(", ", failures.Select(Path.GetFileName))}.");
            return UNetCommandLine.BadInput;
        }

        return 0;
    }

    /// <summary>Throws unless none of <paramref name="paths"/> exists or replacing them was asked.</summary>
    /// <param name="paths">The files a command is about to write.</param>
    /// <param name="overwrite">--overwrite was given.</param>
    /// <param name="alternative">What replacing means and the other way out, ending the message.</param>
    internal static void RefuseToReplace(IEnumerable<string> paths, bool overwrite, string alternative)
    {
        var existing = overwrite ? null : paths.FirstOrDefault(File.Exists);
        if (existing is not null)
        {
            throw new UsageException($"'{existing}' exists; pass --overwrite to replace {alternative}.");
        }
    }

    // NIfTI files are volumes whatever their depth; a TIFF may be an image or a stack, and is read as the network needs.
    private static bool IsVolumeFile(string path) =>
        path.EndsWith(".nii", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".nii.gz", StringComparison.OrdinalIgnoreCase);

    private static string VolumeName(string path) => VolumeIO.VolumeName(path) ?? Path.GetFileNameWithoutExtension(path);

    // A 3D network: NIfTI volumes and TIFF stacks in; a label volume (.nii.gz) and a picture of three orthogonal
    // centre slices out for each.
    private static int PredictVolumes(nn.Module<Tensor, Tensor> network, string inputPath, string folder, bool overwrite, double[]? spacing, ComputePrecision precision, bool mirror)
    {
        var geometry = VolumeSegmenter.CheckSegmentsGrayVolumes(network);
        var files = Directory.Exists(inputPath)
            ? Directory.EnumerateFiles(inputPath).Where(VolumeIO.IsVolumeName).OrderBy(f => f, StringComparer.Ordinal).ToList()
            : File.Exists(inputPath) ? new List<string> { inputPath } : throw new UsageException($"'{inputPath}' is neither a volume nor a folder.");
        if (files.Count == 0)
        {
            var image = Directory.Exists(inputPath) ? FolderDataset.ImageFiles(inputPath).FirstOrDefault() : null;
            throw new UsageException(image is null
                ? $"'{inputPath}' holds no volumes (.nii, .nii.gz, .tif, .tiff)."
                : $"'{inputPath}' holds 2D images ('{Path.GetFileName(image)}') and no volumes, but {geometry.Name} is a 3D network: give it volumes (.nii, .nii.gz, .tif, .tiff), or a checkpoint of a 2D network.");
        }

        return SegmentEach(files, OutputNames(files, VolumeName), folder, overwrite, new[] { "-prediction.nii.gz", "-slices.png" }, "volume", "Label volumes and pictures", () => Prepare(network, precision), (file, name) =>
        {
            var volume = VolumeIO.ReadNetworkInput(file, spacing);
            if (volume.Depth == 1)
            {
                throw new InvalidDataException($"'{file}' has one slice ({volume.Height}x{volume.Width}): it is a 2D image, but {geometry.Name} is a 3D network. Give it volumes of several slices, or a checkpoint of a 2D network.");
            }

            var classes = VolumeSegmenter.Classes(network, volume, (done, all) =>
            {
                if (done == all || done % 16 == 0)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Path.GetFileName(file)}: tile {done}/{all}"));
                }
            }, mirror);
            VolumeIO.WriteLabels(Path.Combine(folder, name + "-prediction.nii.gz"), classes);
            VolumePictures.OrthogonalSlices(Path.Combine(folder, name + "-slices.png"), volume, classes, geometry.OutputChannels);
            var foreground = classes.Labels.Count(c => c > 0) * 100.0 / classes.Labels.Length;
            return string.Create(CultureInfo.InvariantCulture, $"{file}: {volume.Depth}x{volume.Height}x{volume.Width}, {foreground:0.0}% foreground -> {name}-prediction.nii.gz, {name}-slices.png");
        });
    }

    public static int Evaluate(NetworkCatalog catalog, string checkpoint, DataSource source, string? pictures, bool overwrite, ComputePrecision precision, bool mirror)
    {
        using var network = Load(catalog, checkpoint);
        var geometry = ((IUNetModule)network).Geometry;
        void Done(int done, int all) => Console.WriteLine($"  evaluated {done}/{all}");
        EvaluationReport report;
        if (geometry.Dimensions == 3)
        {
            var volumes = source.AllVolumes(geometry);
            CheckPictures(pictures, volumes.Select(v => v.Name), ["-slices.png", "-prediction-slices.png", "-labels-slices.png"], overwrite);
            Prepare(network, precision);
            report = UNetEvaluator.Evaluate(network, volumes, pictures, Done, mirror);
        }
        else
        {
            var images = source.AllImages(geometry);
            CheckPictures(pictures, images.Select(s => s.Name), ["-input.png", "-prediction.png", "-overlay.png"], overwrite);
            Prepare(network, precision);
            report = UNetEvaluator.Evaluate(network, images, pictures, Done, mirror);
        }

        MetricsTable.Write(report, geometry.Dimensions == 3 ? "labelled volume" : "labelled image");
        return 0;
    }

    // --pictures must be a folder, and the pictures evaluate would write there must not exist unless --overwrite.
    private static void CheckPictures(string? pictures, IEnumerable<string> names, string[] suffixes, bool overwrite)
    {
        if (pictures is null)
        {
            return;
        }

        RefuseNonFolder(pictures, "--pictures", string.Empty);

        RefuseToReplace(names.SelectMany(name => suffixes.Select(suffix => Path.Combine(pictures, name + suffix))), overwrite, $"the pictures in '{pictures}', or choose another --pictures");
    }

    /// <summary>
    /// Throws when <paramref name="folder"/> is a file, or lies under one (<c>notes.txt/out</c>, which creating it would
    /// only report as a missing path): it, or else its nearest existing ancestor, must be a folder.
    /// </summary>
    private static void RefuseNonFolder(string folder, string option, string forWhat)
    {
        if (File.Exists(folder))
        {
            throw new UsageException($"{option} '{folder}' is a file; give a folder{forWhat}.");
        }

        for (var ancestor = Path.GetDirectoryName(Path.GetFullPath(folder)); !string.IsNullOrEmpty(ancestor); ancestor = Path.GetDirectoryName(ancestor))
        {
            if (File.Exists(ancestor))
            {
                throw new UsageException($"{option} '{folder}' lies under '{ancestor}', which is a file; give a folder path.");
            }

            if (Directory.Exists(ancestor))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Each input's output name: its <paramref name="stem"/>, or its whole file name where two inputs share a stem
    /// (a.png and a.tif), so that no output overwrites another.
    /// </summary>
    public static Dictionary<string, string> OutputNames(IReadOnlyList<string> files, Func<string, string> stem)
    {
        var shared = files.GroupBy(stem, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).SelectMany(g => g).ToHashSet();
        return files.ToDictionary(f => f, f => shared.Contains(f) ? Path.GetFileName(f) : stem(f));
    }
}
