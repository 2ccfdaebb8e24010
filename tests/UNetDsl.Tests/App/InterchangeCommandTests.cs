using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using TorchSharp;
using UNetDsl.Data;
using UNetDsl.Training;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.App;

/// <summary>unet export and unet import: a checkpoint out to PyTorch and back, through the converter, as a user does it.</summary>
public sealed class InterchangeCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("unetdsl-interchange-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int ExitCode, string Output) Unet(params string[] arguments) => CommandLineTests.Unet(arguments);

    private static void Convert(string folder, string source, string target)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        foreach (var argument in new[] { "-m", "unetdsl_torch", "convert", source, target })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PYTHONPATH"] = folder;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "python3 -m unetdsl_torch convert failed (needs PyTorch: run eng/setup-python-torch.sh): " + output.Result + error);
    }

    private static string SaveCheckpoint(string path, int seed)
    {
        manual_seed(seed);
        using var model = new UNetApp.AttentionUNet();
        using (no_grad())
        {
            foreach (var parameter in model.parameters())
            {
                parameter.add_(randn_like(parameter).mul_(0.05));
            }
        }

        Checkpoint.Save(path, model, null, new CheckpointInfo("AttentionUNet", UNetApp.AttentionUNet.ParameterCount, 3, 30, seed, new[] { 0.5, 0.4, 0.3 }));
        return path;
    }

    private static void AssertSameWeights(nn.Module expected, nn.Module actual)
    {
        var want = expected.state_dict();
        var got = actual.state_dict();
        Assert.Equal(want.Keys.Order(StringComparer.Ordinal), got.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in want)
        {
            Assert.True(tensor.bytes.SequenceEqual(got[name].bytes), name + " differs");
        }
    }

    [Fact]
    public void A_checkpoint_exported_converted_to_pt_and_imported_back_keeps_every_weight_and_predicts()
    {
        var checkpoint = SaveCheckpoint(Path.Combine(_folder, "trained.unet"), 11);
        var twin = Path.Combine(_folder, "twin");

        var (code, output) = Unet("export", "--checkpoint", checkpoint, "--out", twin);
        Assert.True(code == 0, output);
        foreach (var file in new[] { "AttentionUNet.py", "unetdsl_torch.py", "AttentionUNet.bin" })
        {
            Assert.True(File.Exists(Path.Combine(twin, file)), file + " is missing");
        }

        Assert.Equal(UNetApp.AttentionUNet.PyTorchTwinSource, File.ReadAllText(Path.Combine(twin, "AttentionUNet.py")));

        // To PyTorch and back, as after training with the twin.
        Convert(twin, "AttentionUNet.bin", "AttentionUNet.pt");
        Convert(twin, "AttentionUNet.pt", "from-pytorch.bin");
        var imported = Path.Combine(_folder, "imported", "checkpoint.unet");
        (code, output) = Unet("import", "--arch", "attention", "--weights", Path.Combine(twin, "from-pytorch.bin"), "--out", imported);
        Assert.True(code == 0, output);

        using var original = new UNetApp.AttentionUNet();
        Checkpoint.Load(checkpoint, original);
        using var roundTripped = new UNetApp.AttentionUNet();
        var info = Checkpoint.Load(imported, roundTripped);
        Assert.Equal("AttentionUNet", info.Architecture);
        AssertSameWeights(original, roundTripped);

        var image = Path.Combine(_folder, "cells.png");
        ImageIO.WriteGray8(image, SyntheticCells.Generate(5, 96, 80).Image);
        (code, output) = Unet("predict", "--model", imported, "--input", image, "--out", Path.Combine(_folder, "predicted"));
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(_folder, "predicted", "cells-overlay.png")));
    }

    [Fact]
    public void Export_without_a_checkpoint_writes_fresh_weights_that_load_into_the_network()
    {
        var twin = Path.Combine(_folder, "fresh");

        var (code, output) = Unet("export", "--arch", "small", "--out", twin, "--seed", "4");

        Assert.True(code == 0, output);
        Assert.Contains("python3 -m unetdsl_torch convert SmallUNet.bin SmallUNet.pt", output, StringComparison.Ordinal);
        using var model = new UNetApp.SmallUNet();
        model.load(Path.Combine(twin, "SmallUNet.bin"), strict: true);
        using var seeded = new UNetApp.SmallUNet();
        Initialization.He(seeded, 4);
        AssertSameWeights(seeded, model);
    }

    [Fact]
    public void Export_with_onnx_writes_a_symbolic_model_that_ONNX_Runtime_runs_as_TorchSharp_does()
    {
        var folder = Path.Combine(_folder, "onnx");

        var (code, output) = Unet("export", "--arch", "small", "--out", folder, "--seed", "6", "--onnx");

        Assert.True(code == 0, output);
        var path = Path.Combine(folder, "SmallUNet.onnx");
        Assert.Contains(Path.GetFullPath(path), output, StringComparison.Ordinal);
        using var scope = NewDisposeScope();
        using var model = new UNetApp.SmallUNet();
        Initialization.He(model, 6);
        model.eval();

        // A batch and size other than the reference ones: the model's sizes are symbolic.
        var rule = UNetApp.SmallUNet.SizeRules[0];
        var input = randn(2, 1, rule.MinInput + rule.Step, rule.MinInput + (2 * rule.Step));
        var expected = model.Predict(input);
        var actual = Interop.OnnxExportTests.RunOnnx(path, input)["output"];

        Assert.Equal(expected.shape, actual.Shape);
        var worst = expected.contiguous().data<float>().ToArray().Zip(actual.Values, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < 1e-4f, $"max abs difference {worst}");
    }

    [Fact]
    public void Import_of_a_pt_file_or_of_another_networks_weights_is_one_clear_error()
    {
        var twin = Path.Combine(_folder, "small");
        var (code, output) = Unet("export", "--arch", "small", "--out", twin);
        Assert.True(code == 0, output);

        var pt = Path.Combine(_folder, "weights.pt");
        File.WriteAllBytes(pt, new byte[] { (byte)'P', (byte)'K', 3, 4, 0, 0 });
        (code, output) = Unet("import", "--arch", "small", "--weights", pt, "--out", Path.Combine(_folder, "a.unet"));
        Assert.Equal(2, code);
        Assert.Contains("is a PyTorch file (torch.save); convert it first: python3 -m unetdsl_torch convert", output, StringComparison.Ordinal);

        (code, output) = Unet("import", "--arch", "attention", "--weights", Path.Combine(twin, "SmallUNet.bin"), "--out", Path.Combine(_folder, "b.unet"));
        Assert.Equal(2, code);
        Assert.Contains("does not fit AttentionUNet", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "b.unet")));

        (code, output) = Unet("export", "--arch", "paper", "--checkpoint", SaveCheckpoint(Path.Combine(_folder, "attention.unet"), 2), "--out", twin);
        Assert.Equal(2, code);
        Assert.Contains("holds the 'attention' network, not 'paper'", output, StringComparison.Ordinal);
    }
}
