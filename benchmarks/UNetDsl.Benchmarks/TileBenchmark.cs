using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using TorchSharp;
using UNetDsl.Inference;
using static TorchSharp.torch;

namespace UNetDsl.Benchmarks;

/// <summary>
/// Overlap-tile throughput of the paper's network against one tile's: output pixels per second of one 572x572 tile
/// (388x388 out) through the generated <c>Predict</c>, and of whole 2048x2048 and 1000x1000 images through
/// <see cref="OverlapTilePredictor"/> with the paper's tiles laid edge to edge from 0 (the plan before tiles were put in
/// phase) and with the default plan (<see cref="TilePlan.Cheapest"/>). Each case runs in a child process of its own, so
/// that its peak resident memory is its own; a last child checks that the default plan stitches the same bits as
/// in-phase 572 tiles.
/// </summary>
public static class TileBenchmark
{
    private const int Seed = 0;

    private static readonly (string Plan, int Image, int Batch)[] Cases =
    {
        ("one-tile", 572, 1),
        ("edge-to-edge", 2048, 1),
        ("cheapest", 2048, 1),
        ("cheapest", 2048, 4),
        ("edge-to-edge", 1000, 1),
        ("cheapest", 1000, 1),
        ("cheapest", 1000, 4),
    };

    /// <summary>Runs every case in a child process and prints the CPU, the plans and a table of throughputs.</summary>
    /// <param name="runs">Timed runs per case; the median counts.</param>
    /// <param name="threads">Intra-op threads of each child.</param>
    /// <returns>0, or 1 when a child failed.</returns>
    public static int Run(int runs, int threads)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Roofs.CpuModel()} ({Roofs.CpuFlags()}), {threads} threads; PaperNet ('Valid', 572x572 -> 388x388), random weights; median of {runs} runs per case, each case in its own process"));
        Console.WriteLine();
        var results = new List<(string Plan, int Image, int Batch, double Seconds, double PeakMiB)>();
        foreach (var (plan, image, batch) in Cases)
        {
            Console.Error.WriteLine($"== {plan}, {image}x{image}, batch {batch}");
            var result = Measurement.InChild(ChildArguments("tileschild", plan, image, batch, runs, threads), new Dictionary<string, string>());
            if (result is null)
            {
                Console.Error.WriteLine($"tileschild failed for {plan} {image} {batch}.");
                return 1;
            }

            results.Add((plan, image, batch, result[0], result[1]));
        }

        var oneTile = results[0];
        var oneTileRate = 388.0 * 388 / oneTile.Seconds / 1e6;
        Console.WriteLine("| image | plan | tile in -> out, stride | tiles | batch | input px per output px | computed output not kept | median time (s) | output Mpx/s | vs one tile | peak RSS (MiB) |");
        Console.WriteLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| 572x572 tile | generated Predict | 572x572 -> 388x388 | 1 | 1 | {572.0 * 572 / (388 * 388):0.000} | 0% | {oneTile.Seconds:0.000} | {oneTileRate:0.0000} | 1.00 | {oneTile.PeakMiB:0} |"));
        foreach (var r in results.Skip(1))
        {
            var layout = TileLayout.Of(PaperNet.StaticGeometry, Plan(r.Plan, r.Image), [r.Image, r.Image]);
            var rate = (double)r.Image * r.Image / r.Seconds / 1e6;
            var tile = layout.Plan.Axes;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Image}x{r.Image} | {r.Plan} | {tile[0].Input}x{tile[1].Input} -> {tile[0].Output}x{tile[1].Output}, {tile[0].Stride}x{tile[1].Stride} | {layout.TileCount} | {r.Batch} | {layout.InputPerOutput:0.000} | {layout.WastedFraction:P1} | {r.Seconds:0.000} | {rate:0.0000} | {rate / oneTileRate:0.00} | {r.PeakMiB:0} |"));
        }

        Console.Error.WriteLine("== bit check, 1000x1000");
        var check = Measurement.InChild(ChildArguments("tilescheck", "cheapest", 1000, 4, 1, threads), new Dictionary<string, string>());
        if (check is null)
        {
            Console.Error.WriteLine("tilescheck failed.");
            return 1;
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"1000x1000, batches of 4: the default plan against in-phase 572 tiles (stride 384): max abs difference {check[0]:G3}, bit-identical: {(check[1] == 1 ? "yes" : "no")}; against 572 tiles edge to edge: max abs difference {check[2]:G3}."));
        return 0;
    }

    /// <summary>One case, in a child process: prints "RESULT median-seconds peak-RSS-MiB".</summary>
    /// <param name="plan">one-tile, edge-to-edge or cheapest.</param>
    /// <param name="image">The square image's side.</param>
    /// <param name="batch">Tiles per forward pass.</param>
    /// <param name="runs">Timed runs.</param>
    public static void Child(string plan, int image, int batch, int runs)
    {
        manual_seed(Seed);
        using var model = new PaperNet();
        model.PrepareForInference(ComputePrecision.Float32);
        var times = new List<double>();
        if (plan == "one-tile")
        {
            using var tile = randn(PaperNet.InputShape(1));
            for (var i = 0; i <= runs; i++)
            {
                var watch = Stopwatch.StartNew();
                using (var scope = NewDisposeScope())
                {
                    model.Predict(tile);
                }

                // The first pass creates oneDNN's primitives: a warm-up.
                if (i > 0)
                {
                    times.Add(watch.Elapsed.TotalSeconds);
                }
            }
        }
        else
        {
            using var pixels = rand(1, image, image);
            var tilePlan = Plan(plan, image);
            for (var i = 0; i < runs; i++)
            {
                var watch = Stopwatch.StartNew();
                using (var scope = NewDisposeScope())
                {
                    OverlapTilePredictor.Predict(model, pixels, tilePlan, batch);
                }

                times.Add(watch.Elapsed.TotalSeconds);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  run {i}: {watch.Elapsed.TotalSeconds:0.000} s"));
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {TwinBenchmark.Median(times)} {Measurement.PeakRssMiB()}"));
    }

    /// <summary>In a child process: the default plan's scores of a 1000x1000 image against in-phase 572 tiles and
    /// against edge-to-edge ones, batches of 4; prints "RESULT max-difference bit-identical(0/1) edge-to-edge-difference".</summary>
    public static void Check()
    {
        manual_seed(Seed);
        using var model = new PaperNet();
        model.PrepareForInference(ComputePrecision.Float32);
        using var pixels = rand(1, 1000, 1000);
        using var cheapest = OverlapTilePredictor.Predict(model, pixels, Plan("cheapest", 1000), batchSize: 4);
        using var inPhase = OverlapTilePredictor.Predict(model, pixels, TilePlan.For(PaperNet.StaticGeometry), batchSize: 4);
        using var edgeToEdge = OverlapTilePredictor.Predict(model, pixels, Plan("edge-to-edge", 1000), batchSize: 4);
        var difference = (cheapest - inPhase).abs().max().item<float>();
        var identical = cheapest.data<float>().SequenceEqual(inPhase.data<float>());
        var edgeDifference = (cheapest - edgeToEdge).abs().max().item<float>();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {difference} {(identical ? 1 : 0)} {edgeDifference}"));
    }

    // The paper's tiles laid edge to edge from 0 (stride = output, as before plans were put in phase), or the default.
    private static TilePlan Plan(string name, int image) =>
        name switch
        {
            "edge-to-edge" => new TilePlan([new AxisTile(572, 388, 92), new AxisTile(572, 388, 92)]),
            "cheapest" => TilePlan.Cheapest(PaperNet.StaticGeometry, [image, image]),
            _ => throw new ArgumentException($"Unknown tile plan '{name}'; use edge-to-edge or cheapest.", nameof(name)),
        };

    private static string[] ChildArguments(string command, string plan, int image, int batch, int runs, int threads) =>
        [command, "--plan", plan, "--image", Text(image), "--batch", Text(batch), "--runs", Text(runs), "--threads", Text(threads)];

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
