using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace UNetDsl.Training.Tests.Numerics;

/// <summary>
/// Every metric against an independent implementation: metrics_reference.py computes them with numpy, scipy and
/// scikit-image (adapted_rand_error, measure.label) from their published definitions, on label images generated here
/// with fixed seeds and handed over as .npy files.
/// </summary>
/// <remarks>
/// These tests need /usr/bin/python3 with numpy, scipy and skimage (Debian's python3-skimage, which
/// eng/setup-python-torch.sh installs); without them they fail, they do not skip.
/// </remarks>
public class MetricsReferenceTests
{
    private const string Python = "/usr/bin/python3";

    private readonly ITestOutputHelper _output;

    public MetricsReferenceTests(ITestOutputHelper output) => _output = output;

    /// <summary>An image pair: kind "classes" (class images) or "segments" (label images of segments).</summary>
    /// <param name="WhereSkimageIsNaN">For a case on which scikit-image's adapted_rand_error divides 0 by 0: the value
    /// UNetDsl documents instead.</param>
    private sealed record Case(string Name, string Kind, int Width, int Height, int Classes, int? Ignore, int[] Truth, int[] Predicted, double? WhereSkimageIsNaN = null);

    [Fact]
    public void Evaluation_reports_match_numpy_and_scikit_image()
    {
        var cases = ClassCases().ToList();
        var reference = Reference(cases);
        var check = new Checker();

        foreach (var c in cases)
        {
            var tally = new EvaluationAccumulator(c.Classes);
            tally.Add(c.Predicted, c.Truth, c.Width, c.Height, c.Ignore);
            var report = tally.Report();
            foreach (var scores in report.PerClass)
            {
                check.Close(reference[(c.Name, $"dice.{scores.Class}")], scores.Dice, $"{c.Name} Dice of class {scores.Class}");
                check.Close(reference[(c.Name, $"iou.{scores.Class}")], scores.IoU, $"{c.Name} IoU of class {scores.Class}");
                check.Close(double.IsNaN(reference[(c.Name, $"dice.{scores.Class}")]) ? 0 : 1, scores.Images, $"{c.Name} images scoring class {scores.Class}");
            }

            check.Close(reference[(c.Name, "pixel_error")], report.PixelError, $"{c.Name} pixel error");
            check.Close(reference[(c.Name, "rand_error")], report.RandError, $"{c.Name} Rand error");
            check.Close(reference[(c.Name, "adapted_rand_error")], report.AdaptedRandError, $"{c.Name} adapted Rand error");

            // The mask metrics of the 2-class cases (the foreground is class 1): the same figures from Metrics.
            if (c.Classes == 2 && c.Ignore is null)
            {
                var predicted = Metrics.ToMask(c.Predicted);
                var truth = Metrics.ToMask(c.Truth);
                var dice = reference[(c.Name, "dice.1")];
                var iou = reference[(c.Name, "iou.1")];

                // Metrics scores a class absent from both masks 1 where the report leaves it out.
                check.Close(double.IsNaN(dice) ? 1 : dice, Metrics.ForegroundDice(predicted, truth), $"{c.Name} Metrics.ForegroundDice");
                check.Close(double.IsNaN(iou) ? 1 : iou, Metrics.ForegroundIoU(predicted, truth), $"{c.Name} Metrics.ForegroundIoU");
                check.Close(reference[(c.Name, "pixel_error")], Metrics.PixelError(predicted, truth), $"{c.Name} Metrics.PixelError");
                check.Close(reference[(c.Name, "rand_error")], Metrics.RandError(predicted, truth, c.Width, c.Height), $"{c.Name} Metrics.RandError");
            }
        }

        foreach (var group in cases.GroupBy(c => c.Classes))
        {
            var tally = new EvaluationAccumulator(group.Key);
            foreach (var c in group)
            {
                tally.Add(c.Predicted, c.Truth, c.Width, c.Height, c.Ignore);
            }

            var report = tally.Report();
            var name = $"all{group.Key}";
            check.Close(reference[(name, "images")], report.Images, $"{name} images");
            foreach (var scores in report.PerClass)
            {
                check.Close(reference[(name, $"dice.{scores.Class}")], scores.Dice, $"{name} Dice of class {scores.Class}");
                check.Close(reference[(name, $"iou.{scores.Class}")], scores.IoU, $"{name} IoU of class {scores.Class}");
                check.Close(reference[(name, $"images.{scores.Class}")], scores.Images, $"{name} images scoring class {scores.Class}");
            }

            check.Close(reference[(name, "mean_foreground_dice")], report.MeanForegroundDice, $"{name} mean foreground Dice");
            check.Close(reference[(name, "mean_foreground_iou")], report.MeanForegroundIoU, $"{name} mean foreground IoU");
            check.Close(reference[(name, "pixel_error")], report.PixelError, $"{name} pixel error");
            check.Close(reference[(name, "rand_error")], report.RandError, $"{name} Rand error");
            check.Close(reference[(name, "adapted_rand_error")], report.AdaptedRandError, $"{name} adapted Rand error");
        }

        check.Done(_output);
    }

    [Fact]
    public void Rand_scores_of_label_images_match_the_definition_and_scikit_image()
    {
        var cases = SegmentCases().ToList();
        var reference = Reference(cases);
        var check = new Checker();

        foreach (var c in cases)
        {
            var score = Metrics.Rand(c.Predicted, c.Truth);
            check.Close(reference[(c.Name, "rand_split")], score.Split, $"{c.Name} Rand split");
            check.Close(reference[(c.Name, "rand_merge")], score.Merge, $"{c.Name} Rand merge");

            var skimage = reference[(c.Name, "adapted_rand_error")];
            var actual = Metrics.AdaptedRandError(c.Predicted, c.Truth);
            if (double.IsNaN(skimage))
            {
                Assert.True(c.WhereSkimageIsNaN.HasValue, $"scikit-image's adapted_rand_error is NaN on {c.Name}, which the test does not expect.");
                check.Close(c.WhereSkimageIsNaN.Value, actual, $"{c.Name} adapted Rand error (scikit-image: NaN)");
            }
            else
            {
                Assert.False(c.WhereSkimageIsNaN.HasValue, $"scikit-image's adapted_rand_error is {skimage} on {c.Name}, not NaN as the test expects.");
                check.Close(skimage, actual, $"{c.Name} adapted Rand error");
            }
        }

        check.Done(_output);
    }

    // ---- The cases -------------------------------------------------------------------------------------------------

    /// <summary>
    /// Class images with 2 and 3 classes: overlapping and touching ellipses and rectangles, predictions from exact to
    /// unrelated, with classes absent from the truth, the prediction or both, predicted background cutting through true
    /// cells, merged cells, and ignored pixels (255 in blocks, -1 scattered).
    /// </summary>
    private static IEnumerable<Case> ClassCases()
    {
        var random = new Random(2012);
        const int Variants = 10;
        for (var k = 0; k < 4 * Variants; k++)
        {
            var classes = 2 + (k % 2);
            var variant = k / 2 % Variants;
            var (w, h) = (random.Next(8, 41), random.Next(8, 41));

            // Variant 6 keeps the last class out of the truth (the prediction adds it); variant 7 keeps it out of both.
            var trueClasses = variant is 6 or 7 && classes == 3 ? 2 : classes;
            var truth = Blobs(random, w, h, trueClasses, random.Next(1, 8));
            int[] predicted;
            switch (variant)
            {
                case 0: // noise: 10% of the pixels take a random class
                    predicted = truth.Select(t => random.NextDouble() < 0.1 ? random.Next(classes) : t).ToArray();
                    break;
                case 1: // shifted by up to 2 pixels
                    predicted = Shift(truth, w, h, random.Next(-2, 3), random.Next(-2, 3));
                    break;
                case 2: // predicted background lines through the true cells, splitting them
                    predicted = CutLines(random, truth, w, h, random.Next(1, 4));
                    break;
                case 3: // dilated: touching cells merge
                    predicted = Grow(truth, w, h);
                    break;
                case 4: // eroded, then noise
                    predicted = Shrink(truth, w, h).Select(t => random.NextDouble() < 0.03 ? random.Next(classes) : t).ToArray();
                    break;
                case 5: // the last class is never predicted: it goes to background or to class 1
                    predicted = truth.Select(t => t == classes - 1 ? (random.NextDouble() < 0.5 ? 0 : classes - 2) : t).ToArray();
                    break;
                case 6: // a class the truth does not have (3 classes), or foreground where the truth has none (2)
                    predicted = Stamp(random, (int[])truth.Clone(), w, h, classes - 1, 2);
                    break;
                case 7: // 3 classes: class 2 in neither; 2 classes: the prediction has no foreground at all
                    predicted = classes == 3 ? CutLines(random, truth, w, h, 1) : new int[w * h];
                    break;
                case 8: // exact
                    predicted = (int[])truth.Clone();
                    break;
                default: // unrelated
                    predicted = Blobs(random, w, h, classes, random.Next(1, 8));
                    break;
            }

            int? ignore = null;
            if (k % 5 == 3)
            {
                ignore = 255;
                var (x0, y0) = (random.Next(w / 2), random.Next(h / 2));
                Fill(truth, w, x0, y0, x0 + random.Next(1, w / 2), y0 + random.Next(1, h / 2), 255);
            }
            else if (k % 7 == 5)
            {
                ignore = -1;
                for (var i = 0; i < truth.Length; i++)
                {
                    truth[i] = random.NextDouble() < 0.1 ? -1 : truth[i];
                }
            }

            // Enough true foreground for scikit-image's adapted Rand error to be defined (pixel pairs).
            if (truth.Count(t => t > 0 && t != ignore) < 4)
            {
                Fill(truth, w, w / 2 - 1, h / 2 - 1, w / 2 + 1, h / 2 + 1, 1);
            }

            yield return new Case($"classes{k:D2}_v{variant}", "classes", w, h, classes, ignore, truth, predicted);
        }
    }

    /// <summary>
    /// Label images of cells: Voronoi cells (touching, or parted by one-pixel borders) on a background, predictions
    /// renamed, merged, split, with background borders or holes, with segments over the true background, unrelated or
    /// empty; and three cases where scikit-image 0.19 returns NaN.
    /// </summary>
    private static IEnumerable<Case> SegmentCases()
    {
        var random = new Random(2015);
        for (var k = 0; k < 40; k++)
        {
            var (w, h) = (random.Next(10, 41), random.Next(10, 41));
            var truth = Voronoi(random, w, h, random.Next(2, 12));
            if (k % 3 != 0)
            {
                truth = Borders(truth, w, h, 0);
            }

            Stamp(random, truth, w, h, 0, 1);
            var cells = truth.Max();
            var predicted = (k % 8) switch
            {
                0 => Rename(random, truth),
                1 => truth.Select(t => t == 1 ? 2 : t).ToArray(), // merges cells 1 and 2
                2 => truth.Select((t, i) => t == 1 && i % w > w / 2 ? cells + 1 : t).ToArray(), // splits cell 1
                3 => Borders(Rename(random, truth), w, h, 1), // predicted background between the cells
                4 => truth.Select(t => t > 0 && random.NextDouble() < 0.15 ? 0 : t).ToArray(), // background holes in cells
                5 => truth.Select(t => t == 0 ? cells + 1 + random.Next(2) : t).ToArray(), // segments over the true background
                6 => Voronoi(random, w, h, random.Next(1, 12)), // unrelated
                _ => k == 7 ? new int[w * h] : Rename(random, Borders(Grow(truth, w, h), w, h, 0)),
            };

            yield return new Case($"segments{k:D2}", "segments", w, h, 0, null, truth, predicted);
        }

        // No pixel pairs in the true foreground: scikit-image divides 0 by 0, UNetDsl says "nothing to get wrong" (0).
        yield return new Case("no_true_foreground", "segments", 3, 2, 0, null, new int[6], new[] { 1, 1, 0, 2, 2, 2 }, 0);
        yield return new Case("one_true_pixel", "segments", 3, 2, 0, null, new[] { 0, 4, 0, 0, 0, 0 }, new[] { 1, 1, 0, 2, 2, 2 }, 0);

        // Pairs, but none in the same true and the same predicted segment: scikit-image 0.19 computes the F-score as
        // 2PR/(P+R) = 0/0; from 0.20 as sum p_ij^2 / (sum a_i^2 / 2 + sum b_j^2 / 2) = 0, an error of 1, as UNetDsl.
        yield return new Case("no_agreeing_pair", "segments", 3, 1, 0, null, new[] { 1, 0, 2 }, new[] { 5, 5, 5 }, 1);
    }

    private static int[] Blobs(Random random, int w, int h, int classes, int count)
    {
        var labels = new int[w * h];
        for (var b = 0; b < count; b++)
        {
            Stamp(random, labels, w, h, random.Next(1, classes), 1);
        }

        return labels;
    }

    /// <summary>Draws <paramref name="count"/> ellipses or rectangles of one value, each up to a third of the image.</summary>
    private static int[] Stamp(Random random, int[] labels, int w, int h, int value, int count)
    {
        for (var b = 0; b < count; b++)
        {
            var (cx, cy) = (random.Next(w), random.Next(h));
            var (rx, ry) = (random.Next(1, Math.Max(2, w / 3)), random.Next(1, Math.Max(2, h / 3)));
            var ellipse = random.Next(2) == 0;
            for (var y = Math.Max(0, cy - ry); y <= Math.Min(h - 1, cy + ry); y++)
            {
                for (var x = Math.Max(0, cx - rx); x <= Math.Min(w - 1, cx + rx); x++)
                {
                    var (dx, dy) = ((double)(x - cx) / rx, (double)(y - cy) / ry);
                    if (!ellipse || (dx * dx) + (dy * dy) <= 1)
                    {
                        labels[(y * w) + x] = value;
                    }
                }
            }
        }

        return labels;
    }

    private static void Fill(int[] labels, int w, int x0, int y0, int x1, int y1, int value)
    {
        var h = labels.Length / w;
        for (var y = Math.Max(0, y0); y <= Math.Min(h - 1, y1); y++)
        {
            for (var x = Math.Max(0, x0); x <= Math.Min(w - 1, x1); x++)
            {
                labels[(y * w) + x] = value;
            }
        }
    }

    private static int[] Shift(int[] labels, int w, int h, int dx, int dy)
    {
        var shifted = new int[labels.Length];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var (sx, sy) = (x - dx, y - dy);
                shifted[(y * w) + x] = sx >= 0 && sx < w && sy >= 0 && sy < h ? labels[(sy * w) + sx] : 0;
            }
        }

        return shifted;
    }

    /// <summary>Whole rows or columns of background through the image: they cut the cells they cross.</summary>
    private static int[] CutLines(Random random, int[] labels, int w, int h, int count)
    {
        var cut = (int[])labels.Clone();
        for (var l = 0; l < count; l++)
        {
            if (random.Next(2) == 0)
            {
                var y = random.Next(h);
                Fill(cut, w, 0, y, w - 1, y, 0);
            }
            else
            {
                var x = random.Next(w);
                Fill(cut, w, x, 0, x, h - 1, 0);
            }
        }

        return cut;
    }

    /// <summary>Every background pixel with a 4-neighbour in the foreground takes the first such neighbour's label.</summary>
    private static int[] Grow(int[] labels, int w, int h)
    {
        var grown = (int[])labels.Clone();
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] != 0)
            {
                continue;
            }

            foreach (var j in Neighbours(i, w, h))
            {
                if (labels[j] > 0)
                {
                    grown[i] = labels[j];
                    break;
                }
            }
        }

        return grown;
    }

    /// <summary>Every foreground pixel with a background 4-neighbour (or on the image edge) becomes background.</summary>
    private static int[] Shrink(int[] labels, int w, int h)
    {
        var shrunk = (int[])labels.Clone();
        for (var i = 0; i < labels.Length; i++)
        {
            var (x, y) = (i % w, i / w);
            if (x == 0 || y == 0 || x == w - 1 || y == h - 1 || Neighbours(i, w, h).Any(j => labels[j] == 0))
            {
                shrunk[i] = 0;
            }
        }

        return shrunk;
    }

    /// <summary>Background (0) on every pixel whose right or lower neighbour has another label; with
    /// <paramref name="thicker"/> 1 also on the pixel across.</summary>
    private static int[] Borders(int[] labels, int w, int h, int thicker)
    {
        var parted = (int[])labels.Clone();
        for (var i = 0; i < labels.Length; i++)
        {
            var (x, y) = (i % w, i / w);
            foreach (var j in new[] { x < w - 1 ? i + 1 : -1, y < h - 1 ? i + w : -1 })
            {
                if (j >= 0 && labels[j] != labels[i] && labels[j] != 0 && labels[i] != 0)
                {
                    parted[i] = 0;
                    if (thicker > 0)
                    {
                        parted[j] = 0;
                    }
                }
            }
        }

        return parted;
    }

    private static IEnumerable<int> Neighbours(int i, int w, int h)
    {
        var (x, y) = (i % w, i / w);
        if (x > 0)
        {
            yield return i - 1;
        }

        if (x < w - 1)
        {
            yield return i + 1;
        }

        if (y > 0)
        {
            yield return i - w;
        }

        if (y < h - 1)
        {
            yield return i + w;
        }
    }

    /// <summary>Cells 1..<paramref name="seeds"/>: every pixel takes the label of its nearest seed (ties to the first).</summary>
    private static int[] Voronoi(Random random, int w, int h, int seeds)
    {
        var points = Enumerable.Range(0, seeds).Select(_ => (X: random.Next(w), Y: random.Next(h))).ToArray();
        var labels = new int[w * h];
        for (var i = 0; i < labels.Length; i++)
        {
            var (x, y) = (i % w, i / w);
            var best = int.MaxValue;
            for (var s = 0; s < seeds; s++)
            {
                var d = ((points[s].X - x) * (points[s].X - x)) + ((points[s].Y - y) * (points[s].Y - y));
                if (d < best)
                {
                    best = d;
                    labels[i] = s + 1;
                }
            }
        }

        return labels;
    }

    /// <summary>The same segments under other, scattered names (0 stays background).</summary>
    private static int[] Rename(Random random, int[] labels)
    {
        var names = new Dictionary<int, int> { [0] = 0 };
        foreach (var label in labels.Distinct().Where(l => l != 0))
        {
            int name;
            do
            {
                name = random.Next(1, 1000);
            }
            while (names.ContainsValue(name));
            names[label] = name;
        }

        return labels.Select(l => names[l]).ToArray();
    }

    // ---- Running the reference -------------------------------------------------------------------------------------

    /// <summary>Runs metrics_reference.py on the cases: (case, key) -> value.</summary>
    private Dictionary<(string Case, string Key), double> Reference(IReadOnlyList<Case> cases)
    {
        RequireScikitImage();
        var folder = Directory.CreateTempSubdirectory("unetdsl-metrics-").FullName;
        try
        {
            var manifest = new StringBuilder();
            foreach (var c in cases)
            {
                WriteNpy(Path.Combine(folder, c.Name + ".truth.npy"), c.Truth, c.Width, c.Height);
                WriteNpy(Path.Combine(folder, c.Name + ".pred.npy"), c.Predicted, c.Width, c.Height);
                manifest.Append(CultureInfo.InvariantCulture, $"{c.Name} {c.Kind} {c.Width} {c.Height} {c.Classes} {(c.Ignore is { } i ? i.ToString(CultureInfo.InvariantCulture) : "-")}\n");
            }

            File.WriteAllText(Path.Combine(folder, "cases.txt"), manifest.ToString());
            var script = Path.Combine(AppContext.BaseDirectory, "Numerics", "metrics_reference.py");
            var (exitCode, output, errors) = Run(script, folder);
            _output.WriteLine(errors.Trim());
            Assert.True(exitCode == 0, $"{script} failed ({exitCode}):\n{errors}");

            var values = new Dictionary<(string, string), double>();
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = line.Split(' ');
                values[(parts[0], parts[1])] = parts[2] == "NaN" ? double.NaN : double.Parse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture);
            }

            return values;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void RequireScikitImage()
    {
        var (exitCode, _, errors) = Run("-c", "import numpy, scipy, skimage");
        Assert.True(exitCode == 0, $"{Python} cannot import numpy, scipy and skimage: these tests check UNetDsl's metrics against scikit-image. Run eng/setup-python-torch.sh (installs Debian's python3-skimage). {errors.Trim().Split('\n')[^1]}");
    }

    private static (int ExitCode, string Output, string Errors) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["OMP_NUM_THREADS"] = "1";
        start.Environment["OPENBLAS_NUM_THREADS"] = "1";
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{Python} did not start.");
        }
        catch (Win32Exception e)
        {
            return (-1, "", $"{Python} cannot be started: {e.Message}");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill();
                return (-1, "", $"{Python} did not finish in 2 minutes.");
            }

            process.WaitForExit();
            return (process.ExitCode, output.Result, errors.Result);
        }
    }

    /// <summary>A little-endian int32 array of shape (height, width) in NumPy's .npy format, version 1.0.</summary>
    private static void WriteNpy(string path, int[] values, int width, int height)
    {
        // Magic, version, header length, then a Python dict literal padded with spaces and a newline so that the data
        // starts on a multiple of 64 bytes.
        var header = $"{{'descr': '<i4', 'fortran_order': False, 'shape': ({height}, {width}), }}";
        var padded = header.PadRight(((10 + header.Length + 1 + 63) / 64 * 64) - 10 - 1) + "\n";
        using var file = new BinaryWriter(File.Create(path));
        file.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
        file.Write((ushort)padded.Length);
        file.Write(Encoding.ASCII.GetBytes(padded));
        foreach (var value in values)
        {
            file.Write(value);
        }
    }

    /// <summary>Collects every disagreement, then fails once listing them all.</summary>
    private sealed class Checker
    {
        private readonly List<string> _wrong = new();
        private int _checked;

        /// <summary>Equal to 1e-9 relative (both below 1e-12 counts as equal: rounding around 0), NaN equal to NaN.</summary>
        public void Close(double expected, double actual, string what)
        {
            _checked++;
            var same = double.IsNaN(expected) ? double.IsNaN(actual)
                : Math.Abs(expected - actual) <= 1e-9 * Math.Max(Math.Abs(expected), Math.Abs(actual))
                  || (Math.Abs(expected) < 1e-12 && Math.Abs(actual) < 1e-12);
            if (!same)
            {
                _wrong.Add(FormattableString.Invariant($"{what}: reference {expected:R}, UNetDsl {actual:R}"));
            }
        }

        public void Done(ITestOutputHelper output)
        {
            output.WriteLine($"{_checked} values compared.");
            Assert.True(_wrong.Count == 0, $"{_wrong.Count} of {_checked} values differ:\n" + string.Join("\n", _wrong));
        }
    }
}
