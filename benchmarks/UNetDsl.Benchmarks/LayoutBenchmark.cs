using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Benchmarks;

/// <summary>
/// Memory format and threads for inference: the paper's network in the default NCHW layout (evaluation mode,
/// forward under inference mode), against the generated inference path (PrepareForInference's channels-last copies
/// of the convolutions, Predict's channels-last input), at 1 and 2 threads, in one run. TorchSharp 0.107 has no
/// memory-format API; a permute, contiguous, permute round trip gives channels-last strides.
/// </summary>
internal static class LayoutBenchmark
{
    public static void Run(int runs)
    {
        torch.manual_seed(0);
        using var model = new PaperNet();
        model.eval();
        using var input = torch.randn(PaperNet.InputShape(1));

        Tensor NchwForward(Tensor x)
        {
            using var inference = torch.inference_mode();
            return model.forward(x);
        }

        using var reference = NchwForward(input);
        var results = new List<(string Path, int Threads, double Median)>();
        foreach (var threads in new[] { 1, 2 })
        {
            torch.set_num_threads(threads);
            results.Add(("NCHW: eval, forward in inference mode", threads, Time(NchwForward, input, runs)));
        }

        model.PrepareForInference(ComputePrecision.Float32);
        double difference;
        using (var output = model.Predict(input))
        {
            difference = (output - reference).abs().max().item<float>();
        }

        foreach (var threads in new[] { 1, 2 })
        {
            torch.set_num_threads(threads);
            results.Add(("channels-last: PrepareForInference, Predict", threads, Time(model.Predict, input, runs)));
        }

        var baseline = results.First(r => r.Threads == 2).Median;
        Console.WriteLine($"PaperNet, 572x572 -> 388x388, batch 1: median of {runs} runs after one warm-up each");
        Console.WriteLine();
        Console.WriteLine("| inference path | threads | median (s) | speed vs NCHW, 2 threads |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (var (path, threads, median) in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {path} | {threads} | {median:0.000} | {baseline / median:0.00}x |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"max abs difference channels-last vs NCHW: {difference:0.0e+0}"));
    }

    private static double Time(Func<Tensor, Tensor> run, Tensor input, int runs)
    {
        var times = new List<double>();
        for (var i = 0; i <= runs; i++)
        {
            var watch = Stopwatch.StartNew();
            using (var scope = torch.NewDisposeScope())
            {
                run(input);
            }

            if (i > 0)
            {
                times.Add(watch.Elapsed.TotalSeconds);
            }
        }

        return TwinBenchmark.Median(times);
    }
}
