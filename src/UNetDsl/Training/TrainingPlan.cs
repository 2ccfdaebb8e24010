using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace UNetDsl.Training;

/// <summary>
/// Everything that decides a training run's steps, fixed before its first step and recorded in its checkpoint, so that
/// a resumed run continues the same plan (<see cref="TrainingOptions"/>).
/// </summary>
/// <param name="TotalSteps">Optimiser steps of the whole run: the learning-rate schedule runs over them.</param>
/// <param name="StepsPerEpoch">Steps between validations and checkpoints.</param>
/// <param name="BatchSize">Tiles per step.</param>
/// <param name="LearningRate">The base learning rate.</param>
/// <param name="Optimizer">The optimiser.</param>
/// <param name="Schedule">The learning-rate schedule.</param>
/// <param name="Seed">Seed of initialisation, tiles, augmentation and dropout.</param>
/// <param name="Augment">Elastic deformation, flips and rotations on.</param>
/// <param name="DiceWeight">Weight of the soft Dice term.</param>
/// <param name="BorderWeight">The weight map's w0.</param>
/// <param name="InputTile">Input tile size per spatial axis.</param>
/// <param name="OutputTile">Output tile size per spatial axis.</param>
/// <param name="Classes">The network's classes.</param>
/// <param name="Precision">Float32, or BFloat16 mixed precision (resolved: never Auto); float32 for checkpoints
/// written before it was recorded.</param>
/// <param name="ClassBalance">The weight map's class balancing w_c (the paper's) on; on for checkpoints written before
/// it was recorded.</param>
public sealed record TrainingPlan(
    long TotalSteps,
    int StepsPerEpoch,
    int BatchSize,
    double LearningRate,
    OptimizerKind Optimizer,
    ScheduleKind Schedule,
    int Seed,
    bool Augment,
    double DiceWeight,
    float BorderWeight,
    int[] InputTile,
    int[] OutputTile,
    int Classes,
    ComputePrecision Precision = ComputePrecision.Float32,
    bool ClassBalance = true)
{
    /// <summary>The learning rate of the step that follows <paramref name="stepsDone"/> steps.</summary>
    /// <param name="stepsDone">Steps done so far.</param>
    public double RateAt(long stepsDone) =>
        new LearningRateSchedule(Schedule, LearningRate).RateAt(TotalSteps <= 0 ? 1 : (double)stepsDone / TotalSteps);

    /// <summary>
    /// The seed of everything random in step <paramref name="step"/> (0-based): its tiles, deformation and dropout
    /// masks depend on (seed, step) only, never on the steps before, which is what lets a resumed run continue exactly.
    /// </summary>
    /// <param name="seed">The run's seed.</param>
    /// <param name="step">The step.</param>
    public static long StepSeed(int seed, long step)
    {
        // SplitMix64 of the pair: neighbouring seeds and steps give unrelated streams.
        var z = unchecked(((ulong)(uint)seed * 0x9E3779B97F4A7C15UL) + ((ulong)step * 0xBF58476D1CE4E5B9UL) + 0x632BE59BD9B4E5UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (long)((z ^ (z >> 31)) >> 1);
    }

    /// <summary>
    /// The steps a time budget affords at a measured speed: 85% of the budget (the rest goes to validation and
    /// checkpoints), whole epochs when there is room for one, and at least one step.
    /// </summary>
    /// <param name="minutes">The budget.</param>
    /// <param name="secondsPerStep">The measured time of one step.</param>
    /// <param name="stepsPerEpoch">Steps per epoch.</param>
    public static long StepsFor(double minutes, double secondsPerStep, int stepsPerEpoch)
    {
        var affordable = minutes * 60 * 0.85 / Math.Max(1e-6, secondsPerStep);
        var steps = (long)Math.Min(affordable, 1e12);
        if (steps >= stepsPerEpoch)
        {
            steps -= steps % stepsPerEpoch;
        }

        return Math.Max(1, steps);
    }

    /// <summary>One line for people: the plan's numbers.</summary>
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"{TotalSteps:N0} steps of {BatchSize} tile(s) {string.Join("x", InputTile)} -> {string.Join("x", OutputTile)}, {Optimizer} at {LearningRate:G3} ({Schedule}), epochs of {StepsPerEpoch} steps, seed {Seed}{(Precision == ComputePrecision.BFloat16 ? ", bfloat16 mixed precision" : string.Empty)}");

    /// <summary>The loss in words, e.g. "cross-entropy weighted by class balance and border w0 10 + 1 x soft Dice".</summary>
    public string DescribeLoss()
    {
        var weights = new List<string>();
        if (ClassBalance)
        {
            weights.Add("class balance");
        }

        if (BorderWeight > 0)
        {
            weights.Add(string.Create(CultureInfo.InvariantCulture, $"border w0 {BorderWeight:G3}"));
        }

        var crossEntropy = weights.Count == 0 ? "plain cross-entropy" : "cross-entropy weighted by " + string.Join(" and ", weights);
        return DiceWeight > 0 ? string.Create(CultureInfo.InvariantCulture, $"{crossEntropy} + {DiceWeight:G3} x soft Dice") : crossEntropy;
    }

    /// <summary>The differences between this plan and <paramref name="other"/>, as "name: this vs other" phrases.</summary>
    /// <param name="other">Another plan.</param>
    public IReadOnlyList<string> DifferencesFrom(TrainingPlan other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var differences = new List<string>();
        void Compare<T>(string name, T a, T b)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b))
            {
                differences.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {a} (checkpoint: {b})"));
            }
        }

        Compare(nameof(StepsPerEpoch), StepsPerEpoch, other.StepsPerEpoch);
        Compare(nameof(BatchSize), BatchSize, other.BatchSize);
        Compare(nameof(LearningRate), LearningRate, other.LearningRate);
        Compare(nameof(Optimizer), Optimizer, other.Optimizer);
        Compare(nameof(Schedule), Schedule, other.Schedule);
        Compare(nameof(Seed), Seed, other.Seed);
        Compare(nameof(Augment), Augment, other.Augment);
        Compare(nameof(DiceWeight), DiceWeight, other.DiceWeight);
        Compare(nameof(BorderWeight), BorderWeight, other.BorderWeight);
        Compare(nameof(ClassBalance), ClassBalance, other.ClassBalance);
        Compare(nameof(OutputTile), string.Join("x", OutputTile), string.Join("x", other.OutputTile));
        Compare(nameof(Precision), Precision, other.Precision);
        return differences;
    }
}
