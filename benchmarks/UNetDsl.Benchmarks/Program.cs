using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using TorchSharp;
using UNetDsl;
using UNetDsl.Benchmarks;
using static TorchSharp.torch;

// Bench command. `allocator` compares glibc allocator settings; each runs in its own process because allocator
// settings are process-wide and GLIBC_TUNABLES is read at process start.
//   dotnet run -c Release --project benchmarks/UNetDsl.Benchmarks -- allocator [--inference N] [--train N]
//   dotnet run -c Release --project benchmarks/UNetDsl.Benchmarks -- twin [--3d] [--inference N] [--train N]
//   dotnet run -c Release --project benchmarks/UNetDsl.Benchmarks -- roofs   (FMA peak, 3x3 convolution roof in float32 and bfloat16, the CPU and its flags)
//   dotnet run -c Release --project benchmarks/UNetDsl.Benchmarks -- twin3d [--train N] [--inference N]   (3 and 3 unless given; --inference counts overlap-tile predictions)
//   dotnet run -c Release --project benchmarks/UNetDsl.Benchmarks -- weightmap
//   dotnet run -c Release --project benchmarks/UNetDsl.Benchmarks -- tiles [--runs N]   (3 unless given; one 572 tile against 2048x2048 and 1000x1000 images, edge-to-edge and default plans)
//   dotnet run -c Release --project benchmarks/UNetDsl.Benchmarks -- memory [--train N]
//   dotnet run -c Release --project benchmarks/UNetDsl.Benchmarks -- onnx [--runs N] [--threads N]   (2 threads unless given)
//   dotnet run -c Release --project benchmarks/UNetDsl.Benchmarks -- layout [--runs N]
//   dotnet run -c Release --project benchmarks/UNetDsl.Benchmarks -- precision [--inference N] [--train N] [--threads N]
//   dotnet run -c Release --project benchmarks/UNetDsl.Benchmarks -- inference [--inference N] [--precision fp32|bf16]   (for benchmarks/python/compare.sh)
//   (internal) ... -- measure --inference N --train N; memorystep --variant V --train N; twin3dchild --network K --variant V --task train|tiles;
//              tileschild --plan P --image N --batch B --runs R; tilescheck
var command = args.FirstOrDefault() ?? "allocator";
int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

var inferenceRuns = Option("--inference", 5);
var trainRuns = Option("--train", 3);
var threads = Option("--threads", Environment.ProcessorCount);

switch (command)
{
    case "measure":
        Measure(inferenceRuns, trainRuns, threads);
        return 0;
    case "allocator":
        return CompareAllocators(inferenceRuns, trainRuns, threads);
    case "inference":
        torch.set_num_threads(threads);
        PaperInference(inferenceRuns, PrecisionChoice.Parse(args.SkipWhile(a => a != "--precision").Skip(1).FirstOrDefault() ?? "fp32", "--precision"));
        return 0;
    case "tiles":
        return TileBenchmark.Run(Option("--runs", 3), threads);
    case "tileschild":
        torch.set_num_threads(threads);
        TileBenchmark.Child(args[Array.IndexOf(args, "--plan") + 1], Option("--image", 2048), Option("--batch", 1), Option("--runs", 3));
        return 0;
    case "tilescheck":
        torch.set_num_threads(threads);
        TileBenchmark.Check();
        return 0;
    case "weightmap":
        WeightMapBenchmark();
        return 0;
    case "memory":
        return CompareCheckpointing(trainRuns, threads);
    case "memorystep":
        MemoryStep(args[Array.IndexOf(args, "--variant") + 1], trainRuns, threads);
        return 0;
    case "onnx":
        OnnxBenchmark.Run(Option("--runs", 5), Option("--threads", 2));
        return 0;
    case "layout":
        LayoutBenchmark.Run(Option("--runs", 5));
        return 0;
    case "roofs":
        torch.set_num_threads(threads);
        foreach (var line in Roofs.Measure().Describe())
        {
            Console.WriteLine(line);
        }

        return 0;
    case "precision":
        torch.set_num_threads(threads);
        PrecisionBenchmark.Run(inferenceRuns, trainRuns);
        return 0;
    case "twin":
        torch.set_num_threads(threads);
        TwinBenchmark.Run(inferenceRuns, trainRuns, args.Contains("--3d"));
        return 0;
    case "twin3d":
        return Twin3DBenchmark.Run(Option("--train", 3), Option("--inference", 3), threads);
    case "twin3dchild":
        Twin3DBenchmark.Child(args[Array.IndexOf(args, "--network") + 1], args[Array.IndexOf(args, "--variant") + 1], args[Array.IndexOf(args, "--task") + 1], threads);
        return 0;
    default:
        Console.Error.WriteLine($"Unknown command '{command}'. Commands: allocator, memory, roofs, twin [--3d], twin3d, inference, onnx, layout, tiles, weightmap, measure, memorystep, twin3dchild, tileschild, tilescheck.");
        return 2;
}

static int CompareAllocators(int inferenceRuns, int trainRuns, int threads)
{
    var modes = new (string Name, string Description, Dictionary<string, string> Environment)[]
    {
        ("glibc defaults", "UNETDSL_MALLOC=system", new() { ["UNETDSL_MALLOC"] = "system" }),
        ("glibc hugetlb tunable", "UNETDSL_MALLOC=system GLIBC_TUNABLES=glibc.malloc.hugetlb=1", new() { ["UNETDSL_MALLOC"] = "system", ["GLIBC_TUNABLES"] = "glibc.malloc.hugetlb=1" }),
        ("UNetDsl default (mallopt)", "(nothing set)", new()),
    };
    var results = new List<(string Name, string Description, double Inference, double Train, double PeakRssMiB)>();
    foreach (var (name, description, environment) in modes)
    {
        Console.Error.WriteLine($"== {name}");
        var result = Measurement.InChild(
            new[] { "measure", "--inference", inferenceRuns.ToString(CultureInfo.InvariantCulture), "--train", trainRuns.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture) },
            environment);
        if (result is null)
        {
            Console.Error.WriteLine($"measure failed in mode '{name}'.");
            return 1;
        }

        results.Add((name, description, result[0], result[1], result[2]));
    }

    var baseline = results[0];
    Console.WriteLine($"PaperNet (572x572 -> 388x388, batch 1, {threads} threads): median seconds of {inferenceRuns} inference passes and {trainRuns} training steps after one warm-up each");
    Console.WriteLine();
    Console.WriteLine("| allocator | environment | inference (s) | vs defaults | training step (s) | vs defaults | peak RSS (MiB) |");
    Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    foreach (var r in results)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {r.Name} | `{r.Description}` | {r.Inference:0.000} | {baseline.Inference / r.Inference:0.00}x | {r.Train:0.000} | {baseline.Train / r.Train:0.00}x | {r.PeakRssMiB:0} |"));
    }

    return 0;
}

static void Measure(int inferenceRuns, int trainRuns, int threads)
{
    torch.set_num_threads(threads);
    torch.manual_seed(0);
    Console.Error.WriteLine("  " + NativeMemoryTuning.Status);
    using var model = new PaperNet();
    using var input = torch.randn(PaperNet.InputShape(1));
    using var target = torch.randint(0, 2, new long[] { 1, 388, 388 }, dtype: ScalarType.Int64);

    model.eval();
    var inference = new List<double>();
    for (var i = 0; i <= inferenceRuns; i++)
    {
        var watch = Stopwatch.StartNew();
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            model.call(input);
        }

        if (i > 0)
        {
            inference.Add(watch.Elapsed.TotalSeconds);
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  inference {i}: {watch.Elapsed.TotalSeconds:0.000} s"));
    }

    model.train();
    using var optimizer = torch.optim.SGD(model.parameters(), 0.01, momentum: 0.99);
    var train = new List<double>();
    for (var i = 0; i <= trainRuns; i++)
    {
        var watch = Stopwatch.StartNew();
        using (var scope = torch.NewDisposeScope())
        {
            optimizer.zero_grad();
            var loss = torch.nn.functional.cross_entropy(model.call(input), target);
            loss.backward();
            optimizer.step();
        }

        if (i > 0)
        {
            train.Add(watch.Elapsed.TotalSeconds);
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  training step {i}: {watch.Elapsed.TotalSeconds:0.000} s"));
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {TwinBenchmark.Median(inference)} {TwinBenchmark.Median(train)} {Measurement.PeakRssMiB()}"));
}

static void PaperInference(int runs, ComputePrecision precision)
{
    // The generated paper network's inference path, for benchmarks/python/compare.sh: prints "MEDIAN seconds".
    torch.manual_seed(0);
    using var model = new PaperNet();
    model.PrepareForInference(precision);
    using var input = torch.randn(PaperNet.InputShape(1));
    var times = new List<double>();
    for (var i = 0; i <= runs; i++)
    {
        var watch = Stopwatch.StartNew();
        using (var scope = torch.NewDisposeScope())
        {
            model.Predict(input);
        }

        if (i > 0)
        {
            times.Add(watch.Elapsed.TotalSeconds);
        }
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MEDIAN {TwinBenchmark.Median(times):0.000}"));
}

static void WeightMapBenchmark()
{
    // A 512x512 image with several hundred touching cells, the size of an ISBI 2012 slice.
    var sample = UNetDsl.Data.SyntheticCells.Generate(3, 512, 512, meanCellDiameter: 22);
    var cells = sample.Instances.Where(l => l > 0).Distinct().Count();
    var times = new List<double>();
    for (var i = 0; i < 8; i++)
    {
        var watch = Stopwatch.StartNew();
        UNetDsl.Training.WeightMap.Compute(sample.Instances, 512, 512);
        if (i > 0)
        {
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"weight map, 512x512, {cells} cells: median {TwinBenchmark.Median(times):0.0} ms of {times.Count} runs (min {times.Min():0.0}, max {times.Max():0.0})"));
}

static int CompareCheckpointing(int trainRuns, int threads)
{
    var variants = new (string Name, string Levels)[]
    {
        ("plain", "none"),
        ("checkpoint1", "1"),
        ("checkpoint12", "1, 2"),
        ("checkpointAll", "1, 2, 3, 4"),
    };
    var results = new List<(string Levels, double Step, double Resting, double Peak, double AfterForward, double DefaultPeak)>();
    foreach (var (name, levels) in variants)
    {
        Console.Error.WriteLine($"== {name}");
        var arguments = new[] { "memorystep", "--variant", name, "--train", trainRuns.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture) };

        // Every large block mmap'd and returned on free, so that resident memory follows live tensors; the
        // product's default allocator keeps freed memory for reuse, so its peak is the heap's high-water mark,
        // fragmentation included: measured too, in a second process, as what a user of the defaults sees.
        var live = Measurement.InChild(arguments, new Dictionary<string, string> { ["UNETDSL_MALLOC"] = "system", ["MALLOC_MMAP_THRESHOLD_"] = "131072", ["MALLOC_TRIM_THRESHOLD_"] = "131072" });
        var defaults = Measurement.InChild(arguments, new Dictionary<string, string>());
        if (live is null || defaults is null)
        {
            Console.Error.WriteLine($"memorystep failed for '{name}'.");
            return 1;
        }

        results.Add((levels, live[0], live[1], live[2], live[3], defaults[2]));
    }

    var baseline = results[0];
    Console.WriteLine($"PaperNet training step (572x572 -> 388x388, batch 1, SGD momentum, {threads} threads): median of {trainRuns} steps after one warm-up; each variant in its own process, glibc malloc with every block over 128 KiB mmap'd (UNETDSL_MALLOC=system MALLOC_MMAP_THRESHOLD_=131072) so that RSS follows live memory; the last two columns from a second process with UNetDsl's default allocator");
    Console.WriteLine();
    Console.WriteLine("| checkpointed levels | training step (s) | time vs plain | resting RSS (MiB) | held after forward (MiB) | forward memory saved | peak RSS (MiB) | peak above resting (MiB) | peak RSS saved | activation peak saved | peak RSS, default allocator (MiB) | saved |");
    Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    foreach (var r in results)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {r.Levels} | {r.Step:0.000} | {r.Step / baseline.Step:0.00}x | {r.Resting:0} | {r.AfterForward - r.Resting:0} | {1 - ((r.AfterForward - r.Resting) / (baseline.AfterForward - baseline.Resting)):P0} | {r.Peak:0} | {r.Peak - r.Resting:0} | {1 - (r.Peak / baseline.Peak):P0} | {1 - ((r.Peak - r.Resting) / (baseline.Peak - baseline.Resting)):P0} | {r.DefaultPeak:0} | {1 - (r.DefaultPeak / baseline.DefaultPeak):P0} |"));
    }

    return 0;
}

static void MemoryStep(string variant, int trainRuns, int threads)
{
    torch.set_num_threads(threads);
    torch.manual_seed(0);
    using nn.Module<Tensor, Tensor> model = variant switch
    {
        "plain" => new PaperNet(),
        "checkpoint1" => new PaperNetCheckpoint1(),
        "checkpoint12" => new PaperNetCheckpoint12(),
        "checkpointAll" => new PaperNetCheckpointAll(),
        _ => throw new ArgumentException($"unknown variant '{variant}'; use plain, checkpoint1, checkpoint12 or checkpointAll"),
    };
    using var input = torch.randn(PaperNet.InputShape(1));
    using var target = torch.randint(0, 2, new long[] { 1, 388, 388 }, dtype: ScalarType.Int64);
    model.train();
    using var optimizer = torch.optim.SGD(model.parameters(), 0.01, momentum: 0.99);

    // Resting: parameters, their gradients and the momentum buffers, which every variant holds alike.
    foreach (var parameter in model.parameters())
    {
        parameter.grad = torch.zeros_like(parameter);
    }

    optimizer.step();
    var resting = Measurement.ResidentMiB();
    var afterForward = resting;
    var steps = new List<double>();
    for (var i = 0; i <= trainRuns; i++)
    {
        var watch = Stopwatch.StartNew();
        using (var scope = torch.NewDisposeScope())
        {
            optimizer.zero_grad();
            var loss = torch.nn.functional.cross_entropy(model.call(input), target);
            afterForward = Measurement.ResidentMiB();
            loss.backward();
            optimizer.step();
        }

        if (i > 0)
        {
            steps.Add(watch.Elapsed.TotalSeconds);
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  training step {i}: {watch.Elapsed.TotalSeconds:0.000} s, peak RSS {Measurement.PeakRssMiB():0} MiB"));
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {TwinBenchmark.Median(steps)} {resting} {Measurement.PeakRssMiB()} {afterForward}"));
}
