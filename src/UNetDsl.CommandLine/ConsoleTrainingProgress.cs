using System;
using System.Globalization;
using Spectre.Console;
using UNetDsl.Training;

namespace UNetDsl.CommandLine;

/// <summary>
/// Shows a training run's reports: a live progress bar on a terminal, one line per epoch when the output goes to a
/// file or a pipe (logs and CI), and every message as a line.
/// </summary>
internal sealed class ConsoleTrainingProgress
{
    private ProgressTask? _bar;

    /// <summary>Runs <paramref name="train"/>, showing what it reports.</summary>
    public TrainingResult Run(Func<IProgress<TrainingProgress>, TrainingResult> train)
    {
        if (Console.IsOutputRedirected)
        {
            return train(new Listener(this));
        }

        TrainingResult? result = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                _bar = context.AddTask("training", maxValue: 1000);
                result = train(new Listener(this));
            });
        return result!;
    }

    private void Show(TrainingProgress report)
    {
        switch (report.Stage)
        {
            case TrainingStage.Message:
            case TrainingStage.Stopped:
                AnsiConsole.MarkupLine(Markup.Escape(report.Message ?? string.Empty));
                break;
            case TrainingStage.Step when _bar is not null:
                _bar.Value = 1000.0 * report.Step / Math.Max(1, report.TotalSteps);
                _bar.Description = string.Create(CultureInfo.InvariantCulture, $"step {report.Step}/{report.TotalSteps}  loss {report.SmoothedLoss:0.000}  {report.StepsPerSecond:0.0} steps/s");
                break;
            case TrainingStage.Epoch when _bar is null:
                var validation = report.Validation is { } v ? string.Create(CultureInfo.InvariantCulture, $"  held-out fg IoU {v.MeanForegroundIoU:0.000}") : string.Empty;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {report.Epoch}  step {report.Step}/{report.TotalSteps}  loss {report.Loss:0.0000}  {report.StepsPerSecond:0.0} steps/s{validation}  {report.Elapsed.TotalSeconds:0} s"));
                break;
        }
    }

    // Reports arrive on the training thread and are shown at once (System.Progress<T> would post them elsewhere, late).
    private sealed class Listener(ConsoleTrainingProgress owner) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => owner.Show(value);
    }
}
