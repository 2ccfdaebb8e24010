using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Benchmarks;

/// <summary>
/// Generated network against its hand-written twin, measured alternately in one process (same allocator, same
/// threads), with the same weights: inference and training-step medians, their ratio, the numerical difference,
/// and the achieved GFLOP/s against the measured roofs (<see cref="Roofs"/>).
/// </summary>
public static class TwinBenchmark
{
    public static void Run(int inferenceRuns, int trainRuns, bool threeD)
    {
        Console.WriteLine($"threads: {torch.get_num_threads()}; allocator: {NativeMemoryTuning.Status}");
        var roofs = Roofs.Measure();
        foreach (var line in roofs.Describe())
        {
            Console.WriteLine(line);
        }

        Console.WriteLine();
        Console.WriteLine("| network | input | inference generated (s) | hand-written (s) | ratio | training step generated (s) | hand-written (s) | ratio | max abs diff | generated GFLOP/s | of conv roof | of FMA peak |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        Compare("paper U-Net (2D)", () => new PaperNet(), () => new HandWrittenUNet(), PaperNet.InputShape(1), PaperNet.OutputShape(1), PaperNet.MultiplyAccumulates, inferenceRuns, trainRuns, roofs);
        Compare("paper U-Net + batch norm", () => new PaperBatchNormNet(), () => new HandWrittenUNet(batchNorm: true), PaperBatchNormNet.InputShape(1), PaperBatchNormNet.OutputShape(1), PaperBatchNormNet.MultiplyAccumulates, inferenceRuns, trainRuns, roofs);
        FoldedInference(inferenceRuns, roofs);
        if (threeD)
        {
            Compare(
                "3D U-Net (Cicek)", () => new Cicek3DNet(),
                () => new HandWrittenUNet(dimensions: 3, inChannels: 3, classes: 3, channels: new[] { 64, 128, 256, 512 }, batchNorm: true, keepUpChannels: true, doubleBeforePooling: true, dropout: 0),
                Cicek3DNet.InputShape(1), Cicek3DNet.OutputShape(1), Cicek3DNet.MultiplyAccumulates, Math.Max(1, inferenceRuns / 2), Math.Max(1, trainRuns / 2), roofs);
        }
    }

    private static void Compare(string name, Func<nn.Module<Tensor, Tensor>> generated, Func<nn.Module<Tensor, Tensor>> handWritten, long[] inputShape, long[] outputShape, long macs, int inferenceRuns, int trainRuns, Roofs roofs)
    {
        torch.manual_seed(0);
        using var a = generated();
        using var b = handWritten();
        var generatedParameters = a.parameters().Sum(p => p.numel());
        var handParameters = b.parameters().Sum(p => p.numel());
        if (generatedParameters != handParameters)
        {
            Console.Error.WriteLine($"{name}: the twin differs: {generatedParameters} vs {handParameters} parameters");
        }

        // Same weights in both (the state_dict keys coincide), so outputs must agree.
        b.load_state_dict(a.state_dict());
        using var input = randn(inputShape);
        using var target = randint(0, outputShape[1], new[] { outputShape[0] }.Concat(outputShape.Skip(2)).ToArray());
        a.eval();
        b.eval();
        double difference;
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            difference = (a.call(input) - b.call(input)).abs().max().item<float>();
        }

        var inference = (new List<double>(), new List<double>());
        for (var i = 0; i <= inferenceRuns; i++)
        {
            var first = Time(() => Infer(a, input));
            var second = Time(() => Infer(b, input));
            if (i > 0)
            {
                inference.Item1.Add(first);
                inference.Item2.Add(second);
            }
        }

        a.train();
        b.train();
        using var optimizerA = torch.optim.SGD(a.parameters(), 1e-4, momentum: 0.99);
        using var optimizerB = torch.optim.SGD(b.parameters(), 1e-4, momentum: 0.99);
        var training = (new List<double>(), new List<double>());
        for (var i = 0; i <= trainRuns; i++)
        {
            var first = Time(() => Step(a, optimizerA, input, target));
            var second = Time(() => Step(b, optimizerB, input, target));
            if (i > 0)
            {
                training.Item1.Add(first);
                training.Item2.Add(second);
            }
        }

        var gi = Median(inference.Item1);
        var hi = Median(inference.Item2);
        var gt = Median(training.Item1);
        var ht = Median(training.Item2);
        var gflops = 2.0 * macs / gi / 1e9;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {string.Join("x", inputShape.Skip(2))} | {gi:0.000} | {hi:0.000} | {gi / hi:0.00} | {gt:0.000} | {ht:0.000} | {gt / ht:0.00} | {difference:0.0e+0} | {gflops:0.0} | {gflops / roofs.ConvFloat32:0%} | {gflops / roofs.FmaPeak:0%} |"));
    }

    /// <summary>The inference path the generator emits (batch norm folded, inference mode) against the plain forward.</summary>
    private static void FoldedInference(int runs, Roofs roofs)
    {
        torch.manual_seed(0);
        using var plain = new PaperBatchNormNet();
        using var folded = new PaperBatchNormNet();
        using var hand = new HandWrittenUNet(batchNorm: true);
        folded.load_state_dict(plain.state_dict());
        hand.load_state_dict(plain.state_dict());
        plain.eval();
        hand.eval();
        folded.PrepareForInference(ComputePrecision.Float32);
        using var input = randn(PaperBatchNormNet.InputShape(1));
        double difference;
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            difference = (folded.Predict(input) - plain.call(input)).abs().max().item<float>();
        }

        var times = (new List<double>(), new List<double>(), new List<double>());
        for (var i = 0; i <= runs; i++)
        {
            var a = Time(() => Infer(plain, input));
            var b = Time(() =>
            {
                using var scope = NewDisposeScope();
                folded.Predict(input);
            });
            var c = Time(() => Infer(hand, input));
            if (i > 0)
            {
                times.Item1.Add(a);
                times.Item2.Add(b);
                times.Item3.Add(c);
            }
        }

        Console.WriteLine();
        // The achieved rate of the inference path users run, from the multiply-accumulates the compiler counts.
        var gflops = 2.0 * PaperBatchNormNet.MultiplyAccumulates / Median(times.Item2) / 1e9;
        Console.WriteLine("| paper U-Net + batch norm, inference | plain forward (s) | PrepareForInference + Predict (s) | hand-written (s) | folded / hand-written | max abs diff folded vs plain | Predict GFLOP/s | of conv roof | of FMA peak |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| 572x572 | {Median(times.Item1):0.000} | {Median(times.Item2):0.000} | {Median(times.Item3):0.000} | {Median(times.Item2) / Median(times.Item3):0.00} | {difference:0.0e+0} | {gflops:0.0} | {gflops / roofs.ConvFloat32:0%} | {gflops / roofs.FmaPeak:0%} |"));
    }

    private static void Infer(nn.Module<Tensor, Tensor> model, Tensor input)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        model.call(input);
    }

    private static void Step(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor input, Tensor target)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        nn.functional.cross_entropy(model.call(input), target).backward();
        optimizer.step();
    }

    /// <summary>GFLOP/s of a float32 2048x2048 matmul, median of 5 after a warm-up: the machine's speed at the time.</summary>
    public static double MatmulGflops()
    {
        using var x = randn(2048, 2048);
        using var y = randn(2048, 2048);
        var times = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            var t = Time(() =>
            {
                using var z = x.matmul(y);
            });
            if (i > 0)
            {
                times.Add(t);
            }
        }

        return 2.0 * 2048 * 2048 * 2048 / Median(times) / 1e9;
    }

    /// <summary>Seconds <paramref name="action"/> takes, once.</summary>
    public static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }

    public static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
