using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Benchmarks;

/// <summary>
/// Memory format and threads for inference: the paper's network with its tensors in the default NCHW layout, and
/// with every convolution weight and the input in channels-last strides (TorchSharp 0.107 has no memory-format
/// API; a permute, contiguous, permute round trip gives the same strides), at 1 and 2 threads, in one run.
/// </summary>
internal static class LayoutBenchmark
{
    public static void Run(int runs)
    {
        torch.manual_seed(0);
        using var model = new PaperNet();
        model.PrepareForInference();
        using var input = torch.randn(PaperNet.InputShape(1));
        using var channelsLastInput = ChannelsLast(input);

        Tensor reference;
        using (torch.inference_mode())
        {
            reference = model.Predict(input).contiguous();
        }

        var results = new List<(string Layout, int Threads, double Median)>();
        foreach (var threads in new[] { 1, 2 })
        {
            torch.set_num_threads(threads);
            results.Add(("NCHW", threads, Time(model, input, runs)));
        }

        // Every 4-D weight to channels-last strides, in place, so the modules keep their parameters.
        using (torch.no_grad())
        {
            foreach (var parameter in model.parameters().Where(p => p.dim() == 4))
            {
                parameter.set_(ChannelsLast(parameter));
            }
        }

        double difference;
        using (torch.inference_mode())
        using (var output = model.Predict(channelsLastInput))
        {
            difference = (output.contiguous() - reference).abs().max().item<float>();
            Console.Error.WriteLine("  channels-last output strides: " + string.Join(", ", output.stride()));
        }

        foreach (var threads in new[] { 1, 2 })
        {
            torch.set_num_threads(threads);
            results.Add(("channels-last (weights and input)", threads, Time(model, channelsLastInput, runs)));
        }

        var baseline = results.First(r => r.Layout == "NCHW" && r.Threads == 2).Median;
        Console.WriteLine($"PaperNet Predict, 572x572 -> 388x388, batch 1: median of {runs} runs after one warm-up each");
        Console.WriteLine();
        Console.WriteLine("| layout | threads | median (s) | vs NCHW, 2 threads |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (var (layout, threads, median) in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {layout} | {threads} | {median:0.000} | {baseline / median:0.00}x |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"max abs difference channels-last vs NCHW: {difference:0.0e+0}"));
        reference.Dispose();
    }

    private static Tensor ChannelsLast(Tensor tensor)
    {
        using var permuted = tensor.permute(0, 2, 3, 1);
        using var packed = permuted.contiguous();
        return packed.permute(0, 3, 1, 2);
    }

    private static double Time(PaperNet model, Tensor input, int runs)
    {
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

        return TwinBenchmark.Median(times);
    }
}
