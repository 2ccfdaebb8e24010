using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using TorchSharp;
using UNetDsl.Interop;
using UNetDsl.Tests.Core;
using UNetDsl.Tests.Variants;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Interop;

/// <summary>
/// The generated PyTorch twins against the TorchSharp modules they mirror: the same weights (through TorchSharp's
/// file format), the same input, the same output; and the weight converter's round trip through a .pt file.
/// </summary>
public sealed class PyTorchTwinTests : IDisposable
{
    private const string Python = "/usr/bin/python3";

    private readonly string _folder = Directory.CreateTempSubdirectory("unetdsl-twin-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Loads each case's weights into its twin (strictly), runs it on the saved input and saves the outputs.</summary>
    private const string RunnerScript = """
        import importlib
        import sys

        import torch
        import unetdsl_torch

        torch.set_grad_enabled(False)
        for name in sys.argv[1:]:
            twin = getattr(importlib.import_module(name), name)()
            twin.load_state_dict(unetdsl_torch.load_torchsharp(name + ".weights.bin"), strict=True)
            twin.eval()
            inputs = unetdsl_torch.load_torchsharp(name + ".input.bin")
            if "timestep" in inputs:
                outputs = [twin(inputs["input"], inputs["timestep"], inputs["context"])]
            elif hasattr(twin, "forward_with_heads"):
                outputs = list(twin.forward_with_heads(inputs["input"]))
            else:
                outputs = [twin(inputs["input"])]
            unetdsl_torch.save_torchsharp({"output%d" % i: o for i, o in enumerate(outputs)}, name + ".output.bin")
            print(name, "ok")
        """;

    internal static (int ExitCode, string Output) Run(string folder, params string[] arguments)
    {
        RequireTorch();
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The twin and unetdsl_torch are imported from the folder, whatever the caller's PYTHONPATH holds.
        start.Environment["PYTHONPATH"] = folder;
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "python did not finish");
        process.WaitForExit();
        return (process.ExitCode, output.ToString());
    }

    private static void RequireTorch()
    {
        var check = new ProcessStartInfo(Python, "-c \"import torch\"") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        Process? process = null;
        try
        {
            process = Process.Start(check);
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }

        using (process)
        {
            var ok = process is not null && process.WaitForExit(60_000) && process.ExitCode == 0;
            Assert.True(ok, Python + " cannot import torch: these tests need Python with PyTorch. Run eng/setup-python-torch.sh (installs Debian's python3-torch).");
        }
    }

    /// <summary>Moves every parameter and batch-norm statistic away from its initial value, so that no term hides.</summary>
    private static void Perturb(nn.Module model)
    {
        using var noGrad = no_grad();
        foreach (var (_, parameter) in model.named_parameters())
        {
            parameter.add_(randn_like(parameter).mul_(0.1));
        }

        foreach (var (name, buffer) in model.named_buffers())
        {
            if (name.EndsWith("running_mean", StringComparison.Ordinal))
            {
                buffer.copy_(randn_like(buffer).mul_(0.2));
            }
            else if (name.EndsWith("running_var", StringComparison.Ordinal))
            {
                buffer.copy_(rand_like(buffer).add_(0.5));
            }
        }
    }

    /// <summary>A network, its inputs, and how C# runs it (all outputs: the main one first).</summary>
    private sealed record Case(string Name, nn.Module Module, IUNetModule Network, Func<Tensor[]> Inputs, Func<Tensor[], Tensor[]> Forward);

    private static Case Segmentation<T>(Func<T> create) where T : nn.Module<Tensor, Tensor>, IUNetModule
    {
        manual_seed(7);
        var model = create();
        var geometry = model.Geometry;

        // Axes of different sizes, each a valid one above the smallest, and a batch of two.
        var shape = new long[] { 2, geometry.InputChannels }.Concat(geometry.SizeRules.Select((r, a) => (long)(r.MinInput + (r.Step * (a + 1))))).ToArray();
        return new Case(geometry.Name, model, model, () => new[] { randn(shape) }, inputs => new[] { model.call(inputs[0]) });
    }

    private static IEnumerable<Case> Cases()
    {
        yield return Segmentation(() => new UNetApp.SmallUNet());
        yield return Segmentation(() => new TwinGroupNormNet());
        yield return Segmentation(() => new OverriddenNet());
        yield return Segmentation(() => new SkipKindsNet());
        yield return Segmentation(() => new GatedNet());
        yield return Segmentation(() => new ValidResidualNet());
        yield return Segmentation(() => new SmallCicekNet());
        yield return Segmentation(() => new ThickSliceNet());
        yield return Segmentation(() => new TwinVolumeNet());
        yield return Segmentation(() => new ConvNeXtNet());
        yield return Segmentation(() => new ConvNeXtVolumeNet());

        manual_seed(7);
        var supervised = new SupervisedResidualNet();
        yield return new Case(nameof(SupervisedResidualNet), supervised, supervised, () => new[] { randn(2, 1, 16, 24) }, inputs =>
        {
            var heads = supervised.ForwardWithHeads(inputs[0]);
            return new[] { heads.Main, heads.Level2, heads.Level3 };
        });

        manual_seed(7);
        var denoiser = new TinyDenoiser();
        yield return new Case(nameof(TinyDenoiser), denoiser, denoiser, () => new[] { randn(2, 1, 8, 12), tensor(new long[] { 3, 250 }), randn(2, 5, 8) },
            inputs => new[] { denoiser.call(inputs[0], inputs[1], inputs[2]) });
    }

    [Fact]
    public void Every_twin_loads_the_TorchSharp_weights_strictly_and_computes_the_same_outputs()
    {
        using var scope = NewDisposeScope();
        var cases = Cases().ToList();
        var expected = new Dictionary<string, Tensor[]>();
        foreach (var c in cases)
        {
            Perturb(c.Module);
            c.Module.eval();
            PyTorchTwin.Write(c.Network, _folder);
            c.Module.save(Path.Combine(_folder, c.Name + ".weights.bin"));
            var inputs = c.Inputs();
            var names = new[] { "input", "timestep", "context" };
            PyTorchTwin.WriteWeights(Path.Combine(_folder, c.Name + ".input.bin"), inputs.Select((t, i) => new KeyValuePair<string, Tensor>(names[i], t)));
            using (no_grad())
            {
                expected[c.Name] = c.Forward(inputs);
            }
        }

        File.WriteAllText(Path.Combine(_folder, "run_twins.py"), RunnerScript);
        var (code, output) = Run(_folder, new[] { "run_twins.py" }.Concat(cases.Select(c => c.Name)).ToArray());
        Assert.True(code == 0, output);

        foreach (var c in cases)
        {
            var actual = PyTorchTwin.ReadWeights(Path.Combine(_folder, c.Name + ".output.bin"));
            Assert.Equal(expected[c.Name].Length, actual.Count);
            for (var i = 0; i < actual.Count; i++)
            {
                var want = expected[c.Name][i];
                var got = actual[i].Value;
                Assert.Equal("output" + i, actual[i].Key);
                Assert.True(want.shape.SequenceEqual(got.shape), $"{c.Name} output {i}: TorchSharp [{string.Join(", ", want.shape)}], PyTorch twin [{string.Join(", ", got.shape)}]");
                // float32 sums of a few thousand terms: the error grows with the outputs' scale (perturbed weights
                // reach scores of ~100), so the bound is 1e-4 or 2e-6 of the largest output, whichever is larger.
                var difference = want.sub(got).abs().max().item<float>();
                var scale = want.abs().max().item<float>();
                Assert.True(difference < Math.Max(1e-4f, 2e-6f * scale), $"{c.Name} output {i}: max |TorchSharp - PyTorch| = {difference} (outputs up to {scale})");
                Assert.True(want.abs().max().item<float>() > 1e-3f, $"{c.Name} output {i} is all but zero: the comparison would prove nothing");
            }
        }

        foreach (var c in cases)
        {
            c.Module.Dispose();
        }
    }

    [Fact]
    public void Converting_TorchSharp_weights_to_pt_and_back_is_bitwise_identical()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = new SupervisedResidualNet();
        Perturb(model);
        var original = Path.Combine(_folder, "weights.bin");
        var pt = Path.Combine(_folder, "weights.pt");
        var back = Path.Combine(_folder, "back.bin");
        model.save(original);
        PyTorchTwin.Write(model, _folder);

        var (code, output) = Run(_folder, "-m", PyTorchTwin.HelperModuleName, "convert", original, pt);
        Assert.True(code == 0, output);
        Assert.Contains("torchsharp->pytorch", output, StringComparison.Ordinal);
        (code, output) = Run(_folder, "-m", PyTorchTwin.HelperModuleName, "convert", pt, back);
        Assert.True(code == 0, output);
        Assert.Contains("pytorch->torchsharp", output, StringComparison.Ordinal);

        Assert.Equal(File.ReadAllBytes(original), File.ReadAllBytes(back));

        // TorchSharp itself reads the file Python wrote: every tensor, bit for bit, dtypes included.
        manual_seed(4);
        using var reloaded = new SupervisedResidualNet();
        reloaded.load(back);
        var before = model.state_dict();
        var after = reloaded.state_dict();
        Assert.Equal(before.Keys.OrderBy(k => k, StringComparer.Ordinal), after.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (name, tensor) in before)
        {
            Assert.Equal(tensor.dtype, after[name].dtype);
            Assert.True(tensor.bytes.SequenceEqual(after[name].bytes), name + " differs after the round trip");
        }

        Assert.Contains(before.Keys, k => k.EndsWith("num_batches_tracked", StringComparison.Ordinal));
    }

    [Fact]
    public void Write_puts_the_twin_and_the_building_blocks_in_the_folder()
    {
        using var model = new GatedNet();

        var (module, helper) = PyTorchTwin.Write(model, Path.Combine(_folder, "twin"));

        Assert.Equal(Path.Combine(_folder, "twin", "GatedNet.py"), module);
        Assert.Equal(Path.Combine(_folder, "twin", "unetdsl_torch.py"), helper);
        var source = File.ReadAllText(module);
        Assert.Equal(GatedNet.PyTorchTwinSource, source);
        Assert.Contains("class GatedNet(nn.Module):", source, StringComparison.Ordinal);
        Assert.Contains("self.gate2 = u.AttentionGate(2, 8, 16, 4, [2, 2])", source, StringComparison.Ordinal);
        Assert.Contains("def load_torchsharp(path):", File.ReadAllText(helper), StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_written_by_CSharp_read_back_identically_and_truncation_is_reported()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_folder, "tensors.bin");
        var tensors = new[]
        {
            new KeyValuePair<string, Tensor>("float", randn(3, 4)),
            new KeyValuePair<string, Tensor>("count", tensor(1234567890123L)),
            new KeyValuePair<string, Tensor>("flags", tensor(new[] { true, false, true })),
            new KeyValuePair<string, Tensor>("empty", zeros(0, 5)),
        };

        PyTorchTwin.WriteWeights(path, tensors);
        var read = PyTorchTwin.ReadWeights(path);

        Assert.Equal(tensors.Select(t => t.Key), read.Select(t => t.Key));
        for (var i = 0; i < tensors.Length; i++)
        {
            Assert.Equal(tensors[i].Value.dtype, read[i].Value.dtype);
            Assert.Equal(tensors[i].Value.shape, read[i].Value.shape);
            Assert.True(tensors[i].Value.bytes.SequenceEqual(read[i].Value.bytes), tensors[i].Key);
        }

        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^5]);
        var error = Assert.Throws<InvalidDataException>(() => PyTorchTwin.ReadWeights(path));
        Assert.Contains("is not a TorchSharp state dict", error.Message, StringComparison.Ordinal);
    }
}
