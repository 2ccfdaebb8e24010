using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TorchSharp;
using UNetDsl.Layers;
using UNetDsl.Training;
using static TorchSharp.torch;

namespace UNetDsl.Benchmarks;

/// <summary>
/// float32 against bfloat16, measured alternately in one process with the same weights: the paper network's
/// <c>PrepareForInference</c> + <c>Predict</c> in each precision and a training step in float32 and in bfloat16 mixed
/// precision, the generated network beside its hand-written twin given the same bfloat16 treatment (a bfloat16 copy
/// for compute, float32 master weights), with the roofs of the CPU it ran on.
/// </summary>
public static class PrecisionBenchmark
{
    public static void Run(int inferenceRuns, int trainRuns)
    {
        var roofs = Roofs.Measure();
        foreach (var line in roofs.Describe())
        {
            Console.WriteLine(line);
        }

        Console.WriteLine($"Auto chooses {PrecisionChoice.Describe(PrecisionChoice.Resolve(ComputePrecision.Auto))}.");
        Console.WriteLine();
        Inference(inferenceRuns);
        Console.WriteLine();
        Training(trainRuns);
    }

    private static void Inference(int runs)
    {
        manual_seed(0);
        using var full = new PaperNet();
        using var reduced = new PaperNet();
        using var handFull = new HandWrittenUNet();
        using var handReduced = new HandWrittenUNet();
        reduced.load_state_dict(full.state_dict());
        handFull.load_state_dict(full.state_dict());
        handReduced.load_state_dict(full.state_dict());
        full.PrepareForInference(ComputePrecision.Float32);
        reduced.PrepareForInference(ComputePrecision.BFloat16);
        handFull.eval();
        handReduced.eval();
        handReduced.to(ScalarType.BFloat16);
        using var input = randn(PaperNet.InputShape(1));

        double difference, agreement;
        using (var scope = NewDisposeScope())
        {
            var a = full.Predict(input);
            var b = reduced.Predict(input);
            difference = (a - b).abs().max().item<float>();
            agreement = a.argmax(1).eq(b.argmax(1)).to_type(ScalarType.Float32).mean().item<float>();
        }

        var times = new[] { new List<double>(), new List<double>(), new List<double>(), new List<double>() };
        for (var i = 0; i <= runs; i++)
        {
            var measured = new[]
            {
                TwinBenchmark.Time(() => { using var s = NewDisposeScope(); full.Predict(input); }),
                TwinBenchmark.Time(() => { using var s = NewDisposeScope(); reduced.Predict(input); }),
                TwinBenchmark.Time(() => HandPredict(handFull, input, ScalarType.Float32)),
                TwinBenchmark.Time(() => HandPredict(handReduced, input, ScalarType.BFloat16)),
            };
            for (var k = 0; i > 0 && k < measured.Length; k++)
            {
                times[k].Add(measured[k]);
            }
        }

        var m = times.Select(TwinBenchmark.Median).ToArray();
        Console.WriteLine("| paper U-Net 572x572, inference | generated fp32 (s) | generated bf16 (s) | bf16 / fp32 | hand-written fp32 (s) | hand-written bf16 (s) | generated / hand-written fp32 | bf16 | max abs diff bf16 vs fp32 | argmax agreement |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| PrepareForInference + Predict | {m[0]:0.000} | {m[1]:0.000} | {m[1] / m[0]:0.00} | {m[2]:0.000} | {m[3]:0.000} | {m[0] / m[2]:0.00} | {m[1] / m[3]:0.00} | {difference:0.0e+0} | {agreement:0.0000} |"));
    }

    // The hand-written twin's inference: inference mode, a channels-last input in the network's type, float32 back.
    private static void HandPredict(nn.Module<Tensor, Tensor> model, Tensor input, ScalarType type)
    {
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        model.call(Layer.ToChannelsLast(input).to(type)).to(ScalarType.Float32).contiguous();
    }

    private static void Training(int runs)
    {
        manual_seed(0);
        using var full = new PaperNet();
        using var mixed = new PaperNet();
        using var handFull = new HandWrittenUNet();
        using var handMaster = new HandWrittenUNet();
        using var handCopy = new HandWrittenUNet();
        foreach (var network in new nn.Module[] { mixed, handFull, handMaster, handCopy })
        {
            network.load_state_dict(full.state_dict());
        }

        handCopy.to(ScalarType.BFloat16);
        using var input = randn(PaperNet.InputShape(1));
        using var target = randint(0, 2, new[] { 1L }.Concat(PaperNet.OutputShape(1).Skip(2)).ToArray());
        var networks = new nn.Module<Tensor, Tensor>[] { full, mixed, handFull, handMaster };
        var optimizers = networks.Select(n => (optim.Optimizer)optim.SGD(n.parameters(), 1e-4, momentum: 0.99)).ToArray();
        full.PrepareForTraining(optimizers[0]);
        mixed.PrepareForTraining(optimizers[1]);
        handFull.train();
        handMaster.train();
        handCopy.train();
        using var compute = new MixedPrecisionTraining(mixed);

        var steps = new Func<Tensor>[]
        {
            () => full.call(input),
            () => compute.Forward(input),
            () => handFull.call(input),
            () =>
            {
                // The twin's bfloat16 treatment, by hand: weights in, bfloat16 forward, float32 loss.
                handCopy.zero_grad();
                PrecisionCopies.CopyWeights(handMaster, handCopy);
                return handCopy.call(input.to(ScalarType.BFloat16)).to(ScalarType.Float32);
            },
        };
        var afterBackward = new Action[] { () => { }, compute.TakeGradients, () => { }, () => PrecisionCopies.CopyGradients(handCopy, handMaster) };

        var times = new[] { new List<double>(), new List<double>(), new List<double>(), new List<double>() };
        for (var i = 0; i <= runs; i++)
        {
            for (var k = 0; k < steps.Length; k++)
            {
                var time = TwinBenchmark.Time(() =>
                {
                    using var scope = NewDisposeScope();
                    optimizers[k].zero_grad();
                    nn.functional.cross_entropy(steps[k](), target).backward();
                    afterBackward[k]();
                    optimizers[k].step();
                });
                if (i > 0)
                {
                    times[k].Add(time);
                }
            }
        }

        foreach (var optimizer in optimizers)
        {
            optimizer.Dispose();
        }

        var m = times.Select(TwinBenchmark.Median).ToArray();
        Console.WriteLine("| paper U-Net 572x572, training step (SGD) | generated fp32 (s) | generated bf16 mixed (s) | bf16 / fp32 | hand-written fp32 (s) | hand-written bf16 mixed (s) | generated / hand-written fp32 | bf16 |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| forward + backward + step | {m[0]:0.000} | {m[1]:0.000} | {m[1] / m[0]:0.00} | {m[2]:0.000} | {m[3]:0.000} | {m[0] / m[2]:0.00} | {m[1] / m[3]:0.00} |"));
    }
}
