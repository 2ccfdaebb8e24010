using System;
using System.Collections.Generic;

namespace UNetDsl.Training;

/// <summary>What a training run reports as it goes.</summary>
public enum TrainingStage
{
    /// <summary>A sentence worth showing (data read, plan chosen, run resumed).</summary>
    Message = 0,

    /// <summary>An optimiser step is done.</summary>
    Step = 1,

    /// <summary>An epoch is done: validated and checkpointed.</summary>
    Epoch = 2,

    /// <summary>The run stopped; <see cref="TrainingProgress.Message"/> says why.</summary>
    Stopped = 3,
}

/// <summary>One report of <see cref="UNetTrainer"/> to an <see cref="IProgress{T}"/> (a console, a GUI, a test).</summary>
/// <param name="Stage">What happened.</param>
/// <param name="Step">Optimiser steps done so far.</param>
/// <param name="TotalSteps">The run's planned steps.</param>
/// <param name="Epoch">Epochs done so far.</param>
/// <param name="Loss">The step's loss (or the epoch's mean loss); NaN for messages.</param>
/// <param name="SmoothedLoss">An exponential moving average of the step losses.</param>
/// <param name="StepsPerSecond">Training speed of this run so far.</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="Validation">The held-out metrics after an epoch, when there are held-out images.</param>
/// <param name="Message">A sentence for <see cref="TrainingStage.Message"/> and <see cref="TrainingStage.Stopped"/>.</param>
public sealed record TrainingProgress(
    TrainingStage Stage,
    long Step,
    long TotalSteps,
    int Epoch,
    double Loss,
    double SmoothedLoss,
    double StepsPerSecond,
    TimeSpan Elapsed,
    EvaluationReport? Validation = null,
    string? Message = null);

/// <summary>Why a training run stopped.</summary>
public enum StopReason
{
    /// <summary>All planned steps are done.</summary>
    Completed = 0,

    /// <summary>The time budget is spent; resume to continue the plan.</summary>
    TimeBudget = 1,

    /// <summary>Cancelled (Ctrl-C, SIGTERM, a cancellation token); what was learned is saved.</summary>
    Cancelled = 2,
}

/// <summary>What a training run gives back.</summary>
/// <param name="Stop">Why it stopped.</param>
/// <param name="Steps">Optimiser steps done (in all, resumed ones included).</param>
/// <param name="TotalSteps">The plan's steps.</param>
/// <param name="Epochs">Whole epochs done.</param>
/// <param name="StepLosses">The loss of every step of the run, resumed ones included.</param>
/// <param name="EpochValidationIoU">The mean held-out foreground IoU after each epoch (NaN without held-out images).</param>
/// <param name="Validation">Metrics on the held-out images (or on the first training image when none is held out).</param>
/// <param name="Elapsed">Time this call took.</param>
/// <param name="CheckpointPath">The checkpoint written, or null without an output folder.</param>
/// <param name="PicturesFolder">The folder of pictures written, or null.</param>
public sealed record TrainingResult(
    StopReason Stop,
    long Steps,
    long TotalSteps,
    int Epochs,
    IReadOnlyList<double> StepLosses,
    IReadOnlyList<double> EpochValidationIoU,
    EvaluationReport? Validation,
    TimeSpan Elapsed,
    string? CheckpointPath,
    string? PicturesFolder);

/// <summary>Training stopped because the loss or the weights stopped being finite numbers.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
