using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;

namespace UNetDsl.Benchmarks;

/// <summary>
/// The paper's network (572x572 in) on the CPU: its generated ONNX export in ONNX Runtime against the generated
/// TorchSharp module's Predict, with the same number of threads, in one process and one run.
/// </summary>
internal static class OnnxBenchmark
{
    public static void Run(int runs, int threads)
    {
        torch.set_num_threads(threads);
        torch.manual_seed(0);
        using var model = new PaperNet();
        model.PrepareForInference(ComputePrecision.Float32);
        var path = Path.Combine(Path.GetTempPath(), "unetdsl-bench-" + Guid.NewGuid().ToString("N")[..8] + ".onnx");
        try
        {
            var export = Stopwatch.StartNew();
            model.ExportOnnx(path);
            export.Stop();
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  exported {new FileInfo(path).Length / 1048576.0:0.0} MiB in {export.Elapsed.TotalSeconds:0.00} s"));

            using var input = torch.randn(PaperNet.InputShape(1));
            var values = input.data<float>().ToArray();
            using var options = new SessionOptions
            {
                IntraOpNumThreads = threads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            using var session = new InferenceSession(path, options);
            using var runOptions = new RunOptions();
            using var ortInput = OrtValue.CreateTensorValueFromMemory(values, input.shape);

            float[] RunOnnx()
            {
                using var results = session.Run(runOptions, new[] { "input" }, new[] { ortInput }, new[] { "output" });
                return results[0].GetTensorDataAsSpan<float>().ToArray();
            }

            float[] RunTorch()
            {
                using var scope = torch.NewDisposeScope();
                return model.Predict(input).data<float>().ToArray();
            }

            // Warm-up, and a check that both compute the same thing.
            var onnxOutput = RunOnnx();
            var torchOutput = RunTorch();
            var difference = onnxOutput.Zip(torchOutput, (a, b) => Math.Abs(a - b)).Max();

            // Interleaved so that a change in the shared machine's load touches both alike.
            var onnxTimes = new List<double>();
            var torchTimes = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                onnxTimes.Add(TwinBenchmark.Time(() => RunOnnx()));
                torchTimes.Add(TwinBenchmark.Time(() => RunTorch()));
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  run {i + 1}: ONNX Runtime {onnxTimes[^1]:0.000} s, TorchSharp {torchTimes[^1]:0.000} s"));
            }

            var onnxMedian = TwinBenchmark.Median(onnxTimes);
            var torchMedian = TwinBenchmark.Median(torchTimes);
            Console.WriteLine($"PaperNet, 572x572 -> 388x388, batch 1, {threads} threads, CPU: median of {runs} runs after one warm-up each (ONNX Runtime {typeof(InferenceSession).Assembly.GetName().Version}, opset 17)");
            Console.WriteLine();
            Console.WriteLine("| engine | median (s) |");
            Console.WriteLine("| --- | ---: |");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| ONNX Runtime, generated ExportOnnx | {onnxMedian:0.000} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| TorchSharp, generated Predict | {torchMedian:0.000} |"));
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"TorchSharp / ONNX Runtime: {torchMedian / onnxMedian:0.00}x; max abs difference of the outputs: {difference:0.0e+0}"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
