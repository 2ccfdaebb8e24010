using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using Spectre.Console;
using UNetDsl.Data;
using UNetDsl.Training;
using static TorchSharp.torch;

namespace UNetDsl.CommandLine;

/// <summary><c>unet train</c>: reads the data, runs <see cref="UNetTrainer"/> with a live progress display, reports and draws.</summary>
internal static class TrainCommand
{
    public static int Run(NetworkEntry entry, DataSource source, TrainingOptions options)
    {
        var geometry = entry.Geometry;
        Func<nn.Module<Tensor, Tensor>, IProgress<TrainingProgress>, CancellationToken, TrainingResult> train;
        string unit;
        int heldOut;
        if (geometry.Dimensions == 3)
        {
            var volumes = source.Volumes(geometry, options.Seed);
            (train, unit, heldOut) = ((network, progress, token) => UNetTrainer.Train(network, volumes, options, progress, token), "volume", volumes.Validation.Count);
        }
        else
        {
            var images = source.Images(geometry, options.Seed);
            (train, unit, heldOut) = ((network, progress, token) => UNetTrainer.Train(network, images, options, progress, token), "image", images.Validation.Count);
        }

        using var network = entry.Create();
        using var interruption = new UNetCommandLine.Interruption();
        var listener = new ConsoleTrainingProgress();
        var result = listener.Run(progress => train(network, progress, interruption.Token));
        if (result.Stop == StopReason.Cancelled)
        {
            AnsiConsole.MarkupLine($"[yellow]Interrupted[/] after step {result.Steps:N0} of {result.TotalSteps:N0}; what it learned is saved in [bold]{Markup.Escape(result.CheckpointPath ?? "(nowhere)")}[/]. Continue with --resume.");
            return UNetCommandLine.Interrupted;
        }

        if (result.Validation is { } report)
        {
            MetricsTable.Write(report, (heldOut > 0 ? "held-out " : "training ") + unit);
        }

        var folder = options.OutputFolder!;
        var pictures = result.PicturesFolder ?? Path.Combine(folder, "pictures");
        if (result.StepLosses.Count > 1)
        {
            Directory.CreateDirectory(pictures);
            var smoothed = new List<double>();
            foreach (var loss in result.StepLosses)
            {
                smoothed.Add(smoothed.Count == 0 ? loss : (0.95 * smoothed[^1]) + (0.05 * loss));
            }

            var stepsPerEpoch = options.StepsPerEpoch;
            var epochSteps = result.EpochValidationIoU.Select((_, i) => (double)Math.Min((long)(i + 1) * stepsPerEpoch, result.TotalSteps)).ToList();
            var iou = result.EpochValidationIoU.Any(v => !double.IsNaN(v)) ? result.EpochValidationIoU : Array.Empty<double>();
            LossCurve.Write(Path.Combine(pictures, "loss-curve.png"), Enumerable.Range(1, smoothed.Count).Select(i => (double)i).ToList(), smoothed, iou.Count > 0 ? epochSteps : new List<double>(), iou);
        }

        WriteMetrics(Path.Combine(folder, "metrics.json"), geometry.Name, result);
        AnsiConsole.MarkupLine($"Checkpoint: [bold]{Markup.Escape(Path.GetFullPath(result.CheckpointPath!))}[/]");
        AnsiConsole.MarkupLine($"Pictures ({(unit == "volume" ? "orthogonal slices of image, prediction and labels" : "input, prediction, overlay")}, weight map, augmentation preview, loss curve): [bold]{Markup.Escape(Path.GetFullPath(pictures))}[/]");
        return 0;
    }

    private static void WriteMetrics(string path, string architecture, TrainingResult result)
    {
        var report = result.Validation;
        var json = JsonSerializer.Serialize(new
        {
            architecture,
            steps = result.Steps,
            totalSteps = result.TotalSteps,
            stop = result.Stop.ToString(),
            minutes = result.Elapsed.TotalMinutes,
            pixelError = report?.PixelError,
            meanForegroundDice = Finite(report?.MeanForegroundDice),
            meanForegroundIoU = Finite(report?.MeanForegroundIoU),
            randError = report?.RandError,
            adaptedRandError = report?.AdaptedRandError,
            perClass = report?.PerClass.Select(c => new { @class = c.Class, dice = Finite(c.Dice), iou = Finite(c.IoU), images = c.Images }),
        }, new JsonSerializerOptions { WriteIndented = true });
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, json);
        File.Move(temporary, path, overwrite: true);
    }

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}

/// <summary>The metrics table the train and evaluate commands print, each figure named by its definition.</summary>
internal static class MetricsTable
{
    public static void Write(EvaluationReport report, string what)
    {
        var unit = what.EndsWith("volume", StringComparison.Ordinal) ? "volumes" : "images";
        var table = new Table().AddColumns(unit, "pixel error", "mean fg Dice", "mean fg IoU", "Rand error (ISBI 2012)", "adapted Rand error (SNEMI3D)");
        table.Title = new TableTitle($"Metrics on {report.Images} {what}(s)");
        table.AddRow(
            report.Images.ToString(CultureInfo.InvariantCulture),
            Format(report.PixelError),
            Format(report.MeanForegroundDice),
            Format(report.MeanForegroundIoU),
            Format(report.RandError),
            Format(report.AdaptedRandError));
        AnsiConsole.Write(table);
        var classes = new Table().AddColumns("class", "Dice", "IoU", unit + " scored");
        foreach (var c in report.PerClass)
        {
            classes.AddRow(c.Class.ToString(CultureInfo.InvariantCulture), Format(c.Dice), Format(c.IoU), c.Images.ToString(CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(classes);
        Console.WriteLine((unit == "volumes" ? "Volumes: Dice, IoU and pixel error over each whole volume, Rand errors slice by slice (as ISBI 2012 scores serial sections), then the mean over volumes. " : string.Empty) + $"Pixel error: wrong pixels / pixels. Dice, IoU: per class, mean over the {unit} whose labels hold the class (MONAI's DiceMetric, ignore_empty). " +
            "Rand error (ISBI 2012): 1 - V_Rand over the true foreground, predicted background pixels as singletons. Adapted Rand error (SNEMI3D, scikit-image's adapted_rand_error): predicted background one segment.");
    }

    private static string Format(double value) => double.IsNaN(value) ? "-" : value.ToString("0.0000", CultureInfo.InvariantCulture);
}
