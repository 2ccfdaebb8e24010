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
        Console.WriteLine();
        Training(runs);
    }

    /// <summary>
    /// A training step (SGD) in each layout and number format: the same weights left NCHW or laid out channels-last
    /// (Layer.UseChannelsLastForTraining's layout, forced), in float32 and in bfloat16 (a network cast whole: the
    /// compute half of mixed precision), alternating step by step at 2 threads so all see the same machine.
    /// </summary>
    private static void Training(int runs)
    {
        torch.set_num_threads(2);
        torch.manual_seed(0);
        using var source = new PaperNet();
        using var input = torch.randn(PaperNet.InputShape(1));
        using var target = torch.randint(0, 2, new[] { 1L }.Concat(PaperNet.OutputShape(1).Skip(2)).ToArray());
        var variants = new List<(string Name, PaperNet Network, optim.Optimizer Optimizer, ScalarType Type)>();
        foreach (var type in new[] { ScalarType.Float32, ScalarType.BFloat16 })
        {
            foreach (var channelsLast in new[] { false, true })
            {
                var network = new PaperNet();
                network.load_state_dict(source.state_dict());
                network.to(type);
                network.train();
                var optimizer = torch.optim.SGD(network.parameters(), 1e-4, momentum: 0.99);
                if (channelsLast)
                {
                    UNetDsl.Layers.Layer.Relayout(network, optimizer, channelsLast: true);
                }

                variants.Add(($"{(type == ScalarType.Float32 ? "float32" : "bfloat16")}, {(channelsLast ? "channels-last" : "NCHW")}", network, optimizer, type));
            }
        }

        var times = variants.Select(_ => new List<double>()).ToArray();
        for (var i = 0; i <= runs; i++)
        {
            for (var k = 0; k < variants.Count; k++)
            {
                var (_, network, optimizer, type) = variants[k];
                var time = TwinBenchmark.Time(() =>
                {
                    using var scope = torch.NewDisposeScope();
                    optimizer.zero_grad();
                    using var typed = input.to(type);
                    nn.functional.cross_entropy(network.call(typed).to(ScalarType.Float32), target).backward();
                    optimizer.step();
                });
                if (i > 0)
                {
                    times[k].Add(time);
                }
            }
        }

        Console.WriteLine($"Training step (SGD), batch 1, 2 threads, alternating: median of {runs} steps after one warm-up each");
        Console.WriteLine();
        Console.WriteLine("| training layout | median (s) | speed vs NCHW, same type |");
        Console.WriteLine("| --- | ---: | ---: |");
        for (var k = 0; k < variants.Count; k++)
        {
            var nchw = TwinBenchmark.Median(times[k - (k % 2)]);
            var median = TwinBenchmark.Median(times[k]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {variants[k].Name} | {median:0.000} | {nchw / median:0.00}x |"));
        }

        Console.WriteLine($"UseChannelsLastForTraining chooses for float32: {UNetDsl.Layers.Layer.ChannelsLastTrainsFaster(ScalarType.Float32)}, for bfloat16: {UNetDsl.Layers.Layer.ChannelsLastTrainsFaster(ScalarType.BFloat16)}");
        foreach (var variant in variants)
        {
            variant.Optimizer.Dispose();
            variant.Network.Dispose();
        }
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
