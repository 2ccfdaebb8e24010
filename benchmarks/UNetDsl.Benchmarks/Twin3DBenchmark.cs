using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TorchSharp;
using UNetDsl.Inference;
using static TorchSharp.torch;

namespace UNetDsl.Benchmarks;

/// <summary>
/// The 3D networks generated against their hand-written twins (<see cref="HandWrittenUNet"/>) with the same weights:
/// the training step, and overlap-tile prediction of a volume larger than a tile through the library's
/// <see cref="OverlapTilePredictor"/> driving either network, timed alternately in this process; and the peak resident
/// memory of each, measured in a child process per network, variant and task, since peak RSS is per process.
/// </summary>
public static class Twin3DBenchmark
{
    /// <summary>SGD as in the 2D twin benchmark.</summary>
    private const double LearningRate = 1e-4;

    /// <summary>
    /// Every block over 128 KiB mmap'd and unmapped on free, as the memory command's main columns: RSS then follows live
    /// tensors, where UNetDsl's default allocator keeps freed memory and its peak varies from run to run with fragmentation.
    /// </summary>
    private static readonly Dictionary<string, string> LiveMemory = new()
    {
        ["UNETDSL_MALLOC"] = "system",
        ["MALLOC_MMAP_THRESHOLD_"] = "131072",
        ["MALLOC_TRIM_THRESHOLD_"] = "131072",
    };

    /// <summary>Tiles per forward pass: the predictor's default, which <see cref="VolumeSegmenter"/> uses.</summary>
    private const int TileBatch = 4;

    private static readonly Case[] Cases =
    {
        new(
            "cicek",
            "3D U-Net (Cicek), 19.1M parameters",
            Cicek3DNet.StaticGeometry,
            () => new Cicek3DNet(),
            () => new HandWrittenUNet(dimensions: 3, inChannels: 3, classes: 3, channels: new[] { 64, 128, 256, 512 }, batchNorm: true, keepUpChannels: true, doubleBeforePooling: true, dropout: 0),
            Cicek3DNet.InputShape(1),
            Volume: null,
            OutputTile: null,
            ContextMargin: null),
        new(
            "cicek-quarter",
            "3D U-Net (Cicek) at 1/4 channels, 1.2M parameters",
            Cicek3DQuarterNet.StaticGeometry,
            () => new Cicek3DQuarterNet(),
            () => new HandWrittenUNet(dimensions: 3, inChannels: 3, classes: 3, channels: new[] { 16, 32, 64, 128 }, batchNorm: true, keepUpChannels: true, doubleBeforePooling: true, dropout: 0),
            Cicek3DQuarterNet.InputShape(1),
            Volume: new long[] { 3, 64, 160, 160 },
            OutputTile: new[] { 36, 84, 84 },
            ContextMargin: null),
        new(
            "anisotropic",
            "anisotropic 3D ('Same', level 1 1x3x3 / pool 1x2x2), 0.3M parameters",
            Anisotropic3DNet.StaticGeometry,
            () => new Anisotropic3DNet(),
            () => new HandWrittenUNet(
                dimensions: 3, inChannels: 1, classes: 2, channels: new[] { 16, 32, 64 }, batchNorm: true, samePadding: true, dropout: 0,
                kernels: new[] { new[] { 1, 3, 3 }, new[] { 3, 3, 3 }, new[] { 3, 3, 3 } },
                pools: new[] { new[] { 1, 2, 2 }, new[] { 2, 2, 2 } }),
            Anisotropic3DNet.InputShape(1),
            Volume: new long[] { 1, 32, 256, 256 },
            OutputTile: new[] { 16, 128, 128 },
            ContextMargin: new[] { 4, 16, 16 }),
    };

    /// <summary>Measures every network and prints the table.</summary>
    /// <param name="trainRuns">Training steps per network and variant, after one warm-up step.</param>
    /// <param name="tileRuns">Overlap-tile predictions per network and variant, after one warm-up prediction.</param>
    /// <param name="threads">Torch threads, here and in the children.</param>
    /// <returns>The exit code.</returns>
    public static int Run(int trainRuns, int tileRuns, int threads)
    {
        torch.set_num_threads(threads);
        Console.WriteLine($"threads: {torch.get_num_threads()}; allocator: {NativeMemoryTuning.Status}");
        var matmulBefore = TwinBenchmark.MatmulGflops();

        // Children first, while this process is small: the machine holds a child's peak and this process's at once.
        var memory = new Dictionary<(string Key, string Variant, string Task), double>();
        var resting = new List<double>();
        foreach (var c in Cases)
        {
            foreach (var task in c.Volume is null ? new[] { "train" } : new[] { "train", "tiles" })
            {
                foreach (var variant in new[] { "generated", "handwritten" })
                {
                    Console.Error.WriteLine($"== child: {c.Key} {variant} {task}");
                    var result = Measurement.InChild(
                        new[] { "twin3dchild", "--network", c.Key, "--variant", variant, "--task", task, "--threads", threads.ToString(CultureInfo.InvariantCulture) },
                        LiveMemory);
                    if (result is null)
                    {
                        Console.Error.WriteLine($"twin3dchild failed: {c.Key} {variant} {task}.");
                        return 1;
                    }

                    memory[(c.Key, variant, task)] = result[0];
                    resting.Add(result[1]);
                }
            }
        }

        var rows = new List<string>();
        foreach (var c in Cases)
        {
            rows.Add(Compare(c, trainRuns, tileRuns, memory));
        }

        var matmulAfter = TwinBenchmark.MatmulGflops();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"float32 matmul 2048x2048: {matmulBefore:0.0} GFLOP/s before, {matmulAfter:0.0} after (median of 5)"));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Medians of {trainRuns} training steps (batch 1, cross-entropy, SGD momentum) and {tileRuns} overlap-tile predictions ({TileBatch} tiles per pass) after one warm-up each, generated and hand-written alternately; ratio = time generated / time hand-written; Mvox/s = output voxels per second. Peak RSS: VmHWM of a child process that builds one network and runs two training steps or one prediction, with glibc malloc mmap'ing every block over 128 KiB so that RSS follows live memory (resting RSS before the work: {resting.Min():0}-{resting.Max():0} MiB)."));
        Console.WriteLine();
        Console.WriteLine("| network | training input | training step generated (s) | hand-written (s) | ratio | loss diff, first step | volume | tile (input -> output) | tiles | overlap-tile generated (Mvox/s) | hand-written (Mvox/s) | ratio | prediction max abs diff | peak RSS training, generated / hand-written (MiB) | peak RSS overlap-tile, generated / hand-written (MiB) |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in rows)
        {
            Console.WriteLine(row);
        }

        return 0;
    }

    /// <summary>
    /// The child's side: builds one network and runs <paramref name="task"/> ("train": a warm-up and one more training
    /// step; "tiles": one overlap-tile prediction), then prints "RESULT peak-MiB resting-MiB seconds".
    /// </summary>
    public static void Child(string key, string variant, string task, int threads)
    {
        torch.set_num_threads(threads);
        var c = Cases.FirstOrDefault(x => x.Key == key) ?? throw new ArgumentException($"unknown network '{key}'; use {string.Join(", ", Cases.Select(x => x.Key))}");
        torch.manual_seed(0);

        // Only the network measured lives in this process; the hand-written one borrows the generated class's geometry.
        using nn.Module<Tensor, Tensor> model = variant switch
        {
            "generated" => c.Generated(),
            "handwritten" => new WithGeometry(c.HandWritten(), c.Geometry),
            _ => throw new ArgumentException($"unknown variant '{variant}'; use generated or handwritten"),
        };
        double resting;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        if (task == "train")
        {
            using var input = randn(c.TrainingInput);
            using var target = Target(c);
            using var optimizer = optim.SGD(model.parameters(), LearningRate, momentum: 0.99);
            model.train();
            resting = Measurement.ResidentMiB();
            for (var i = 0; i < 2; i++)
            {
                watch.Restart();
                Step(model, optimizer, input, target);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {key} {variant} training step {i}: {watch.Elapsed.TotalSeconds:0.000} s, peak RSS {Measurement.PeakRssMiB():0} MiB"));
            }
        }
        else
        {
            using var volume = rand(c.Volume!);
            var plan = Plan(c);
            resting = Measurement.ResidentMiB();
            using var scores = OverlapTilePredictor.Predict(model, volume, plan, TileBatch);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {key} {variant} overlap-tile: {watch.Elapsed.TotalSeconds:0.000} s, peak RSS {Measurement.PeakRssMiB():0} MiB"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {Measurement.PeakRssMiB()} {resting} {watch.Elapsed.TotalSeconds}"));
    }

    private static string Compare(Case c, int trainRuns, int tileRuns, Dictionary<(string, string, string), double> memory)
    {
        Console.Error.WriteLine($"== {c.Key}: training steps");
        torch.manual_seed(0);
        using var generated = c.Generated();
        using var handWritten = c.HandWritten();
        var geometry = c.Geometry;
        var generatedParameters = generated.parameters().Sum(p => p.numel());
        var handParameters = handWritten.parameters().Sum(p => p.numel());
        if (generatedParameters != handParameters)
        {
            throw new InvalidOperationException($"{c.Key}: the hand-written twin has {handParameters} parameters, the generated network {generatedParameters}.");
        }

        // Same weights and running statistics in both (the state_dict keys coincide; a strict load checks it).
        handWritten.load_state_dict(generated.state_dict());
        using var input = randn(c.TrainingInput);
        using var target = Target(c);
        generated.train();
        handWritten.train();
        using var optimizerGenerated = optim.SGD(generated.parameters(), LearningRate, momentum: 0.99);
        using var optimizerHand = optim.SGD(handWritten.parameters(), LearningRate, momentum: 0.99);
        var steps = (Generated: new List<double>(), Hand: new List<double>());
        var lossDifference = 0.0;
        for (var i = 0; i <= trainRuns; i++)
        {
            // Alternately first, so that neither always runs on the other's warm caches or freed memory.
            var (lossGenerated, timeGenerated, lossHand, timeHand) = Alternate(
                i,
                () => Step(generated, optimizerGenerated, input, target),
                () => Step(handWritten, optimizerHand, input, target));
            if (i == 0)
            {
                lossDifference = Math.Abs(lossGenerated - lossHand);
            }
            else
            {
                steps.Generated.Add(timeGenerated);
                steps.Hand.Add(timeHand);
            }

            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  step {i}: generated {timeGenerated:0.000} s, hand-written {timeHand:0.000} s"));
        }

        var trainGenerated = TwinBenchmark.Median(steps.Generated);
        var trainHand = TwinBenchmark.Median(steps.Hand);
        var row = string.Create(CultureInfo.InvariantCulture,
            $"| {c.Name} | {string.Join("x", c.TrainingInput.Skip(2))} | {trainGenerated:0.000} | {trainHand:0.000} | {trainGenerated / trainHand:0.00} | {lossDifference:0.0e+0} |");
        var trainMemory = string.Create(CultureInfo.InvariantCulture,
            $"{memory[(c.Key, "generated", "train")]:0} / {memory[(c.Key, "handwritten", "train")]:0}");
        if (c.Volume is null)
        {
            return row + $" - | - | - | - | - | - | - | {trainMemory} | - |";
        }

        Console.Error.WriteLine($"== {c.Key}: overlap-tile prediction");

        // The training steps moved both networks apart by rounding; predict with one set of weights again.
        handWritten.load_state_dict(generated.state_dict());
        using var twin = new WithGeometry(handWritten, geometry);
        using var volume = rand(c.Volume);
        var plan = Plan(c);
        var tiles = 1L;
        for (var axis = 0; axis < geometry.Dimensions; axis++)
        {
            tiles *= (c.Volume[axis + 1] + plan.Axes[axis].Output - 1) / plan.Axes[axis].Output;
        }

        var times = (Generated: new List<double>(), Hand: new List<double>());
        var predictionDifference = 0.0;
        for (var i = 0; i <= tileRuns; i++)
        {
            Tensor? first = null;
            Tensor? second = null;
            var (_, timeGenerated, _, timeHand) = Alternate(
                i,
                () =>
                {
                    first = OverlapTilePredictor.Predict(generated, volume, plan, TileBatch);
                    return 0;
                },
                () =>
                {
                    second = OverlapTilePredictor.Predict(twin, volume, plan, TileBatch);
                    return 0;
                });
            if (i == 0)
            {
                using var scope = NewDisposeScope();
                predictionDifference = (first! - second!).abs().max().item<float>();
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  prediction: [{string.Join(", ", first!.shape)}], max abs {first!.abs().max().item<float>():0.000}, max abs diff {predictionDifference:0.0e+0}"));
            }
            else
            {
                times.Generated.Add(timeGenerated);
                times.Hand.Add(timeHand);
            }

            first!.Dispose();
            second!.Dispose();
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  overlap-tile {i}: generated {timeGenerated:0.000} s, hand-written {timeHand:0.000} s"));
        }

        var megavoxels = c.Volume.Skip(1).Aggregate(1.0, (product, size) => product * size) / 1e6;
        var tileGenerated = TwinBenchmark.Median(times.Generated);
        var tileHand = TwinBenchmark.Median(times.Hand);
        return row + string.Create(CultureInfo.InvariantCulture,
            $" {string.Join("x", c.Volume)} | {string.Join("x", plan.Axes.Select(a => a.Input))} -> {string.Join("x", plan.Axes.Select(a => a.Output))} | {tiles} | {megavoxels / tileGenerated:0.000} | {megavoxels / tileHand:0.000} | {tileGenerated / tileHand:0.00} | {predictionDifference:0.0e+0} | {trainMemory} | {memory[(c.Key, "generated", "tiles")]:0} / {memory[(c.Key, "handwritten", "tiles")]:0} |");
    }

    /// <summary>Runs both, the generated first on even runs and the hand-written first on odd ones; their results and seconds.</summary>
    private static (double, double, double, double) Alternate(int run, Func<double> generated, Func<double> handWritten)
    {
        double resultGenerated = 0, resultHand = 0, timeGenerated, timeHand;
        if (run % 2 == 0)
        {
            timeGenerated = TwinBenchmark.Time(() => resultGenerated = generated());
            timeHand = TwinBenchmark.Time(() => resultHand = handWritten());
        }
        else
        {
            timeHand = TwinBenchmark.Time(() => resultHand = handWritten());
            timeGenerated = TwinBenchmark.Time(() => resultGenerated = generated());
        }

        return (resultGenerated, timeGenerated, resultHand, timeHand);
    }

    /// <summary>One training step; the loss.</summary>
    private static double Step(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor input, Tensor target)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(model.call(input), target);
        loss.backward();
        optimizer.step();
        return loss.item<float>();
    }

    /// <summary>Random classes of the network's output for the training input.</summary>
    private static Tensor Target(Case c)
    {
        var geometry = c.Geometry;
        var shape = new long[geometry.Dimensions + 1];
        shape[0] = c.TrainingInput[0];
        for (var axis = 0; axis < geometry.Dimensions; axis++)
        {
            shape[axis + 1] = geometry.SizeRules[axis].OutputFor((int)c.TrainingInput[axis + 2]);
        }

        return randint(0, geometry.OutputChannels, shape, dtype: ScalarType.Int64);
    }

    private static TilePlan Plan(Case c) => TilePlan.For(c.Geometry, c.OutputTile, c.ContextMargin);

    /// <param name="Key">The name on the child's command line.</param>
    /// <param name="Name">The name in the table.</param>
    /// <param name="Geometry">The generated network's geometry, which plans the tiles for both.</param>
    /// <param name="Generated">Builds the generated network.</param>
    /// <param name="HandWritten">Builds its hand-written twin.</param>
    /// <param name="TrainingInput">The training batch's shape [N, C, D, H, W].</param>
    /// <param name="Volume">The volume [C, D, H, W] predicted tile by tile; null for no overlap-tile run.</param>
    /// <param name="OutputTile">The output tile wanted per axis (see <see cref="TilePlan.For"/>); null for the default.</param>
    /// <param name="ContextMargin">Context per side and axis for a 'Same' network; null for none.</param>
    private sealed record Case(
        string Key,
        string Name,
        UNetGeometry Geometry,
        Func<nn.Module<Tensor, Tensor>> Generated,
        Func<nn.Module<Tensor, Tensor>> HandWritten,
        long[] TrainingInput,
        long[]? Volume,
        int[]? OutputTile,
        int[]? ContextMargin);

    /// <summary>
    /// A hand-written network shown to <see cref="OverlapTilePredictor"/> with the generated network's geometry: the
    /// predictor reads channels, dimensions and the name from <see cref="IUNetModule.Geometry"/>, even when it is given
    /// a tile plan. Forward is the hand-written network's, unchanged.
    /// </summary>
    private sealed class WithGeometry : nn.Module<Tensor, Tensor>, IUNetModule
    {
        private readonly nn.Module<Tensor, Tensor> twin;

        public WithGeometry(nn.Module<Tensor, Tensor> handWritten, UNetGeometry geometry)
            : base(nameof(WithGeometry))
        {
            twin = handWritten;
            Geometry = geometry;
            RegisterComponents();
        }

        public UNetGeometry Geometry { get; }

        public string PyTorchTwinSource => throw new NotSupportedException("A hand-written network has no generated PyTorch source.");

        public bool PrepareForTraining(optim.Optimizer? optimizer = null)
        {
            train();
            return false;
        }

        public override Tensor forward(Tensor input) => twin.call(input);
    }
}
