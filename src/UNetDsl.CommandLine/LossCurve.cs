using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace UNetDsl.CommandLine;

/// <summary>The loss curve of a training run as a PNG (ScottPlot).</summary>
public static class LossCurve
{
    /// <summary>Writes the loss curve with ScottPlot.</summary>
    public static void Write(string path, IReadOnlyList<double> steps, IReadOnlyList<double> losses, IReadOnlyList<double> epochs, IReadOnlyList<double> validationIoU)
    {
        var plot = new ScottPlot.Plot();
        var training = plot.Add.Scatter(steps.ToArray(), losses.ToArray());
        training.LegendText = "training loss (smoothed)";
        training.MarkerSize = 0;
        plot.XLabel("step");
        plot.YLabel("loss");
        if (validationIoU.Count > 0)
        {
            var axis = plot.Axes.Right;
            var iou = plot.Add.Scatter(epochs.ToArray(), validationIoU.ToArray());
            iou.Axes.YAxis = axis;
            iou.LegendText = "validation foreground IoU";
            axis.Label.Text = "IoU";
        }

        // Below the axes, outside the data: inside, wherever it stands, it covers a curve's start or end.
        plot.ShowLegend(ScottPlot.Edge.Bottom);
        plot.Title("Training");
        var temporary = path + ".tmp.png";
        plot.SavePng(temporary, 800, 450);
        File.Move(temporary, path, overwrite: true);
    }
}
