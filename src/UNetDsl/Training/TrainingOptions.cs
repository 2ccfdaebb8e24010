using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace UNetDsl.Training;

/// <summary>The optimiser a training run uses.</summary>
public enum OptimizerKind
{
    /// <summary>Adam (Kingma and Ba), the default: forgiving of the learning rate.</summary>
    Adam = 0,

    /// <summary>SGD with the paper's momentum of 0.99.</summary>
    Sgd = 1,
}

/// <summary>
/// How <see cref="UNetTrainer"/> trains: the U-Net paper's method with its defaults (overlap tiles, elastic
/// deformation, the border weight map, weighted cross-entropy plus soft Dice), over a number of steps or a time budget.
/// </summary>
/// <remarks>
/// <para>
/// The learning-rate schedule is a function of the step, never of the clock: the run's total step count is fixed
/// once, from <see cref="Steps"/>, else <see cref="Epochs"/> x <see cref="StepsPerEpoch"/>, else estimated from
/// <see cref="Minutes"/> by timing a few steps, and recorded in the checkpoint. Every step draws its tiles,
/// deformations and dropout masks from generators seeded by (<see cref="Seed"/>, step), so the same options give the
/// same losses, and a resumed run continues exactly as an uninterrupted one.
/// </para>
/// <para>
/// A resumed run follows the plan recorded in its checkpoint (seed, total steps, optimiser, learning rate, schedule,
/// batch, steps per epoch, tile): the options only add a new time budget.
/// </para>
/// </remarks>
public sealed record TrainingOptions
{
    /// <summary>The name of the checkpoint file in <see cref="OutputFolder"/>.</summary>
    public const string CheckpointFileName = "checkpoint.unet";

    /// <summary>Total optimiser steps of the run; null to derive them from the epochs or the time budget.</summary>
    public long? Steps { get; init; }

    /// <summary>Epochs of <see cref="StepsPerEpoch"/> steps; null to derive the steps from the time budget.</summary>
    public int? Epochs { get; init; }

    /// <summary>Optimiser steps per epoch: a validation and a checkpoint after each. 50 by default.</summary>
    public int StepsPerEpoch { get; init; } = 50;

    /// <summary>Time budget in minutes: training stops when it is spent (after saving). Null: no limit.</summary>
    public double? Minutes { get; init; }

    /// <summary>Tiles per step. 4 by default.</summary>
    public int BatchSize { get; init; } = 4;

    /// <summary>The base learning rate. 1e-3 by default (Adam's).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>The optimiser: Adam, or SGD with momentum 0.99 (the paper's).</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>How the learning rate falls over the run's steps. nnU-Net's polynomial decay by default.</summary>
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Polynomial;

    /// <summary>Seed of initialisation, tiles, augmentation and dropout.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Elastic deformation, flips and rotations of every tile (the paper's augmentation). On by default.</summary>
    public bool Augment { get; init; } = true;

    /// <summary>Weight of the soft Dice term added to the weighted cross-entropy; 0 for the paper's plain loss. 1 by default.</summary>
    public double DiceWeight { get; init; } = 1.0;

    /// <summary>The border term's weight w0 of the weight map (10 in the paper; 0 leaves only class balancing).</summary>
    public float BorderWeight { get; init; } = WeightMap.DefaultW0;

    /// <summary>
    /// The weight map's class balancing w_c (the paper's), on by default: rare classes weigh as much as frequent ones,
    /// which favours their recall. Off, every class weighs 1: with <see cref="BorderWeight"/> and
    /// <see cref="DiceWeight"/> 0 the loss is plain cross-entropy, whose argmax is what minimises the pixel error.
    /// </summary>
    public bool ClassBalance { get; init; } = true;

    /// <summary>The wanted output tile side in pixels or voxels on every axis; rounded up to the network's valid sizes.
    /// Null: the network's declared output size, at least 96 (2D) or 32 (3D).</summary>
    public int? OutputTile { get; init; }

    /// <summary>The wanted output tile per spatial axis (H, W or D, H, W), each rounded up to its axis's valid sizes;
    /// overrides <see cref="OutputTile"/>. For volumes whose axes differ, e.g. few thick slices: (8, 64, 64).</summary>
    public IReadOnlyList<int>? OutputTileSizes { get; init; }

    /// <summary>Folder of the checkpoint and pictures; null to keep nothing on disk.</summary>
    public string? OutputFolder { get; init; }

    /// <summary>Continue from the checkpoint in <see cref="OutputFolder"/> (a fresh run when there is none).</summary>
    public bool Resume { get; init; }

    /// <summary>Replace an existing checkpoint in <see cref="OutputFolder"/> by a new run. Without it (and without
    /// <see cref="Resume"/>) an existing checkpoint stops the run before anything is written.</summary>
    public bool Overwrite { get; init; }

    /// <summary>Write pictures (held-out predictions and overlays, weight map, augmentation preview) to
    /// <c>OutputFolder/pictures</c> at the end. On by default.</summary>
    public bool WritePictures { get; init; } = true;

    /// <summary>
    /// The precision of forward and backward: Float32 (the default), or BFloat16 mixed precision (a bfloat16 copy of
    /// the network computes, the float32 weights, optimiser state and checkpoints are updated from its gradients), or
    /// Auto (bfloat16 where the CPU has it natively; see <see cref="PrecisionChoice"/>). Recorded in the plan.
    /// </summary>
    public ComputePrecision Precision { get; init; } = ComputePrecision.Float32;

    /// <summary>
    /// The bytes a training step's activations may take (the compiler's estimate, <see cref="ActivationMemory"/>); a
    /// batch of tiles that needs more is refused before the first step, with the largest batch that fits. Null:
    /// <see cref="MemoryBudget.Default"/>, three quarters of the memory available when training starts.
    /// </summary>
    public long? MemoryBudgetBytes { get; init; }

    /// <summary>The checkpoint's path, or null without an output folder.</summary>
    public string? CheckpointPath => OutputFolder is null ? null : Path.Combine(OutputFolder, CheckpointFileName);

    /// <summary>Throws when an option is out of its range, naming the option, its value and what is allowed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        if (Steps is { } steps && steps < 1)
        {
            throw Bad(nameof(Steps), steps, "at least 1");
        }

        if (Epochs is { } epochs && epochs < 1)
        {
            throw Bad(nameof(Epochs), epochs, "at least 1");
        }

        if (StepsPerEpoch < 1)
        {
            throw Bad(nameof(StepsPerEpoch), StepsPerEpoch, "at least 1");
        }

        if (Minutes is { } minutes && !(minutes > 0 && minutes <= TimeSpan.MaxValue.TotalMinutes / 2))
        {
            throw Bad(nameof(Minutes), minutes, "a finite number of minutes above 0");
        }

        if (BatchSize < 1)
        {
            throw Bad(nameof(BatchSize), BatchSize, "at least 1");
        }

        // The optimisers compute in float32: a rate beyond its range is no rate at all.
        if (!(LearningRate > 0 && LearningRate <= float.MaxValue))
        {
            throw Bad(nameof(LearningRate), LearningRate, "a finite number above 0 and at most 3.4E+38 (float32)");
        }

        if (!(DiceWeight >= 0) || double.IsInfinity(DiceWeight))
        {
            throw Bad(nameof(DiceWeight), DiceWeight, "a finite number, 0 or more");
        }

        if (!(BorderWeight >= 0) || float.IsInfinity(BorderWeight))
        {
            throw Bad(nameof(BorderWeight), BorderWeight, "a finite number, 0 or more");
        }

        if (OutputTileSizes is { } sizes && (sizes.Count == 0 || sizes.Any(s => s < 1)))
        {
            throw Bad(nameof(OutputTileSizes), $"[{string.Join(", ", sizes)}]", "one size per spatial axis, each at least 1 voxel");
        }

        if (OutputTile is { } tile && tile < 1)
        {
            throw Bad(nameof(OutputTile), tile, "at least 1 pixel");
        }

        if (!Enum.IsDefined(Optimizer))
        {
            throw Bad(nameof(Optimizer), Optimizer, "Adam or Sgd");
        }

        if (!Enum.IsDefined(Schedule))
        {
            throw Bad(nameof(Schedule), Schedule, "Constant, Step, Polynomial or Cosine");
        }

        if (MemoryBudgetBytes is { } budget && budget <= 0)
        {
            throw Bad(nameof(MemoryBudgetBytes), budget, "a positive number of bytes");
        }

        if (!Enum.IsDefined(Precision))
        {
            throw Bad(nameof(Precision), Precision, "Float32, BFloat16 or Auto");
        }

        if (Resume && Overwrite)
        {
            throw new ArgumentException("Resume and Overwrite exclude each other: resume the checkpoint, or replace it.");
        }

        if (Resume && OutputFolder is null)
        {
            throw new ArgumentException("Resume needs the OutputFolder that holds the checkpoint.");
        }
    }

    private static ArgumentOutOfRangeException Bad(string option, object value, string allowed) =>
        new(option, value, string.Create(CultureInfo.InvariantCulture, $"{option} is {value}; it must be {allowed}."));
}
