using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using Spectre.Console;
using TorchSharp;
using UNetApp;
using UNetDsl.Data;
using UNetDsl.Training;
using static TorchSharp.torch;

// unet: train, predict, evaluate and summarise U-Nets declared with UNetDsl.
if (Console.IsOutputRedirected)
{
    // Logs and CI have no terminal width; do not wrap lines at 80 columns.
    AnsiConsole.Profile.Width = 200;
}

var architecture = new Option<string>("--arch") { Description = "Architecture: " + string.Join(", ", Catalog.Names) + ".", DefaultValueFactory = _ => "small" };
var data = new Option<string?>("--data") { Description = "Folder with images/ and labels/ (the ISBI 2012 layout). Default: synthetic touching cells made on the spot." };
var output = new Option<string>("--out") { Description = "Folder for the checkpoint, metrics and pictures.", DefaultValueFactory = _ => Path.Combine("runs", "train") };
var minutes = new Option<double>("--minutes") { Description = "Time budget for training.", DefaultValueFactory = _ => 2.5 };
var epochs = new Option<int>("--epochs") { Description = "Epochs at the most.", DefaultValueFactory = _ => 1000 };
var steps = new Option<int>("--steps-per-epoch") { Description = "Optimiser steps per epoch (a checkpoint after each).", DefaultValueFactory = _ => 50 };
var batch = new Option<int>("--batch") { Description = "Tiles per step.", DefaultValueFactory = _ => 4 };
var rate = new Option<double>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => 1e-3 };
var optimizer = new Option<string>("--optimizer") { Description = "adam, or sgd (momentum 0.99, the paper's).", DefaultValueFactory = _ => "adam" };
var validation = new Option<int>("--validation") { Description = "Images held out for validation (the last ones).", DefaultValueFactory = _ => 6 };
var seed = new Option<int>("--seed") { Description = "Seed of data, initialisation and augmentation.", DefaultValueFactory = _ => 1 };
var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint in --out." };
var schedule = new Option<UNetDsl.Training.ScheduleKind>("--schedule") { Description = "Learning-rate schedule over the run: Constant, Step, Polynomial (nnU-Net's), Cosine.", DefaultValueFactory = _ => UNetDsl.Training.ScheduleKind.Polynomial };
var model = new Option<string>("--model") { Description = "A checkpoint written by train.", DefaultValueFactory = _ => Path.Combine("runs", "train", Trainer.CheckpointName) };
var input = new Option<string>("--input") { Description = "An image, or a folder of images.", Required = true };
var labelled = new Option<string>("--data") { Description = "Folder with images/ and labels/.", Required = true };

var train = new Command("train", "Train on labelled images (default: synthetic cells) and write a checkpoint and pictures.")
{
    architecture, data, output, minutes, epochs, steps, batch, rate, optimizer, validation, seed, resume, schedule,
};
train.SetAction(result => Guard(() => Trainer.Run(new TrainOptions(
    result.GetValue(data), result.GetValue(architecture)!, result.GetValue(minutes), result.GetValue(epochs), result.GetValue(steps),
    result.GetValue(batch), result.GetValue(rate), result.GetValue(optimizer)!, result.GetValue(validation), result.GetValue(output)!,
    result.GetValue(seed), result.GetValue(resume), result.GetValue(schedule)))));

var predictOutput = new Option<string>("--out") { Description = "Folder for the masks and overlays.", DefaultValueFactory = _ => Path.Combine("runs", "predict") };
var predict = new Command("predict", "Segment an image or a folder of images of any size (overlap-tile).") { model, input, predictOutput };
predict.SetAction(result => Guard(() => Predict(result.GetValue(model)!, result.GetValue(input)!, result.GetValue(predictOutput)!)));

var evaluate = new Command("evaluate", "Print pixel error, foreground IoU and Dice, and the Rand error against labels.") { model, labelled };
evaluate.SetAction(result => Guard(() => Evaluate(result.GetValue(model)!, result.GetValue(labelled)!)));

var summaryArchitecture = new Option<string>("--arch") { Description = "Architecture: " + string.Join(", ", Catalog.Names) + ", or cicek3d (the 3D U-Net).", DefaultValueFactory = _ => "paper" };
var summary = new Command("summary", "Print an architecture's layers, shapes and parameters.") { summaryArchitecture };
summary.SetAction(result => Guard(() =>
{
    Console.WriteLine(Catalog.Summary(result.GetValue(summaryArchitecture)!));
    return 0;
}));

var exportArchitecture = new Option<string?>("--arch") { Description = "Architecture: " + string.Join(", ", Catalog.Names) + "; default: the checkpoint's." };
var exportCheckpoint = new Option<string?>("--checkpoint") { Description = "A checkpoint written by train or import; default: fresh weights." };
var exportOutput = new Option<string>("--out") { Description = "Folder for <Name>.py, unetdsl_torch.py and <Name>.bin (TorchSharp's weight format).", Required = true };
var exportSeed = new Option<int>("--seed") { Description = "Seed of fresh weights.", DefaultValueFactory = _ => 1 };
var exportOnnx = new Option<bool>("--onnx") { Description = "Also write <Name>.onnx (symbolic batch and spatial sizes) for ONNX Runtime or Triton." };
var export = new Command("export", "Write a network's PyTorch twin, unetdsl_torch.py and its weights in TorchSharp's format (and, with --onnx, an ONNX model).") { exportArchitecture, exportCheckpoint, exportOutput, exportSeed, exportOnnx };
export.SetAction(result => Guard(() => Interchange.Export(result.GetValue(exportArchitecture), result.GetValue(exportCheckpoint), result.GetValue(exportOutput)!, result.GetValue(exportSeed), result.GetValue(exportOnnx))));

var importArchitecture = new Option<string>("--arch") { Description = "Architecture the weights belong to: " + string.Join(", ", Catalog.Names) + ".", Required = true };
var importWeights = new Option<string>("--weights") { Description = "Weights in TorchSharp's format (from a .pt: python3 -m unetdsl_torch convert IN.pt OUT.bin).", Required = true };
var importOutput = new Option<string>("--out") { Description = "The checkpoint to write.", DefaultValueFactory = _ => Path.Combine("runs", "import", Trainer.CheckpointName) };
var import = new Command("import", "Turn weights in TorchSharp's format (e.g. trained with the PyTorch twin) into a checkpoint for predict and evaluate.") { importArchitecture, importWeights, importOutput };
import.SetAction(result => Guard(() => Interchange.Import(result.GetValue(importArchitecture)!, result.GetValue(importWeights)!, result.GetValue(importOutput)!)));

var root = new RootCommand("unet: U-Nets declared with UNetDsl, trained and applied as the U-Net paper does.") { train, predict, evaluate, summary, export, import };
return root.Parse(args).Invoke();

static int Guard(Func<int> action)
{
    try
    {
        return action();
    }
    catch (Exception exception) when (exception is UsageException or InvalidDataException or DirectoryNotFoundException or FileNotFoundException or TrainingDivergedException or ArgumentException)
    {
        AnsiConsole.MarkupLine("[red]error:[/] " + Markup.Escape(exception.Message));
        return exception is TrainingDivergedException ? 3 : 2;
    }
    catch (Exception exception) when (exception is OutOfMemoryException || exception.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase) || exception.Message.Contains("DefaultCPUAllocator", StringComparison.Ordinal))
    {
        AnsiConsole.MarkupLine("[red]error:[/] out of memory: " + Markup.Escape(exception.Message.Split('\n')[0]) + ". Use a smaller --batch, a smaller --arch, or smaller images; the last checkpoint is kept.");
        return 4;
    }
}

static nn.Module<Tensor, Tensor> LoadModel(string path)
{
    var info = Checkpoint.ReadInfo(path);
    var network = Catalog.Create(Catalog.NameOf(info.Architecture));
    Checkpoint.Load(path, network);
    network.eval();
    return network;
}

static int Predict(string checkpoint, string inputPath, string folder)
{
    using var network = LoadModel(checkpoint);
    var files = Directory.Exists(inputPath) ? FolderDataset.ImageFiles(inputPath) : File.Exists(inputPath) ? new() { inputPath }
        : throw new UsageException($"'{inputPath}' is neither an image nor a folder.");
    if (files.Count == 0)
    {
        throw new UsageException($"'{inputPath}' holds no .png or .tif images.");
    }

    Directory.CreateDirectory(folder);
    foreach (var file in files)
    {
        var image = ImageIO.ReadGray(file);
        var cells = Trainer.Segment(network, image);
        Pictures.Prediction(folder, Path.GetFileNameWithoutExtension(file), image, cells);
        Console.WriteLine($"{file}: {image.Width}x{image.Height}, {cells.Count(c => c) * 100.0 / cells.Length:0.0}% cells");
    }

    AnsiConsole.MarkupLine($"Masks and overlays: [bold]{Markup.Escape(Path.GetFullPath(folder))}[/]");
    return 0;
}

static int Evaluate(string checkpoint, string folder)
{
    using var network = LoadModel(checkpoint);
    var samples = FolderDataset.Load(folder);
    Trainer.Report(Trainer.Evaluate(network, samples), "labelled");
    return 0;
}
