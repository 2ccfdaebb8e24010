using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Spectre.Console;
using TorchSharp;
using TorchSharp.Modules;
using UNetDsl;
using UNetDsl.Data;
using UNetDsl.Inference;
using UNetDsl.Training;
using UNetDsl.Training.Augmentation;
using static TorchSharp.torch;

namespace UNetApp;

/// <summary>The options of <c>unet train</c>.</summary>
public sealed record TrainOptions(
    string? Data,
    string Architecture,
    double Minutes,
    int Epochs,
    int StepsPerEpoch,
    int BatchSize,
    double LearningRate,
    string Optimizer,
    int Validation,
    string Output,
    int Seed,
    bool Resume,
    ScheduleKind Schedule = ScheduleKind.Polynomial);

/// <summary>Trains as the U-Net paper does: overlap tiles, elastic deformation, weighted cross-entropy (+ Dice).</summary>
public static class Trainer
{
    public const string CheckpointName = "checkpoint.unet";

    public static int Run(TrainOptions options)
    {
        var stopwatch = Stopwatch.StartNew();
        torch.manual_seed(options.Seed);
        var random = new Random(options.Seed);
        Directory.CreateDirectory(options.Output);

        var samples = options.Data is null
            ? Enumerable.Range(0, 24 + options.Validation).Select(i => SyntheticCells.Generate((options.Seed * 1000) + i)).ToList()
            : FolderDataset.Load(options.Data).ToList();
        if (samples.Count <= options.Validation)
        {
            throw new UsageException($"{samples.Count} labelled images cannot be split into training and {options.Validation} held out for validation; use --validation {Math.Max(0, samples.Count - 1)} or add images.");
        }

        var training = samples.Take(samples.Count - options.Validation).ToList();
        var validation = samples.Skip(samples.Count - options.Validation).ToList();
        AnsiConsole.MarkupLine($"[bold]Data[/]: {(options.Data is null ? "synthetic touching cells (made now)" : Markup.Escape(options.Data))}: {training.Count} images for training, {validation.Count} held out ({stopwatch.Elapsed.TotalSeconds:0.0} s).");

        using var model = Catalog.Create(options.Architecture);
        var geometry = ((IUNetModule)model).Geometry;
        Initialization.He(model);
        using var optimizer = options.Optimizer.Equals("sgd", StringComparison.OrdinalIgnoreCase)
            ? (OptimizerHelper)torch.optim.SGD(model.parameters(), options.LearningRate, momentum: 0.99)
            : torch.optim.Adam(model.parameters(), options.LearningRate);
        var checkpoint = Path.Combine(options.Output, CheckpointName);
        var losses = new List<double>();
        var startEpoch = 0;
        long step = 0;
        if (options.Resume && File.Exists(checkpoint))
        {
            var info = Checkpoint.Load(checkpoint, model, optimizer);
            (startEpoch, step) = (info.Epoch, info.Step);
            losses.AddRange(info.Losses);
            AnsiConsole.MarkupLine($"Resumed from {Markup.Escape(checkpoint)} after epoch {info.Epoch}.");
        }

        // Training mode, convolutions channels-last where that trains faster (after the resume, so the optimiser's
        // loaded state is laid out too).
        var channelsLast = ((IUNetModule)model).PrepareForTraining(optimizer);
        var (inputTile, outputTile, margin) = OverlapTilePredictor.Tile(geometry.SizeRules[0], Math.Max(geometry.OutputSize[0], 96));
        AnsiConsole.MarkupLine($"[bold]Network[/]: {geometry.Name}, {geometry.ParameterCount:N0} parameters; tiles {inputTile}x{inputTile} in, {outputTile}x{outputTile} out; training {(channelsLast ? "channels-last" : "NCHW")}.");

        // Each training image, mirror-extended by the margin the network eats, with its labels and weight map.
        var prepared = training.Select(s => Prepare(s, margin)).ToList();
        AnsiConsole.MarkupLine($"Weight maps ready ({stopwatch.Elapsed.TotalSeconds:0.0} s).");
        var deformation = new ElasticDeformation();
        var stepLosses = new List<double>();
        var curveSteps = new List<double>();
        var curveLosses = new List<double>();
        var curveEpochs = new List<double>();
        var curveIoU = new List<double>();
        var smoothed = double.NaN;
        var budget = TimeSpan.FromMinutes(options.Minutes);
        var schedule = new LearningRateSchedule(options.Schedule, options.LearningRate);
        var stopReason = "the epochs are done";
        var epoch = startEpoch;
        var validationSeconds = 0.0;

        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                // Progress is whichever runs out first: the epochs or the time budget.
                var total = context.AddTask("training", maxValue: 1000);
                var plannedSteps = (double)options.Epochs * options.StepsPerEpoch;
                for (; epoch < options.Epochs; epoch++)
                {
                    var epochLoss = 0.0;
                    var clock = Stopwatch.StartNew();
                    for (var s = 0; s < options.StepsPerEpoch; s++)
                    {
                        if (stopwatch.Elapsed > budget)
                        {
                            stopReason = $"the time budget of {options.Minutes:0.#} min is spent";
                            return;
                        }

                        var progress = Math.Min(1, Math.Max((epoch * options.StepsPerEpoch + s) / plannedSteps, stopwatch.Elapsed / budget));
                        schedule.Apply(optimizer, progress);
                        var loss = Step(model, optimizer, prepared, deformation, random, options.BatchSize, inputTile, outputTile);
                        if (double.IsNaN(loss) || double.IsInfinity(loss))
                        {
                            throw new TrainingDivergedException($"The loss became {loss} at step {step + 1}; the last good checkpoint ({checkpoint}) is kept. Lower --lr (now {options.LearningRate}) and resume with --resume.");
                        }

                        step++;
                        epochLoss += loss;
                        smoothed = double.IsNaN(smoothed) ? loss : (0.95 * smoothed) + (0.05 * loss);
                        stepLosses.Add(loss);
                        curveSteps.Add(step);
                        curveLosses.Add(smoothed);
                        total.Value = 1000 * Math.Min(1, Math.Max((epoch * options.StepsPerEpoch + s + 1) / plannedSteps, stopwatch.Elapsed / budget));
                        total.Description = string.Create(CultureInfo.InvariantCulture,
                            $"epoch {epoch + 1}/{options.Epochs}  loss {smoothed:0.000}  {(s + 1) / clock.Elapsed.TotalSeconds:0.0} steps/s");
                    }

                    losses.Add(epochLoss / options.StepsPerEpoch);
                    var validationClock = Stopwatch.StartNew();
                    var iou = validation.Count > 0 ? Evaluate(model, validation).IoU : double.NaN;
                    validationSeconds += validationClock.Elapsed.TotalSeconds;
                    curveEpochs.Add(step);
                    curveIoU.Add(iou);
                    Checkpoint.Save(checkpoint, model, optimizer, new CheckpointInfo(geometry.Name, geometry.ParameterCount, epoch + 1, step, options.Seed, losses.ToArray()));
                    model.train();
                }
            });

        AnsiConsole.MarkupLine($"Stopped after {step} steps because {stopReason} ({stopwatch.Elapsed.TotalMinutes:0.0} min, of which {validationSeconds:0} s validation).");
        if (step > 0 && (losses.Count == 0 || epoch < options.Epochs))
        {
            // Keep what the partial epoch learned too.
            Checkpoint.Save(checkpoint, model, optimizer, new CheckpointInfo(geometry.Name, geometry.ParameterCount, epoch, step, options.Seed, losses.ToArray()));
        }

        var outputs = Path.Combine(options.Output, "pictures");
        Directory.CreateDirectory(outputs);
        var result = Evaluate(model, validation.Count > 0 ? validation : training.Take(1).ToList(), outputs);
        Report(result, validation.Count > 0 ? "held-out" : "training");
        WriteTrainingPictures(outputs, training[0], deformation, curveSteps, curveLosses, curveEpochs, curveIoU);
        AnsiConsole.MarkupLine($"Checkpoint: [bold]{Markup.Escape(Path.GetFullPath(checkpoint))}[/]");
        AnsiConsole.MarkupLine($"Pictures (input, prediction, overlay, weight map, augmentation preview, loss curve): [bold]{Markup.Escape(Path.GetFullPath(outputs))}[/]");
        File.WriteAllText(Path.Combine(options.Output, "metrics.json"), System.Text.Json.JsonSerializer.Serialize(new
        {
            architecture = geometry.Name,
            steps = step,
            minutes = stopwatch.Elapsed.TotalMinutes,
            result.PixelError,
            result.IoU,
            result.Dice,
            result.RandError,
        }));
        return 0;
    }

    private sealed record Prepared(Tensor Image, Tensor Labels, Tensor Weights, int Height, int Width);

    private static Prepared Prepare(SegmentationSample sample, int margin)
    {
        var (w, h) = (sample.Image.Width, sample.Image.Height);
        var image = tensor(sample.Image.Pixels, new long[] { 1, h, w });
        var labels = tensor(sample.Instances.Select(l => l > 0 ? 1f : 0f).ToArray(), new long[] { 1, h, w });
        var weights = tensor(WeightMap.Compute(sample.Instances, w, h), new long[] { 1, h, w });
        return new Prepared(
            OverlapTilePredictor.MirrorPad(image, margin, margin, margin, margin),
            OverlapTilePredictor.MirrorPad(labels, margin, margin, margin, margin).squeeze(0).to_type(ScalarType.Int64),
            OverlapTilePredictor.MirrorPad(weights, margin, margin, margin, margin).squeeze(0),
            h,
            w);
    }

    private static double Step(nn.Module<Tensor, Tensor> model, OptimizerHelper optimizer, List<Prepared> data, ElasticDeformation deformation, Random random, int batch, int inputTile, int outputTile)
    {
        using var scope = NewDisposeScope();
        var images = new Tensor[batch];
        var labels = new Tensor[batch];
        var weights = new Tensor[batch];
        var crop = (inputTile - outputTile) / 2;
        for (var b = 0; b < batch; b++)
        {
            var sample = data[random.Next(data.Count)];
            var y = random.Next(Math.Max(1, sample.Height - outputTile + 1));
            var x = random.Next(Math.Max(1, sample.Width - outputTile + 1));
            var image = sample.Image.narrow(1, y, inputTile).narrow(2, x, inputTile);
            var label = sample.Labels.narrow(0, y, inputTile).narrow(1, x, inputTile);
            var weight = sample.Weights.narrow(0, y, inputTile).narrow(1, x, inputTile);
            var (i, l, w) = deformation.Augment(image, label, weight, random);
            images[b] = i;
            labels[b] = l.narrow(0, crop, outputTile).narrow(1, crop, outputTile);
            weights[b] = w!.narrow(0, crop, outputTile).narrow(1, crop, outputTile);
        }

        optimizer.zero_grad();
        var logits = model.call(stack(images));
        var target = stack(labels);
        var loss = Losses.CrossEntropyPlusDice(logits, target, stack(weights));
        loss.backward();
        optimizer.step();
        return loss.item<float>();
    }

    /// <summary>Metrics over labelled images, predicted with overlap-tile; writes pictures when a folder is given.</summary>
    public static EvaluationResult Evaluate(nn.Module<Tensor, Tensor> model, IReadOnlyList<SegmentationSample> samples, string? pictures = null)
    {
        double pixelError = 0, iou = 0, dice = 0, rand = 0;
        foreach (var sample in samples)
        {
            var cells = Segment(model, sample.Image);
            var truth = sample.Mask();
            pixelError += Metrics.PixelError(cells, truth);
            iou += Metrics.ForegroundIoU(cells, truth);
            dice += Metrics.ForegroundDice(cells, truth);
            rand += 1 - Metrics.RandFScore(cells, truth, sample.Image.Width, sample.Image.Height);
            if (pictures is not null)
            {
                ImageIO.WriteGray8(Path.Combine(pictures, sample.Name + "-input.png"), sample.Image);
                Pictures.Prediction(pictures, sample.Name, sample.Image, cells);
            }
        }

        var n = Math.Max(1, samples.Count);
        return new EvaluationResult(samples.Count, pixelError / n, iou / n, dice / n, rand / n);
    }

    /// <summary>Segments an image of any size: true where the network sees a cell.</summary>
    public static bool[] Segment(nn.Module<Tensor, Tensor> model, GrayImage image)
    {
        using var scope = NewDisposeScope();
        var input = tensor(image.Pixels, new long[] { 1, image.Height, image.Width });
        var scores = OverlapTilePredictor.Predict(model, input);
        return scores.argmax(0).eq(1).flatten().data<bool>().ToArray();
    }

    public static void Report(EvaluationResult result, string what)
    {
        var table = new Table().AddColumns("images", "pixel error", "foreground IoU", "foreground Dice", "Rand error");
        table.Title = new TableTitle($"Metrics on {result.Images} {what} image(s)");
        table.AddRow(
            result.Images.ToString(CultureInfo.InvariantCulture),
            result.PixelError.ToString("0.0000", CultureInfo.InvariantCulture),
            result.IoU.ToString("0.0000", CultureInfo.InvariantCulture),
            result.Dice.ToString("0.0000", CultureInfo.InvariantCulture),
            result.RandError.ToString("0.0000", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }

    private static void WriteTrainingPictures(string folder, SegmentationSample sample, ElasticDeformation deformation, List<double> steps, List<double> losses, List<double> epochs, List<double> iou)
    {
        var (w, h) = (sample.Image.Width, sample.Image.Height);
        Pictures.Scaled(Path.Combine(folder, "weight-map.png"), WeightMap.Compute(sample.Instances, w, h), w, h);

        // Augmentation preview: the image and its labels deformed by one random field, side by side.
        using var scope = NewDisposeScope();
        var image = tensor(sample.Image.Pixels, new long[] { 1, h, w });
        var labels = tensor(sample.Instances.Select(l => l > 0 ? 1L : 0L).ToArray(), new long[] { h, w });
        var (di, dl, _) = deformation.Augment(image, labels, null, new Random(7));
        var left = di.squeeze(0).data<float>().ToArray();
        var right = dl.to_type(ScalarType.Float32).data<float>().ToArray();
        var preview = new float[w * 2 * h];
        for (var y = 0; y < h; y++)
        {
            Array.Copy(left, y * w, preview, y * 2 * w, w);
            Array.Copy(right, y * w, preview, (y * 2 * w) + w, w);
        }

        ImageIO.WriteGray8(Path.Combine(folder, "augmentation-preview.png"), new GrayImage(preview, 2 * w, h));
        if (steps.Count > 1)
        {
            Pictures.LossCurve(Path.Combine(folder, "loss-curve.png"), steps, losses, epochs, iou);
        }
    }
}

/// <summary>Mean metrics over images.</summary>
public sealed record EvaluationResult(int Images, double PixelError, double IoU, double Dice, double RandError);

/// <summary>Training stopped on a NaN or infinite loss.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
