using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using UNetDsl.Training;

namespace UNetDsl.CommandLine;

/// <summary>The commands and their options, over one catalogue of networks.</summary>
internal sealed class Host(NetworkCatalog programNetworks, string? defaultNetwork)
{
    private readonly Option<string[]> _assembly = new("--assembly")
    {
        Description = "A .dll built with UNetDsl whose generated networks --arch may name (repeatable).",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
    };

    public RootCommand BuildRoot()
    {
        var root = new RootCommand("unet: U-Nets declared with UNetDsl, trained and applied as the U-Net paper does.")
        {
            _assembly,
            Train(),
            Predict(),
            Evaluate(),
            Summary(),
            Export(),
            Import(),
        };
        return root;
    }

    private NetworkCatalog Catalog(ParseResult result)
    {
        var catalog = programNetworks;
        foreach (var path in result.GetValue(_assembly) ?? Array.Empty<string>())
        {
            var found = NetworkCatalog.FromAssembly(path);
            catalog = catalog.Entries.Count == 0 ? found : catalog.With(found);
        }

        return catalog;
    }

    private string DefaultNetwork(NetworkCatalog catalog) =>
        defaultNetwork is not null && catalog.Find(defaultNetwork) is not null ? defaultNetwork
        : catalog.Entries.Count > 0 ? catalog.Entries[0].Name
        : throw new UsageException("No network to use: give --assembly with a .dll of generated networks.");

    private Option<string?> Architecture(string description) => new("--arch")
    {
        Description = description + (programNetworks.Entries.Count > 0 ? " Built in: " + string.Join(", ", programNetworks.Names) + "." : string.Empty),
    };

    private Command Train()
    {
        var architecture = Architecture("The network to train (its --arch name or class name).");
        var data = new Option<string?>("--data") { Description = "Folder with images/ and labels/ of the same names: 2D images (.png, .tif) for a 2D network, volumes (.tif stacks, .nii, .nii.gz) for a 3D one. Default: synthetic touching cells made on the spot (2D or 3D, 2 or 3 classes, as the network has)." };
        var output = new Option<string>("--out") { Description = "Folder for the checkpoint, metrics and pictures.", DefaultValueFactory = _ => Path.Combine("runs", "train") };
        var minutes = UNetCommandLine.Ranges.PositiveFinite(new Option<double?>("--minutes") { Description = "Time budget; with neither --steps nor --epochs the steps are planned from it (default 2.5; with --resume, none: the recorded plan runs to its end)." }, TimeSpan.FromDays(365).TotalMinutes);
        var steps = UNetCommandLine.Ranges.AtLeast(new Option<long?>("--steps") { Description = "Total optimiser steps of the run (the learning-rate schedule runs over them): repeatable runs." }, 1);
        var epochs = UNetCommandLine.Ranges.AtLeast(new Option<int?>("--epochs") { Description = "Epochs of --steps-per-epoch steps (another way to fix the total)." }, 1);
        var stepsPerEpoch = UNetCommandLine.Ranges.AtLeast(new Option<int>("--steps-per-epoch") { Description = "Optimiser steps per epoch (a validation and a checkpoint after each).", DefaultValueFactory = _ => 50 }, 1);
        var batch = UNetCommandLine.Ranges.AtLeast(new Option<int>("--batch") { Description = "Tiles per step.", DefaultValueFactory = _ => 4 }, 1);
        var rate = UNetCommandLine.Ranges.PositiveFinite(new Option<double?>("--lr") { Description = "Learning rate (default 1e-3)." }, float.MaxValue);
        var optimizer = UNetCommandLine.Ranges.OneOf(new Option<string>("--optimizer") { Description = "adam, or sgd (momentum 0.99, the paper's).", DefaultValueFactory = _ => "adam" }, "adam", "sgd");
        var validation = UNetCommandLine.Ranges.AtLeast(new Option<int?>("--validation") { Description = "Images or volumes held out for validation, the last ones by name (default 6 images, 1 volume)." }, 0);
        var seed = new Option<int>("--seed") { Description = "Seed of data, initialisation, tiles, augmentation and dropout.", DefaultValueFactory = _ => 1 };
        var resume = new Option<bool>("--resume") { Description = "Continue the run whose checkpoint is in --out (its recorded plan)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a checkpoint already in --out by a new run." };
        var schedule = new Option<ScheduleKind>("--schedule") { Description = "Learning rate over the run's steps: Constant, Step, Polynomial (nnU-Net's), Cosine.", DefaultValueFactory = _ => ScheduleKind.Polynomial };
        var unlabelled = Unlabelled();
        var tile = UNetCommandLine.Ranges.PositiveList("--tile", "Output tile in pixels or voxels, one side or one per axis (e.g. 8,64,64), rounded up to valid sizes; default: the network's declared output, at least 96 (2D) or 32 (3D).", whole: true);
        var spacing = Spacing("Voxel spacing of volumes along depth, height, width (e.g. 50,4,4 for 4x4x50 nm): gives TIFF stacks the spacing they do not store and replaces NIfTI's. It shapes the 3D weight map, the instances and the deformation.");
        var memory = UNetCommandLine.Ranges.PositiveFinite(new Option<double?>("--memory") { Description = "GiB a training step's activations may take (the compiler's estimate); a larger batch is refused with the largest that fits. Default: 3/4 of the memory available." }, 1 << 20);
        var diceWeight = UNetCommandLine.Ranges.ZeroOrMoreFinite(new Option<double?>("--dice-weight") { Description = "Weight of the soft Dice term added to the cross-entropy (default 1; 0: none, the paper's loss)." }, float.MaxValue);
        var borderWeight = UNetCommandLine.Ranges.ZeroOrMoreFinite(new Option<double?>("--border-weight") { Description = "The weight map's w0: extra weight on the gaps between touching objects (default 10, the paper's; 0: none)." }, float.MaxValue);
        var classBalance = UNetCommandLine.Ranges.OneOf(new Option<string>("--class-balance") { Description = "on (default, the paper's): rare classes weigh as much as frequent ones; off: every class weighs 1. With --border-weight 0 and --dice-weight 0, off is plain cross-entropy, which minimises the pixel error.", DefaultValueFactory = _ => "on" }, "on", "off");
        var precision = Precision("fp32 (default), bf16: mixed precision (a bfloat16 copy computes, the float32 weights and checkpoints learn), or auto: bf16 where the CPU has avx512_bf16 or AMX.", "fp32");
        var command = new Command("train", "Train a network on labelled images or volumes (default: synthetic cells, 2D or 3D as the network) and write a checkpoint, metrics and pictures.")
        {
            architecture, data, output, minutes, steps, epochs, stepsPerEpoch, batch, rate, optimizer, validation, seed, resume, overwrite, schedule, tile, unlabelled, spacing, precision, memory, diceWeight, borderWeight, classBalance,
        };
        command.SetAction(result => UNetCommandLine.Guard(() =>
        {
            if (result.GetValue(resume) && result.GetValue(overwrite))
            {
                throw new UsageException("--resume and --overwrite exclude each other: continue the checkpoint, or replace it.");
            }

            var catalog = Catalog(result);
            var network = catalog.Get(result.GetValue(architecture) ?? DefaultNetwork(catalog));
            var (givenSteps, givenEpochs, givenMinutes) = (result.GetValue(steps), result.GetValue(epochs), result.GetValue(minutes));
            var recorded = result.GetValue(resume) ? RecordedPlan(result.GetValue(output)!) : null;
            var options = new TrainingOptions
            {
                Steps = givenSteps,
                Epochs = givenEpochs,
                // A resumed plan runs to its end unless given a budget of its own; a new run gets 2.5 minutes.
                Minutes = givenMinutes ?? (givenSteps is null && givenEpochs is null && recorded is null ? 2.5 : null),
                StepsPerEpoch = result.GetValue(stepsPerEpoch),
                BatchSize = result.GetValue(batch),
                LearningRate = result.GetValue(rate) ?? 1e-3,
                Optimizer = string.Equals(result.GetValue(optimizer), "sgd", StringComparison.OrdinalIgnoreCase) ? OptimizerKind.Sgd : OptimizerKind.Adam,
                Schedule = result.GetValue(schedule),
                Seed = result.GetValue(seed),
                DiceWeight = result.GetValue(diceWeight) ?? 1.0,
                BorderWeight = (float)(result.GetValue(borderWeight) ?? WeightMap.DefaultW0),
                ClassBalance = string.Equals(result.GetValue(classBalance), "on", StringComparison.OrdinalIgnoreCase),
                OutputTile = result.GetValue(tile) is { Length: 1 } side ? (int)side[0] : null,
                OutputTileSizes = result.GetValue(tile) is { Length: > 1 } sizes ? sizes.Select(v => (int)v).ToArray() : null,
                OutputFolder = result.GetValue(output)!,
                Resume = result.GetValue(resume),
                Overwrite = result.GetValue(overwrite),
                Precision = PrecisionChoice.Parse(result.GetValue(precision), "--precision"),
                MemoryBudgetBytes = result.GetValue(memory) is { } gib ? Math.Max(1, (long)(gib * (1L << 30))) : null,
            };
            if (recorded is not null)
            {
                // What the command line does not give, a resumed run takes from its plan: the trainer then names as
                // "left as recorded" only the options the user gave that differ from it, never a default.
                bool Given(Option option) => result.GetResult(option) is { Implicit: false };
                options = options with
                {
                    StepsPerEpoch = Given(stepsPerEpoch) ? options.StepsPerEpoch : recorded.StepsPerEpoch,
                    BatchSize = Given(batch) ? options.BatchSize : recorded.BatchSize,
                    LearningRate = Given(rate) ? options.LearningRate : recorded.LearningRate,
                    Optimizer = Given(optimizer) ? options.Optimizer : recorded.Optimizer,
                    Schedule = Given(schedule) ? options.Schedule : recorded.Schedule,
                    Seed = Given(seed) ? options.Seed : recorded.Seed,
                    DiceWeight = Given(diceWeight) ? options.DiceWeight : recorded.DiceWeight,
                    BorderWeight = Given(borderWeight) ? options.BorderWeight : recorded.BorderWeight,
                    ClassBalance = Given(classBalance) ? options.ClassBalance : recorded.ClassBalance,
                    OutputTile = Given(tile) ? options.OutputTile : null,
                    OutputTileSizes = Given(tile) ? options.OutputTileSizes : recorded.OutputTile,
                    Precision = Given(precision) ? options.Precision : recorded.Precision,
                    Augment = recorded.Augment, // no option sets it: a library run may have turned it off
                };
            }

            return TrainCommand.Run(network, new DataSource(result.GetValue(data), result.GetValue(validation), result.GetValue(unlabelled), result.GetValue(spacing)), options);
        }));
        return command;
    }

    /// <summary>
    /// The plan recorded in the checkpoint in <paramref name="folder"/>, which --resume continues, or null. An
    /// unreadable checkpoint counts as none here: the trainer reports what is wrong with it.
    /// </summary>
    private static TrainingPlan? RecordedPlan(string folder)
    {
        try
        {
            return Checkpoint.RecordedPlan(Path.Combine(folder, TrainingOptions.CheckpointFileName));
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static Option<string> Precision(string description, string defaultValue) =>
        UNetCommandLine.Ranges.OneOf(new Option<string>("--precision") { Description = description, DefaultValueFactory = _ => defaultValue }, "auto", "fp32", "bf16");

    private static Option<bool> Mirror() => new("--mirror")
    {
        Description = "Test-time mirroring: predict the input mirrored along every combination of axes (4 passes in 2D, 8 in 3D) and average the class probabilities.",
    };

    private static Option<string> InferencePrecision() =>
        Precision("auto (default): bf16 where the CPU has avx512_bf16 or AMX, else fp32; or fp32, bf16. UNETDSL_PRECISION overrides auto. Scores are float32 either way.", "auto");

    private static Option<double[]?> Spacing(string description) => UNetCommandLine.Ranges.PositiveList("--spacing", description, whole: false);

    private static Option<int?> Unlabelled() => new("--unlabelled")
    {
        Description = "A label value that means 'not labelled' (sparse annotations, e.g. 255): such pixels or voxels count in no loss and no metric.",
    };

    private Option<string> Model() => new("--model")
    {
        Description = "A checkpoint written by train or import.",
        DefaultValueFactory = _ => Path.Combine("runs", "train", TrainingOptions.CheckpointFileName),
    };

    private Command Predict()
    {
        var model = Model();
        var input = new Option<string>("--input") { Description = "An image or a folder of images (2D network); a volume or a folder of volumes (3D network).", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for the masks and overlays (label volumes and slice pictures for volumes).", DefaultValueFactory = _ => Path.Combine("runs", "predict") };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace outputs already in --out." };
        var spacing = Spacing("Voxel spacing of the volumes along depth, height, width (e.g. 50,4,4): kept in the predicted NIfTI and used by the pictures; TIFF stacks store none.");
        var precision = InferencePrecision();
        var mirror = Mirror();
        var command = new Command("predict", "Segment images or volumes of any size (overlap-tile); writes masks and overlays, or label volumes and slice pictures.") { model, input, output, overwrite, spacing, precision, mirror };
        command.SetAction(result => UNetCommandLine.Guard(() =>
            ApplyCommands.Predict(Catalog(result), result.GetValue(model)!, result.GetValue(input)!, result.GetValue(output)!, result.GetValue(overwrite), DataSource.PerAxis(result.GetValue(spacing)), PrecisionChoice.Parse(result.GetValue(precision), "--precision"), result.GetValue(mirror))));
        return command;
    }

    private Command Evaluate()
    {
        var model = Model();
        var data = new Option<string>("--data") { Description = "Folder with images/ and labels/ (images for a 2D network, volumes for a 3D one).", Required = true };
        var pictures = new Option<string?>("--pictures") { Description = "Folder for each image's prediction and overlay, or each volume's orthogonal slices (optional)." };
        var unlabelled = Unlabelled();
        var spacing = Spacing("Voxel spacing of volumes along depth, height, width (e.g. 50,4,4): gives TIFF stacks the spacing they do not store and replaces NIfTI's; the pictures stretch thick slices by it.");
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace pictures already in --pictures." };
        var precision = InferencePrecision();
        var mirror = Mirror();
        var command = new Command("evaluate", "Score a checkpoint on labelled images or volumes: pixel error, Dice and IoU per class, Rand errors.") { model, data, pictures, unlabelled, spacing, overwrite, precision, mirror };
        command.SetAction(result => UNetCommandLine.Guard(() =>
            ApplyCommands.Evaluate(Catalog(result), result.GetValue(model)!, new DataSource(result.GetValue(data), null, result.GetValue(unlabelled), result.GetValue(spacing)), result.GetValue(pictures), result.GetValue(overwrite), PrecisionChoice.Parse(result.GetValue(precision), "--precision"), result.GetValue(mirror))));
        return command;
    }

    private Command Summary()
    {
        var architecture = Architecture("The network to describe.");
        var command = new Command("summary", "Print a network's layers, shapes and parameters.") { architecture };
        command.SetAction(result => UNetCommandLine.Guard(() =>
        {
            var catalog = Catalog(result);
            Console.WriteLine(catalog.Get(result.GetValue(architecture) ?? DefaultNetwork(catalog)).Summary());
            return 0;
        }));
        return command;
    }

    private Command Export()
    {
        var architecture = Architecture("The network to export; default: the checkpoint's.");
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A checkpoint written by train or import; default: fresh weights." };
        var output = new Option<string>("--out") { Description = "Folder for <Name>.py, unetdsl_torch.py and <Name>.bin (TorchSharp's weight format).", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of fresh weights.", DefaultValueFactory = _ => 1 };
        var onnx = new Option<bool>("--onnx") { Description = "Also write <Name>.onnx (symbolic batch and spatial sizes) for ONNX Runtime or Triton." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace files already in --out." };
        var command = new Command("export", "Write a network's PyTorch twin, unetdsl_torch.py and its weights in TorchSharp's format (and, with --onnx, an ONNX model).") { architecture, checkpoint, output, seed, onnx, overwrite };
        command.SetAction(result => UNetCommandLine.Guard(() => Interchange.Export(
            Catalog(result), result.GetValue(architecture), result.GetValue(checkpoint), result.GetValue(output)!, result.GetValue(seed), result.GetValue(onnx), result.GetValue(overwrite))));
        return command;
    }

    private Command Import()
    {
        var architecture = Architecture("The network the weights belong to.");
        architecture.Required = true;
        var weights = new Option<string>("--weights") { Description = "Weights in TorchSharp's format (from a .pt: python3 -m unetdsl_torch convert IN.pt OUT.bin).", Required = true };
        var output = new Option<string>("--out") { Description = "The checkpoint to write.", DefaultValueFactory = _ => Path.Combine("runs", "import", TrainingOptions.CheckpointFileName) };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the checkpoint if it exists." };
        var command = new Command("import", "Turn weights in TorchSharp's format (e.g. trained with the PyTorch twin) into a checkpoint for predict and evaluate.") { architecture, weights, output, overwrite };
        command.SetAction(result => UNetCommandLine.Guard(() => Interchange.Import(
            Catalog(result), result.GetValue(architecture)!, result.GetValue(weights)!, result.GetValue(output)!, result.GetValue(overwrite))));
        return command;
    }
}
