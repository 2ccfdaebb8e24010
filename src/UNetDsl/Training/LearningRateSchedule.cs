using System;
using TorchSharp.Modules;

namespace UNetDsl.Training;

/// <summary>The shape of a learning-rate schedule.</summary>
public enum ScheduleKind
{
    /// <summary>The base rate throughout.</summary>
    Constant = 0,

    /// <summary>Multiplied by 0.1 at 50% and again at 75% of training.</summary>
    Step = 1,

    /// <summary>nnU-Net's polynomial decay: base * (1 - progress)^0.9.</summary>
    Polynomial = 2,

    /// <summary>Half a cosine from the base rate down to 0.</summary>
    Cosine = 3,
}

/// <summary>A learning-rate schedule over training progress (0 at the start, 1 at the end), applied to an optimiser.</summary>
/// <param name="Kind">The schedule's shape.</param>
/// <param name="BaseRate">The rate at the start.</param>
public sealed record LearningRateSchedule(ScheduleKind Kind, double BaseRate)
{
    /// <summary>The rate at <paramref name="progress"/> (clamped to [0, 1]).</summary>
    /// <param name="progress">The fraction of training done.</param>
    public double RateAt(double progress)
    {
        var p = Math.Clamp(progress, 0, 1);
        return Kind switch
        {
            ScheduleKind.Constant => BaseRate,
            ScheduleKind.Step => BaseRate * (p >= 0.75 ? 0.01 : p >= 0.5 ? 0.1 : 1),
            ScheduleKind.Polynomial => BaseRate * Math.Pow(1 - p, 0.9),
            ScheduleKind.Cosine => BaseRate * 0.5 * (1 + Math.Cos(Math.PI * p)),
            _ => throw new ArgumentOutOfRangeException(nameof(progress), Kind, "Unknown schedule."),
        };
    }

    /// <summary>Sets every parameter group of <paramref name="optimizer"/> to the rate at <paramref name="progress"/>.</summary>
    /// <param name="optimizer">A TorchSharp optimiser.</param>
    /// <param name="progress">The fraction of training done.</param>
    /// <returns>The rate set.</returns>
    public double Apply(OptimizerHelper optimizer, double progress)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var rate = RateAt(progress);
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = rate;
        }

        return rate;
    }
}
