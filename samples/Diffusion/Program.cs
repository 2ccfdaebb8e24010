using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Diffusion;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

// Trains a small conditional DDPM denoiser on shapes it draws itself, then generates a grid of new ones.
//   dotnet run -c Release --project samples/Diffusion -- [--minutes 3] [--out runs/diffusion] [--seed 1]
double Option(string name, double fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? double.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

string Text(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}

var minutes = Option("--minutes", 3);
var output = Text("--out", Path.Combine("runs", "diffusion"));
var seed = (int)Option("--seed", 1);
Directory.CreateDirectory(output);
torch.manual_seed(seed);
var random = new Random(seed);

using var model = new ShapeDenoiser();
using var ddpm = new Ddpm(steps: 200);
using var optimizer = torch.optim.Adam(model.parameters(), lr: 2e-3);
Console.WriteLine(ShapeDenoiser.Summary());
Console.WriteLine($"Training for {minutes:0.#} min on {torch.get_num_threads()} threads; pictures go to {Path.GetFullPath(output)}");

var clock = Stopwatch.StartNew();
var step = 0;
var smoothed = double.NaN;
var losses = new System.Collections.Generic.List<double>();
model.train();
while (clock.Elapsed.TotalMinutes < minutes)
{
    using var scope = torch.NewDisposeScope();
    var (images, context) = ShapeImages.Batch(random, 32);
    optimizer.zero_grad();
    var loss = ddpm.Loss(model, images, context);
    loss.backward();
    optimizer.step();
    var value = loss.item<float>();
    losses.Add(value);
    smoothed = double.IsNaN(smoothed) ? value : (0.98 * smoothed) + (0.02 * value);
    step++;
    if (step % 20 == 0)
    {
        var rate = step / clock.Elapsed.TotalSeconds;
        Console.Write($"\rstep {step,6}  loss {smoothed:0.0000}  {rate:0.0} steps/s  {clock.Elapsed:mm\\:ss} / {TimeSpan.FromMinutes(minutes):mm\\:ss}   ");
    }
}

Console.WriteLine();
model.eval();
var classes = Enumerable.Range(0, 16).Select(i => i % ShapeImages.Classes.Length).ToArray();
using var sampleContext = ShapeImages.Context(classes);
using var samples = ddpm.Sample(model, sampleContext, ShapeImages.Size, done =>
{
    if (done % 20 == 0 || done == ddpm.Steps)
    {
        Console.Write($"\rsampling: step {done}/{ddpm.Steps}   ");
    }
});
Console.WriteLine();

var (reference, _) = ShapeImages.Batch(new Random(seed + 1), 16, classes);
var samplesPath = Path.Combine(output, "samples.png");
var referencePath = Path.Combine(output, "training-examples.png");
Grid.Save(samples, samplesPath);
Grid.Save(reference, referencePath);
File.WriteAllLines(Path.Combine(output, "loss.csv"), losses.Select((l, i) => string.Create(CultureInfo.InvariantCulture, $"{i + 1},{l}")).Prepend("step,loss"));
Console.WriteLine($"{step} steps, final loss {smoothed:0.0000}. Generated: {samplesPath} (rows of {string.Join(", ", ShapeImages.Classes)}); training examples: {referencePath}");

/// <summary>Writes a batch [16, 1, 32, 32] in [-1, 1] as a 4x4 grid, each image scaled up 4 times.</summary>
internal static class Grid
{
    public static void Save(Tensor images, string path)
    {
        const int Scale = 4;
        const int Columns = 4;
        var count = (int)images.shape[0];
        var side = (int)images.shape[2];
        var rows = (count + Columns - 1) / Columns;
        var pixels = images.clamp(-1, 1).add(1).mul(127.5).to_type(ScalarType.Byte).data<byte>().ToArray();
        var gap = 2;
        using var image = new Image<L8>((Columns * ((side * Scale) + gap)) + gap, (rows * ((side * Scale) + gap)) + gap, new L8(64));
        for (var n = 0; n < count; n++)
        {
            var left = gap + ((n % Columns) * ((side * Scale) + gap));
            var top = gap + ((n / Columns) * ((side * Scale) + gap));
            for (var y = 0; y < side * Scale; y++)
            {
                for (var x = 0; x < side * Scale; x++)
                {
                    image[left + x, top + y] = new L8(pixels[(n * side * side) + ((y / Scale) * side) + (x / Scale)]);
                }
            }
        }

        var temporary = path + ".tmp";
        image.SaveAsPng(temporary);
        File.Move(temporary, path, overwrite: true);
    }
}
