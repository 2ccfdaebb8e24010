using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using TorchSharp.Modules;
using UNetDsl.Data;
using UNetDsl.Inference;
using UNetDsl.Training.Augmentation;
using static TorchSharp.torch;

namespace UNetDsl.Training;

/// <summary>
/// Trains any generated 2D network the U-Net paper's way: random overlap tiles of mirror-extended images, elastic
/// deformation, the border weight map with class balancing, weighted cross-entropy plus soft Dice, He initialisation,
/// Adam or SGD with momentum 0.99; validates and checkpoints after every epoch.
/// </summary>
/// <remarks>
/// Nothing is lost: the output folder is checked for writing before the first step, an existing checkpoint is only
/// continued or replaced when asked, checkpoints are written atomically and only with finite weights, and a run that
/// is cancelled or runs out of time saves what it learned before it returns. See <see cref="TrainingOptions"/> for how
/// runs repeat exactly.
/// </remarks>
public static class UNetTrainer
{
    /// <summary>Trains a 2D <paramref name="network"/> on the images of <paramref name="data"/>.</summary>
    /// <param name="network">A generated 2D network of one input channel (its weights are initialised here, or loaded when resuming).</param>
    /// <param name="data">Labelled images, split into training and held-out ones.</param>
    /// <param name="options">How to train; see <see cref="TrainingOptions"/>.</param>
    /// <param name="progress">Told of every step, epoch and stop, on the training thread.</param>
    /// <param name="cancellation">Stops the run after the current step; what it learned is saved.</param>
    /// <returns>Why it stopped, the losses, the held-out metrics and where the files are.</returns>
    /// <exception cref="ArgumentException">The network, the data or an option cannot be used; the message says why.</exception>
    /// <exception cref="CheckpointExistsException">The output folder holds a checkpoint and neither resuming nor replacing it was asked.</exception>
    /// <exception cref="IOException">The output folder cannot be written.</exception>
    /// <exception cref="InvalidDataException">The checkpoint to resume is unreadable or of another network.</exception>
    /// <exception cref="TrainingDivergedException">The loss or the weights stopped being finite; the last good checkpoint is kept.</exception>
    public static TrainingResult Train(
        nn.Module<Tensor, Tensor> network,
        SegmentationData data,
        TrainingOptions options,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Train(network, new ImageTrainingSet(data), options, progress, cancellation);
    }

    /// <summary>
    /// Trains a 3D <paramref name="network"/> on the volumes of <paramref name="data"/>, as Cicek et al. train the 3D
    /// U-Net: random 3D tiles, the 3D elastic deformation (<see cref="ElasticDeformation3D.ForSpacing"/>), the border
    /// weight map in the volumes' spacing, unlabelled voxels (<see cref="Losses.Unlabelled"/>) left out of loss and
    /// metrics; 3D overlap-tile prediction for validation. Everything else as for images.
    /// </summary>
    /// <param name="network">A generated 3D network of one input channel.</param>
    /// <param name="data">Labelled volumes, split into training and held-out ones.</param>
    /// <param name="options">How to train; see <see cref="TrainingOptions"/>.</param>
    /// <param name="progress">Told of every step, epoch and stop, on the training thread.</param>
    /// <param name="cancellation">Stops the run after the current step; what it learned is saved.</param>
    /// <returns>Why it stopped, the losses, the held-out metrics and where the files are.</returns>
    /// <exception cref="ArgumentException">The network, the data or an option cannot be used; the message says why.</exception>
    /// <exception cref="CheckpointExistsException">The output folder holds a checkpoint and neither resuming nor replacing it was asked.</exception>
    /// <exception cref="IOException">The output folder cannot be written.</exception>
    /// <exception cref="InvalidDataException">The checkpoint to resume is unreadable or of another network.</exception>
    /// <exception cref="TrainingDivergedException">The loss or the weights stopped being finite; the last good checkpoint is kept.</exception>
    public static TrainingResult Train(
        nn.Module<Tensor, Tensor> network,
        VolumeData data,
        TrainingOptions options,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Train(network, new VolumeTrainingSet(data), options, progress, cancellation);
    }

    private static TrainingResult Train(
        nn.Module<Tensor, Tensor> network,
        TrainingSet data,
        TrainingOptions options,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // Resuming needs none of them when the checkpoint records a plan: that plan runs to its end. Decided before
        // anything is said or created.
        if (options.Steps is null && options.Epochs is null && options.Minutes is null)
        {
            CheckResumable(options);
        }

        var geometry = data.CheckNetwork(network);
        if (data.TrainingCount == 0)
        {
            throw new ArgumentException($"{data.Source} has no {data.Unit} to train on.", nameof(data));
        }

        if (options.OutputTileSizes is { } sizes && sizes.Count != geometry.Dimensions)
        {
            throw new ArgumentException($"The output tile has {sizes.Count} sizes (OutputTileSizes, --tile); {geometry.Name} is {geometry.Dimensions}D: give one per spatial axis ({(geometry.Dimensions == 3 ? "D, H, W" : "H, W")}), or one for all (OutputTile).", nameof(options));
        }

        var run = new TrainingRun(network, geometry, data, options, progress, cancellation);
        return run.Execute();
    }

    /// <summary>The input and output tile per axis for a wanted output side (each axis rounded up to its valid sizes).</summary>
    /// <param name="geometry">The network's geometry.</param>
    /// <param name="wantedOutput">The output side wanted on every axis; null for the declared output size, at least
    /// 96 (2D) or 32 (3D, where a tile's feature maps grow with the cube of its side).</param>
    public static (int[] Input, int[] Output) Tiles(UNetGeometry geometry, int? wantedOutput) =>
        Tiles(geometry, wantedOutput is { } side ? Enumerable.Repeat(side, geometry?.Dimensions ?? 0).ToArray() : null);

    /// <summary>The input and output tile per axis for a wanted output tile (each axis rounded up to its valid sizes).</summary>
    /// <param name="geometry">The network's geometry.</param>
    /// <param name="wantedOutput">The output size wanted per spatial axis; null as for <see cref="Tiles(UNetGeometry, int?)"/>.</param>
    /// <exception cref="ArgumentException">The sizes are not one per spatial axis.</exception>
    public static (int[] Input, int[] Output) Tiles(UNetGeometry geometry, IReadOnlyList<int>? wantedOutput)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        if (wantedOutput is not null && wantedOutput.Count != geometry.Dimensions)
        {
            throw new ArgumentException($"{wantedOutput.Count} tile sizes for a {geometry.Dimensions}D network; give one per spatial axis.", nameof(wantedOutput));
        }

        var smallest = geometry.Dimensions == 2 ? 96 : TilePlan.DefaultOutputTile3D;
        var input = new int[geometry.Dimensions];
        var output = new int[geometry.Dimensions];
        for (var axis = 0; axis < geometry.Dimensions; axis++)
        {
            (input[axis], output[axis], _) = OverlapTilePredictor.Tile(geometry.SizeRules[axis], wantedOutput?[axis] ?? Math.Max(geometry.OutputSize[axis], smallest));
        }

        return (input, output);
    }

    // Without Steps, Epochs or Minutes, only a resumed checkpoint with a recorded plan says how long to train.
    private static void CheckResumable(TrainingOptions options)
    {
        const string Ask = "Say how long to train: set Steps, Epochs or Minutes.";
        if (!options.Resume || options.CheckpointPath is not { } path)
        {
            throw new ArgumentException(Ask, nameof(options));
        }

        if (Checkpoint.RecordedPlan(path) is null)
        {
            throw new ArgumentException(File.Exists(path)
                ? $"{Ask} Resume alone continues a recorded plan, and '{path}' records none (written by import or outside the trainer)."
                : $"{Ask} Resume alone continues a recorded plan, and '{options.OutputFolder}' holds no checkpoint.", nameof(options));
        }
    }

    /// <summary>One training run: its state from the first step to the result.</summary>
    private sealed class TrainingRun(
        nn.Module<Tensor, Tensor> network,
        UNetGeometry geometry,
        TrainingSet data,
        TrainingOptions options,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellation)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly List<double> _stepLosses = new();
        private readonly List<double> _validationIoU = new();
        private readonly string? _checkpoint = options.CheckpointPath;
        private long _step;
        private long _savedStep = -1;
        private long _firstStepOfCall;
        private double _smoothed = double.NaN;
        private MixedPrecisionTraining? _mixed;

        public TrainingResult Execute()
        {
            var existing = PrepareOutputFolder();
            var (inputTile, outputTile) = options.OutputTileSizes is { } sizes ? Tiles(geometry, sizes) : Tiles(geometry, options.OutputTile);
            var plan = new TrainingPlan(
                options.Steps ?? (options.Epochs is { } epochs ? (long)epochs * options.StepsPerEpoch : 0),
                options.StepsPerEpoch, options.BatchSize, options.LearningRate, options.Optimizer, options.Schedule, options.Seed,
                options.Augment, options.DiceWeight, options.BorderWeight, inputTile, outputTile, geometry.OutputChannels,
                PrecisionChoice.Resolve(options.Precision), options.ClassBalance);
            if (existing is not null)
            {
                plan = ResumedPlan(existing, plan);
            }

            CheckMemory(plan);
            Initialization.He(network, plan.Seed);
            using var optimizer = CreateOptimizer(plan);
            if (existing is not null)
            {
                LoadCheckpoint(optimizer, existing);
            }

            // Channels-last where that trains faster, after the resume so the loaded optimiser state is laid out too.
            var channelsLast = ((IUNetModule)network).PrepareForTraining(optimizer);
            using var mixed = plan.Precision == ComputePrecision.BFloat16 ? new MixedPrecisionTraining(network) : null;
            _mixed = mixed;
            Say($"Data: {data.Source}: {data.TrainingCount} {data.Unit}(s) for training, {data.ValidationCount} held out.");
            using var tiles = data.CreateTiles(plan);
            var deformation = plan.Augment ? data.CreateAugmentation(plan) : null;
            if (plan.TotalSteps == 0)
            {
                var seconds = MeasureStepSeconds(optimizer, tiles, deformation, plan);
                var remaining = Math.Max(0, options.Minutes!.Value - _clock.Elapsed.TotalMinutes);
                plan = plan with { TotalSteps = TrainingPlan.StepsFor(remaining, seconds, plan.StepsPerEpoch) };
                Say($"Planned {plan.TotalSteps:N0} steps from the time budget ({seconds:0.000} s a step measured); pass Steps = {plan.TotalSteps} (--steps {plan.TotalSteps}) to repeat this run exactly.");
            }

            Say($"Network: {geometry.Name}, {geometry.ParameterCount:N0} parameters, training {((mixed?.ChannelsLast ?? channelsLast) ? "channels-last" : "NCHW")} in {PrecisionChoice.Describe(plan.Precision)}; plan: {plan.Describe()}.");
            Say($"Loss: {plan.DescribeLoss()}.");
            _firstStepOfCall = _step;
            var stop = Loop(optimizer, tiles, deformation, plan);
            if (_step != _savedStep)
            {
                Save(optimizer, plan);
            }

            var message = stop switch
            {
                StopReason.Completed => $"Stopped after {_step:N0} steps: the plan is done.",
                StopReason.TimeBudget => $"Stopped after {_step:N0} of {plan.TotalSteps:N0} steps: the time budget of {options.Minutes:0.##} min is spent. Resume to continue the plan.",
                _ => $"Stopped after {_step:N0} of {plan.TotalSteps:N0} steps: cancelled. Resume to continue the plan.",
            };
            Report(TrainingStage.Stopped, plan, double.NaN, null, message + (_checkpoint is null ? string.Empty : $" Checkpoint: {_checkpoint}"));

            EvaluationReport? validation = null;
            string? pictures = null;
            if (stop != StopReason.Cancelled)
            {
                pictures = options.OutputFolder is not null && options.WritePictures ? Path.Combine(options.OutputFolder, "pictures") : null;
                Say($"Evaluating {Math.Max(1, data.ValidationCount)} {(data.ValidationCount > 0 ? "held-out" : "training")} {data.Unit}(s) with overlap-tile prediction.");
                validation = data.Evaluate(network, trainingWhenNoneHeldOut: true, pictures);
                if (pictures is not null)
                {
                    data.WritePictures(pictures, plan, deformation);
                }
            }

            return new TrainingResult(stop, _step, plan.TotalSteps, (int)(_step / plan.StepsPerEpoch), _stepLosses.ToList(), _validationIoU.ToList(), validation, _clock.Elapsed, _checkpoint, pictures);
        }

        private StopReason Loop(OptimizerHelper optimizer, TrainingTiles tiles, IAugmentation? deformation, TrainingPlan plan)
        {
            var budget = options.Minutes is { } minutes ? TimeSpan.FromMinutes(minutes) : (TimeSpan?)null;
            while (_step < plan.TotalSteps)
            {
                if (cancellation.IsCancellationRequested)
                {
                    return StopReason.Cancelled;
                }

                // The first step of a call always runs: a budget spent on setting up still trains something.
                if (budget is not null && _clock.Elapsed >= budget && _step > _firstStepOfCall)
                {
                    return StopReason.TimeBudget;
                }

                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = plan.RateAt(_step);
                }

                var loss = Step(optimizer, tiles, deformation, plan);
                if (!double.IsFinite(loss))
                {
                    throw Diverged($"The loss became {loss} at step {_step + 1} (learning rate {plan.RateAt(_step):G3}).");
                }

                _step++;
                _stepLosses.Add(loss);
                _smoothed = double.IsNaN(_smoothed) ? loss : (0.95 * _smoothed) + (0.05 * loss);
                Report(TrainingStage.Step, plan, loss, null, null);
                if (_step % plan.StepsPerEpoch == 0 || _step == plan.TotalSteps)
                {
                    var validation = data.ValidationCount > 0 ? data.Evaluate(network, trainingWhenNoneHeldOut: false, null) : null;
                    _validationIoU.Add(validation?.MeanForegroundIoU ?? double.NaN);
                    Save(optimizer, plan);
                    var epochLosses = _stepLosses.Skip((int)((_step - 1) / plan.StepsPerEpoch * plan.StepsPerEpoch)).ToList();
                    Report(TrainingStage.Epoch, plan, epochLosses.Average(), validation, null);
                }
            }

            return StopReason.Completed;
        }

        private double Step(OptimizerHelper optimizer, TrainingTiles tiles, IAugmentation? deformation, TrainingPlan plan)
        {
            using var scope = NewDisposeScope();
            var stepSeed = TrainingPlan.StepSeed(plan.Seed, _step);
            manual_seed(stepSeed);
            using var generator = new Generator((ulong)stepSeed);
            var random = new Random((int)(stepSeed & int.MaxValue));
            var (images, labels, weights) = tiles.Draw(plan.BatchSize, random, generator, deformation);
            optimizer.zero_grad();
            var loss = Loss(Forward(images), labels, weights, plan);
            loss.backward();
            _mixed?.TakeGradients();
            optimizer.step();
            return loss.item<float>();
        }

        // The network's scores, float32 either way: from a bfloat16 copy in mixed precision.
        private Tensor Forward(Tensor images) => _mixed is null ? network.call(images) : _mixed.Forward(images);

        private static Tensor Loss(Tensor logits, Tensor labels, Tensor weights, TrainingPlan plan) =>
            Losses.SparseSegmentationLoss(logits, labels, weights, plan.DiceWeight);

        // Times forward and backward of a real batch (no update) to turn a time budget into steps; the network's
        // buffers (batch-norm statistics) and gradients are put back as they were, so the run itself is unaffected.
        private double MeasureStepSeconds(OptimizerHelper optimizer, TrainingTiles tiles, IAugmentation? deformation, TrainingPlan plan)
        {
            var buffers = network.buffers().Select(b => b.detach().clone().DetachFromDisposeScope()).ToList();
            var times = new List<double>();
            try
            {
                for (var i = 0; i < 4; i++)
                {
                    using var scope = NewDisposeScope();
                    var watch = Stopwatch.StartNew();
                    var (images, labels, weights) = tiles.Draw(plan.BatchSize, new Random(i), null, deformation);
                    Loss(Forward(images), labels, weights, plan).backward();
                    _mixed?.TakeGradients();
                    times.Add(watch.Elapsed.TotalSeconds);
                }
            }
            finally
            {
                optimizer.zero_grad();
                using (no_grad())
                {
                    foreach (var (buffer, saved) in network.buffers().Zip(buffers))
                    {
                        buffer.copy_(saved);
                        saved.Dispose();
                    }
                }
            }

            // The first pass pays for allocations and oneDNN's kernel choice; the median of the others is the speed.
            return times.Skip(1).OrderBy(t => t).ElementAt(1);
        }

        // The compiler's estimate of a step's activations against the budget: a batch that cannot fit is refused now,
        // with the largest that does, rather than by the kernel's out-of-memory killer in the middle of the run.
        private void CheckMemory(TrainingPlan plan)
        {
            if (geometry.ActivationMemory is not { } memory)
            {
                return;
            }

            var bytesPerElement = PrecisionChoice.BytesPerElement(plan.Precision);
            var needed = memory.Bytes(plan.BatchSize, training: true, bytesPerElement, plan.InputTile);
            var budget = options.MemoryBudgetBytes ?? MemoryBudget.Default();
            var tile = string.Join("x", plan.InputTile);
            if (needed > budget)
            {
                var fits = memory.MaxBatch(budget, training: true, bytesPerElement, plan.InputTile);
                throw new ArgumentException(
                    $"A training step of {plan.BatchSize} tile(s) {tile} needs about {MemoryBudget.Describe(needed)} of activations (the compiler's estimate for {geometry.Name}), more than the budget of {MemoryBudget.Describe(budget)}"
                    + (options.MemoryBudgetBytes is null ? $" ({MemoryBudget.DefaultShare:P0} of the memory available)" : string.Empty) + ". "
                    + (fits > 0 ? $"Use a batch of at most {fits} (BatchSize, --batch {fits}), a smaller tile, or a larger budget." : "Not even one tile fits: use a smaller tile (OutputTile, --tile) or a larger budget."),
                    nameof(options));
            }

            Say($"Memory: a step of {plan.BatchSize} tile(s) {tile} needs about {MemoryBudget.Describe(needed)} of activations; budget {MemoryBudget.Describe(budget)}.");
        }

        private CheckpointInfo? PrepareOutputFolder()
        {
            if (options.OutputFolder is null || _checkpoint is null)
            {
                return null;
            }

            EnsureWritable(options.OutputFolder);
            Checkpoint.RemoveStaleTemporaries(_checkpoint);
            if (!File.Exists(_checkpoint) && !Directory.Exists(_checkpoint))
            {
                if (options.Resume)
                {
                    Say($"No checkpoint in {options.OutputFolder} to resume: starting a new run.");
                }

                return null;
            }

            if (options.Overwrite)
            {
                Say($"Replacing the checkpoint {_checkpoint} by a new run (asked for).");
                return null;
            }

            CheckpointInfo info;
            try
            {
                info = Checkpoint.ReadInfo(_checkpoint);
            }
            catch (InvalidDataException exception) when (!options.Resume)
            {
                throw new CheckpointExistsException($"'{_checkpoint}' exists and is not a checkpoint this run can continue ({exception.Message}). Replace it (Overwrite, --overwrite) or choose another output folder.");
            }

            if (!options.Resume)
            {
                throw new CheckpointExistsException(
                    $"'{_checkpoint}' already holds {info.Architecture} after {info.Step:N0} steps. Continue it (Resume, --resume), replace it (Overwrite, --overwrite), or choose another output folder.");
            }

            if (info.Architecture != geometry.Name)
            {
                throw new InvalidDataException($"Checkpoint '{_checkpoint}' holds {info.Architecture}, not {geometry.Name}: resume it with a {info.Architecture}, or choose another output folder.");
            }

            return info;
        }

        private TrainingPlan ResumedPlan(CheckpointInfo info, TrainingPlan asked)
        {
            if (info.Plan is null)
            {
                Say($"The checkpoint records no plan (written by import or outside the trainer): its weights are loaded and a new plan starts at step {info.Step:N0}.");
                return asked;
            }

            var plan = info.Plan;
            var total = options.Steps ?? (options.Epochs is { } epochs ? (long)epochs * plan.StepsPerEpoch : null);
            if (total is { } steps && steps != plan.TotalSteps)
            {
                // Asking for more (or fewer) steps extends the plan; the schedule is then stretched from here on.
                Say($"The plan's total changes from {plan.TotalSteps:N0} to {steps:N0} steps, as asked.");
                plan = plan with { TotalSteps = steps };
            }

            var ignored = asked.DifferencesFrom(plan);
            Say($"Resuming {info.Architecture} after step {info.Step:N0} of {plan.TotalSteps:N0}, with the plan recorded in the checkpoint" +
                (ignored.Count == 0 ? "." : $"; these options are left as recorded: {string.Join(", ", ignored)}."));
            return plan;
        }

        private void LoadCheckpoint(OptimizerHelper optimizer, CheckpointInfo info)
        {
            try
            {
                Checkpoint.Load(_checkpoint!, network, optimizer);
            }
            catch (Exception exception) when (exception is not InvalidDataException && exception.Message.Contains("optimizer", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException($"The optimiser state in '{_checkpoint}' is not {optimizer.GetType().Name}'s: resume with the optimiser it was trained with (--optimizer sgd or adam). ({exception.Message})", exception);
            }

            _step = info.Step;
            _savedStep = info.Step;
            _stepLosses.AddRange(info.StepLosses ?? Array.Empty<double>());
            _validationIoU.AddRange(info.ValidationIoU ?? Array.Empty<double>());
            if (_stepLosses.Count > 0)
            {
                _smoothed = _stepLosses.Aggregate(double.NaN, (s, l) => double.IsNaN(s) ? l : (0.95 * s) + (0.05 * l));
            }
        }

        private OptimizerHelper CreateOptimizer(TrainingPlan plan) => plan.Optimizer == OptimizerKind.Sgd
            ? Optimizers.Sgd(network.parameters(), plan.LearningRate)
            : Optimizers.Adam(network.parameters(), plan.LearningRate);

        private void Save(OptimizerHelper optimizer, TrainingPlan plan)
        {
            if (_checkpoint is null)
            {
                _savedStep = _step;
                return;
            }

            var epochLosses = _stepLosses.Chunk(plan.StepsPerEpoch).Where(c => c.Length == plan.StepsPerEpoch).Select(c => c.Average()).ToArray();
            var info = new CheckpointInfo(geometry.Name, geometry.ParameterCount, (int)(_step / plan.StepsPerEpoch), _step, plan.Seed, epochLosses)
            {
                Plan = plan,
                StepLosses = _stepLosses.ToArray(),
                ValidationIoU = _validationIoU.ToArray(),
            };
            try
            {
                Checkpoint.Save(_checkpoint, network, optimizer, info);
            }
            catch (NonFiniteWeightsException exception)
            {
                throw Diverged($"The weights stopped being finite numbers by step {_step} ({exception.Message})");
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"Could not write the checkpoint '{_checkpoint}': {exception.Message}. {LastGood()}", exception);
            }

            _savedStep = _step;
        }

        // A resumed run keeps its recorded learning rate, so the way on is a new run with a lower one.
        private TrainingDivergedException Diverged(string what) =>
            new($"{what} {LastGood()} Lower the learning rate (now {options.LearningRate:G3}) and start a new run (Overwrite, --overwrite).");

        private string LastGood() => _checkpoint is null
            ? "No checkpoint is kept (no output folder)."
            : _savedStep >= 0 && File.Exists(_checkpoint)
                ? $"The last good checkpoint, '{_checkpoint}' (step {_savedStep:N0}), is kept."
                : "No checkpoint was written by this run.";

        private void Say(string message) =>
            progress?.Report(new TrainingProgress(TrainingStage.Message, _step, 0, 0, double.NaN, _smoothed, 0, _clock.Elapsed, null, message));

        private void Report(TrainingStage stage, TrainingPlan plan, double loss, EvaluationReport? validation, string? message)
        {
            if (progress is null)
            {
                return;
            }

            var seconds = _clock.Elapsed.TotalSeconds;
            var speed = seconds > 0 ? (_step - _firstStepOfCall) / seconds : 0;
            // An epoch report at the plan's end may close a partial epoch: it still counts as one.
            var epoch = stage == TrainingStage.Epoch ? (int)((_step + plan.StepsPerEpoch - 1) / plan.StepsPerEpoch) : (int)(_step / plan.StepsPerEpoch);
            progress.Report(new TrainingProgress(stage, _step, plan.TotalSteps, epoch, loss, _smoothed, speed, _clock.Elapsed, validation, message));
        }

        private static void EnsureWritable(string folder)
        {
            if (File.Exists(folder))
            {
                throw new IOException($"The output folder '{folder}' is a file; choose a folder.");
            }

            try
            {
                Directory.CreateDirectory(folder);
                var probe = Path.Combine(folder, ".unetdsl-write-test-" + Guid.NewGuid().ToString("N")[..8]);
                File.WriteAllBytes(probe, new byte[1]);
                File.Delete(probe);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"The output folder '{folder}' cannot be written ({exception.Message}); choose another one or fix its permissions. Nothing was trained.", exception);
            }
        }
    }
}

/// <summary>The output folder already holds a checkpoint, and neither continuing nor replacing it was asked.</summary>
public sealed class CheckpointExistsException(string message) : IOException(message);
