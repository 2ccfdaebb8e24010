using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using UNetDsl.Interop;
using UNetDsl.Layers;
using UNetDsl.Tests.Core;
using UNetDsl.Training;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Training;

/// <summary>
/// Two input channels, cropped skips and batch norm: the layout-sensitive steps of training. No dropout: it draws its
/// mask in memory order, so the same seed gives another (equally random) mask channels-last than in NCHW.
/// </summary>
[UNet(2, 3, Padding = ConvPadding.Valid, Normalization = Normalization.Batch)]
[Level(8)]
[Level(16)]
[Bottleneck(32)]
public partial class LayoutNet
{
}

/// <summary>The same in 3D: channels-last is NDHWC there.</summary>
[UNet(2, 2, Dimensions = 3, Padding = ConvPadding.Valid)]
[Level(4)]
[Level(8)]
[Bottleneck(8)]
public partial class LayoutNet3D
{
}

/// <summary>
/// The channels-last training layout (what PrepareForTraining chooses where it trains faster; forced here, so that every
/// CPU tests it): the training it does must be the NCHW network's (losses, gradients, optimiser steps and state), and
/// checkpoints, Module.save, the PyTorch twin's weights and the ONNX export must work as before.
/// </summary>
public sealed class ChannelsLastTrainingTests : IDisposable
{
    private const double Tolerance = 1e-5;

    private readonly string _folder = Directory.CreateTempSubdirectory("unetdsl-layout-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Tensor Input2D(int seed) => Input2D(seed, ScalarType.Float32);

    private static Tensor Input2D(int seed, ScalarType dtype) => rand(new long[] { 2, 2, LayoutNet.SizeRules[0].InputFor(12), LayoutNet.SizeRules[1].InputFor(20) }, dtype: dtype, generator: new Generator((ulong)seed));

    private static Tensor Input3D(int seed) => rand(new long[] { 1, 2, LayoutNet3D.SizeRules[0].InputFor(4), LayoutNet3D.SizeRules[1].InputFor(4), LayoutNet3D.SizeRules[2].InputFor(8) }, generator: new Generator((ulong)seed));

    /// <summary>One step on random targets.</summary>
    private static double Step(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor input, int seed)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var output = model.call(input);
        using var target = randint(0, output.shape[1], new[] { output.shape[0] }.Concat(output.shape.Skip(2)).ToArray(), generator: new Generator((ulong)seed));
        var loss = nn.functional.cross_entropy(output, target);
        loss.backward();
        optimizer.step();
        return loss.to_type(ScalarType.Float64).item<double>();
    }

    private static double MaxDifference(IEnumerable<Tensor> a, IEnumerable<Tensor> b) =>
        a.Zip(b).Max(p => (p.First - p.Second).abs().max().to_type(ScalarType.Float64).item<double>());

    private static IEnumerable<Tensor> Gradients(nn.Module module) => module.parameters().Select(p => p.grad!);

    /// <summary>Tensors whose two layouts differ: rank 4 or 5, more than one channel and more than one pixel.</summary>
    private static bool HasTwoLayouts(Tensor t) => t.dim() >= 4 && t.shape[1] > 1 && t.shape.Skip(2).Any(s => s > 1);

    private static IEnumerable<Parameter> ConvolutionWeights(nn.Module module) => module.parameters().Where(p => HasTwoLayouts(p));

    private static optim.Optimizer Optimizer(string kind, nn.Module module) =>
        kind == "sgd" ? Optimizers.Sgd(module.parameters(), 0.01) : (optim.Optimizer)Optimizers.Adam(module.parameters(), 1e-3);

    /// <summary>The optimiser's per-parameter state tensors (SGD's momentum, Adam's moments) of rank 4 and 5.</summary>
    private static List<Tensor> StateTensors(optim.Optimizer optimizer) =>
        ((OptimizerHelper)optimizer).state_dict().State
            .SelectMany(s => s.GetType().GetFields().Where(f => f.FieldType == typeof(Tensor)).Select(f => f.GetValue(s) as Tensor))
            .Where(t => t is not null && HasTwoLayouts(t))
            .Select(t => t!)
            .ToList();

    /// <summary>Training mode and the channels-last layout, whatever this CPU's PrepareForTraining would choose.</summary>
    private static void ForceChannelsLast(nn.Module model, optim.Optimizer? optimizer = null)
    {
        model.train();
        Layer.Relayout(model, optimizer, channelsLast: true);
    }

    /// <summary>True when this CPU's /proc/cpuinfo names AVX-512 (read here, apart from the library's own reading).</summary>
    private static bool CpuHasAvx512() =>
        File.Exists("/proc/cpuinfo") && File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("flags", StringComparison.Ordinal)).Split(' ').Contains("avx512f");

    private static void AssertTrainsLikeNchw<T>(Func<T> create, Func<int, Tensor> input, string optimizerKind, double tolerance = Tolerance)
        where T : nn.Module<Tensor, Tensor>, IUNetModule
    {
        torch.manual_seed(3);
        using var nchw = create();
        using var prepared = create();
        prepared.load_state_dict(nchw.state_dict());
        nchw.train();
        var before = prepared.parameters().ToList();

        ForceChannelsLast(prepared);

        var after = prepared.parameters().ToList();
        Assert.True(prepared.training);
        Assert.Equal(before.Count, after.Count);
        Assert.All(before.Zip(after), p => Assert.Same(p.First, p.Second));
        Assert.All(ConvolutionWeights(prepared), w => Assert.True(Layer.IsChannelsLast(w)));
        Assert.Equal(0, MaxDifference(nchw.parameters(), prepared.parameters()));

        // The optimisers are built after PrepareForTraining, as a training loop would.
        using var optimizerNchw = Optimizer(optimizerKind, nchw);
        using var optimizerPrepared = Optimizer(optimizerKind, prepared);
        for (var step = 0; step < 3; step++)
        {
            using var x = input(step);
            var lossNchw = Step(nchw, optimizerNchw, x, seed: 100 + step);
            var lossPrepared = Step(prepared, optimizerPrepared, x, seed: 100 + step);
            Assert.True(Math.Abs(lossNchw - lossPrepared) < tolerance, $"step {step}: loss {lossPrepared} against {lossNchw}");
            Assert.True(MaxDifference(Gradients(nchw), Gradients(prepared)) < tolerance, $"step {step}: gradients differ");
            Assert.True(MaxDifference(nchw.parameters(), prepared.parameters()) < tolerance, $"step {step}: parameters differ");
        }

        // Gradients and optimiser state follow the parameters' layout, so no step converts layouts.
        Assert.All(ConvolutionWeights(prepared), w => Assert.True(Layer.IsChannelsLast(w.grad!)));
        var state = StateTensors(optimizerPrepared);
        Assert.NotEmpty(state);
        Assert.All(state, t => Assert.True(Layer.IsChannelsLast(t)));
        Assert.True(MaxDifference(StateTensors(optimizerNchw), state) < tolerance, "optimiser state differs");
    }

    [Fact]
    public void Prepared_2D_network_trains_like_the_NCHW_one_with_SGD() =>
        AssertTrainsLikeNchw(() => new LayoutNet(), Input2D, "sgd");

    /// <summary>
    /// In float64: Adam's first steps move every weight by about the learning rate whatever the gradient's size, so a
    /// float32 rounding difference in a near-zero gradient can flip a step's sign; in float64 the layouts must agree.
    /// </summary>
    [Fact]
    public void Prepared_2D_network_trains_like_the_NCHW_one_with_Adam() =>
        AssertTrainsLikeNchw(() => new LayoutNet(dtype: ScalarType.Float64), seed => Input2D(seed, ScalarType.Float64), "adam", tolerance: 1e-10);

    [Fact]
    public void Prepared_3D_network_trains_like_the_NCHW_one() =>
        AssertTrainsLikeNchw(() => new LayoutNet3D(), Input3D, "sgd");

    [Fact]
    public void An_optimiser_with_state_is_laid_out_with_the_network()
    {
        torch.manual_seed(4);
        using var nchw = new LayoutNet();
        using var prepared = new LayoutNet();
        prepared.load_state_dict(nchw.state_dict());
        using var optimizerNchw = Optimizers.Sgd(nchw.parameters(), 0.01);
        using var optimizerPrepared = Optimizers.Sgd(prepared.parameters(), 0.01);
        using (var x = Input2D(0))
        {
            Step(nchw, optimizerNchw, x, seed: 1);
            Step(prepared, optimizerPrepared, x, seed: 1);
        }

        ForceChannelsLast(prepared, optimizerPrepared);

        Assert.All(StateTensors(optimizerPrepared), t => Assert.True(Layer.IsChannelsLast(t)));
        Assert.All(ConvolutionWeights(prepared), w => Assert.True(Layer.IsChannelsLast(w.grad!)));
        Assert.Equal(0, MaxDifference(StateTensors(optimizerNchw), StateTensors(optimizerPrepared)));
        using (var x = Input2D(1))
        {
            Step(nchw, optimizerNchw, x, seed: 2);
            Step(prepared, optimizerPrepared, x, seed: 2);
        }

        Assert.True(MaxDifference(nchw.parameters(), prepared.parameters()) < Tolerance);
    }

    [Fact]
    public void Checkpoint_of_a_prepared_network_round_trips_and_training_continues_exactly()
    {
        var path = Path.Combine(_folder, "prepared.unet");
        var info = new CheckpointInfo(nameof(LayoutNet), LayoutNet.ParameterCount, 1, 2, 1, new[] { 0.5 });
        torch.manual_seed(5);
        using var nchw = new LayoutNet();
        using var prepared = new LayoutNet();
        prepared.load_state_dict(nchw.state_dict());
        ForceChannelsLast(prepared);
        using var optimizerNchw = Optimizers.Sgd(nchw.parameters(), 0.01);
        using var optimizerPrepared = Optimizers.Sgd(prepared.parameters(), 0.01);
        for (var step = 0; step < 2; step++)
        {
            using var x = Input2D(step);
            Step(nchw, optimizerNchw, x, seed: step);
            Step(prepared, optimizerPrepared, x, seed: step);
        }

        Checkpoint.Save(path, prepared, optimizerPrepared, info);

        // Saving leaves the network and its optimiser laid out as they were.
        Assert.All(ConvolutionWeights(prepared), w => Assert.True(Layer.IsChannelsLast(w)));
        Assert.All(StateTensors(optimizerPrepared), t => Assert.True(Layer.IsChannelsLast(t)));

        // Into a plain network (NCHW), and into one prepared before loading.
        using var plain = new LayoutNet();
        using var plainOptimizer = Optimizers.Sgd(plain.parameters(), 0.01);
        Checkpoint.Load(path, plain, plainOptimizer);
        using var again = new LayoutNet();
        ForceChannelsLast(again);
        using var againOptimizer = Optimizers.Sgd(again.parameters(), 0.01);
        Checkpoint.Load(path, again, againOptimizer);
        Assert.All(plain.parameters(), p => Assert.True(p.is_contiguous()));
        Assert.All(ConvolutionWeights(again), w => Assert.True(Layer.IsChannelsLast(w)));
        Assert.All(StateTensors(againOptimizer), t => Assert.True(Layer.IsChannelsLast(t)));
        Assert.Equal(0, MaxDifference(prepared.parameters(), plain.parameters()));
        Assert.Equal(0, MaxDifference(prepared.parameters(), again.parameters()));

        // The same function as the NCHW network trained alongside, in evaluation mode...
        using (var x = Input2D(7))
        using (no_grad())
        {
            nchw.eval();
            using var expected = nchw.call(x);
            foreach (var model in new[] { prepared, plain, again })
            {
                model.eval();
                using var output = model.call(x);
                Assert.True((output - expected).abs().max().item<float>() < Tolerance);
                model.train();
            }

            nchw.train();
        }

        // ...and training continues from either as from the original (momentum included).
        for (var step = 2; step < 4; step++)
        {
            using var x = Input2D(step);
            Step(nchw, optimizerNchw, x, seed: step);
            Step(plain, plainOptimizer, x, seed: step);
            Step(again, againOptimizer, x, seed: step);
        }

        Assert.True(MaxDifference(nchw.parameters(), plain.parameters()) < Tolerance);
        Assert.True(MaxDifference(nchw.parameters(), again.parameters()) < Tolerance);
    }

    [Fact]
    public void Module_save_twin_weights_and_ONNX_export_work_on_a_prepared_network()
    {
        torch.manual_seed(6);
        using var nchw = new LayoutNet();
        using var prepared = new LayoutNet();
        prepared.load_state_dict(nchw.state_dict());
        ForceChannelsLast(prepared);

        // The twin's weights and the ONNX export copy each tensor contiguous: the same bytes as from the NCHW network.
        var weights = Path.Combine(_folder, "prepared.bin");
        PyTorchTwin.WriteWeights(weights, prepared.state_dict());
        PyTorchTwin.WriteWeights(Path.Combine(_folder, "nchw.bin"), nchw.state_dict());
        Assert.Equal(File.ReadAllBytes(Path.Combine(_folder, "nchw.bin")), File.ReadAllBytes(weights));
        prepared.eval();
        nchw.eval();
        prepared.ExportOnnx(Path.Combine(_folder, "prepared.onnx"));
        nchw.ExportOnnx(Path.Combine(_folder, "nchw.onnx"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_folder, "nchw.onnx")), File.ReadAllBytes(Path.Combine(_folder, "prepared.onnx")));

        // TorchSharp's own save reads raw bytes, which needs contiguous parameters.
        Layer.UseContiguousLayout(prepared);
        Assert.All(prepared.parameters(), p => Assert.True(p.is_contiguous()));
        var saved = Path.Combine(_folder, "prepared.dat");
        prepared.save(saved);
        using var loaded = new LayoutNet();
        loaded.load(saved);
        loaded.eval();
        using var x = Input2D(8);
        using var noGrad = no_grad();
        using var expected = nchw.call(x);
        using var output = loaded.call(x);
        Assert.True((output - expected).abs().max().item<float>() < Tolerance);
    }

    [Fact]
    public void PrepareForTraining_lays_out_channels_last_exactly_where_that_trains_faster()
    {
        // float32: channels-last only on CPUs without AVX-512; bfloat16 (the mixed-precision copy): always.
        Assert.Equal(!CpuHasAvx512(), Layer.ChannelsLastTrainsFaster(ScalarType.Float32));
        Assert.True(Layer.ChannelsLastTrainsFaster(ScalarType.BFloat16));
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
        {
            torch.manual_seed(8);
            using var network = new LayoutNet(dtype: dtype);
            using var optimizer = Optimizers.Sgd(network.parameters(), 0.01);
            using (var x = Input2D(0, dtype))
            {
                Step(network, optimizer, x, seed: 1);
            }

            network.eval();
            var before = network.parameters().ToList();
            var expected = Layer.ChannelsLastTrainsFaster(dtype);

            Assert.Equal(expected, network.PrepareForTraining(optimizer));

            Assert.True(network.training);
            Assert.All(before.Zip(network.parameters()), p => Assert.Same(p.First, p.Second));
            Assert.All(ConvolutionWeights(network), w => Assert.Equal(expected, Layer.IsChannelsLast(w)));
            Assert.All(ConvolutionWeights(network), w => Assert.Equal(expected, Layer.IsChannelsLast(w.grad!)));
            Assert.All(StateTensors(optimizer), t => Assert.Equal(expected, Layer.IsChannelsLast(t)));
        }
    }

    [Fact]
    public void Networks_measured_slower_channels_last_stay_NCHW()
    {
        using var instanceNorm = new SkipKindsNet();
        using var groupNorm = new OverriddenNet();

        Assert.False(instanceNorm.PrepareForTraining());
        Assert.False(groupNorm.PrepareForTraining());

        Assert.True(instanceNorm.training);
        Assert.All(instanceNorm.parameters().Concat(groupNorm.parameters()), p => Assert.True(p.is_contiguous()));
    }

    [Fact]
    public void Channels_last_centre_crop_has_the_gradient_of_a_narrowed_view()
    {
        torch.manual_seed(7);
        using var values = randn(2, 6, 12, 10);
        using var target = zeros(1, 1, 6, 4);
        using var weights = randn(2, 6, 6, 4);
        using var plain = values.detach().requires_grad_(true);
        using var packed = Layer.ToChannelsLast(values);
        using var channelsLast = packed.detach().requires_grad_(true);

        using (var scope = NewDisposeScope())
        {
            (Layer.CenterCrop(plain, target) * weights).sum().backward();
            (Layer.CenterCrop(channelsLast, target) * weights).sum().backward();
        }

        Assert.True(Layer.IsChannelsLast(channelsLast.grad!));
        Assert.Equal(0, (plain.grad! - channelsLast.grad!).abs().max().item<float>());
        using var window = plain.grad!.narrow(2, 3, 6).narrow(3, 3, 4);
        Assert.Equal(0, (window - weights).abs().max().item<float>());
        Assert.Equal(weights.abs().sum().item<float>(), plain.grad!.abs().sum().item<float>(), 3);
    }
}
