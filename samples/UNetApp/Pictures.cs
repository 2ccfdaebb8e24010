using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using UNetDsl.Data;

namespace UNetApp;

/// <summary>The PNGs a person looks at after training and prediction.</summary>
public static class Pictures
{
    /// <summary>Writes the prediction (white cells), and an overlay: the image in gray, predicted membranes in red.</summary>
    public static void Prediction(string folder, string name, GrayImage image, bool[] cells)
    {
        ImageIO.WriteGray8(Path.Combine(folder, name + "-prediction.png"), new GrayImage(cells.Select(c => c ? 1f : 0f).ToArray(), image.Width, image.Height));
        var rgb = new byte[image.Pixels.Length * 3];
        for (var i = 0; i < image.Pixels.Length; i++)
        {
            var gray = (byte)Math.Clamp(image.Pixels[i] * 255, 0, 255);
            rgb[3 * i] = cells[i] ? gray : (byte)255;
            rgb[(3 * i) + 1] = cells[i] ? gray : (byte)(gray / 3);
            rgb[(3 * i) + 2] = cells[i] ? gray : (byte)(gray / 3);
        }

        ImageIO.WriteRgb(Path.Combine(folder, name + "-overlay.png"), rgb, image.Width, image.Height);
    }

    /// <summary>Writes an image scaled to [0, 1] by its maximum (for weight maps).</summary>
    public static void Scaled(string path, float[] values, int width, int height)
    {
        var max = Math.Max(1e-6f, values.Max());
        ImageIO.WriteGray8(path, new GrayImage(values.Select(v => v / max).ToArray(), width, height));
    }

    /// <summary>Writes the loss curve with ScottPlot.</summary>
    public static void LossCurve(string path, IReadOnlyList<double> steps, IReadOnlyList<double> losses, IReadOnlyList<double> epochs, IReadOnlyList<double> validationIoU)
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

        plot.ShowLegend();
        plot.Title("Training");
        var temporary = path + ".tmp.png";
        plot.SavePng(temporary, 800, 450);
        File.Move(temporary, path, overwrite: true);
    }
}
