using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using UNetDsl;
using UNetDsl.Tests.Variants;
using UNetDsl.Interop.Onnx;
using UNetDsl.Tests.Core;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Interop;

/// <summary>
/// Generated ONNX exports run in ONNX Runtime and give TorchSharp's outputs: same shapes, max abs difference below 1e-4.
/// </summary>
public sealed class OnnxExportTests : IDisposable
{
    private const float Tolerance = 1e-4f;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "unetdsl-onnx-" + Guid.NewGuid().ToString("N")[..8]);

    public OnnxExportTests() => Directory.CreateDirectory(_directory);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    public static TheoryData<string> Networks => new()
    {
        nameof(OnnxValidNet),
        nameof(OnnxGroupBilinearSiLUNet),
        nameof(OnnxGeluNet),
        nameof(OnnxLeakySkipKindsNet),
        nameof(OnnxGatedNet),
        nameof(OnnxResidualBatchNet),
        nameof(OnnxThickSliceNet),
        nameof(OnnxTrilinearNet),
        nameof(ConvNeXtNet),
        nameof(ConvNeXtVolumeNet),
    };

    private static nn.Module<Tensor, Tensor> Create(string name) => name switch
    {
        nameof(OnnxValidNet) => new OnnxValidNet(),
        nameof(OnnxGroupBilinearSiLUNet) => new OnnxGroupBilinearSiLUNet(),
        nameof(OnnxGeluNet) => new OnnxGeluNet(),
        nameof(OnnxLeakySkipKindsNet) => new OnnxLeakySkipKindsNet(),
        nameof(OnnxGatedNet) => new OnnxGatedNet(),
        nameof(OnnxResidualBatchNet) => new OnnxResidualBatchNet(),
        nameof(OnnxThickSliceNet) => new OnnxThickSliceNet(),
        nameof(OnnxTrilinearNet) => new OnnxTrilinearNet(),
        nameof(ConvNeXtNet) => new ConvNeXtNet(),
        nameof(ConvNeXtVolumeNet) => new ConvNeXtVolumeNet(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static void Export(nn.Module<Tensor, Tensor> model, string path, OnnxInputSize? size) =>
        ((dynamic)model).ExportOnnx(path, size);

    [Theory]
    [MemberData(nameof(Networks))]
    public void Exported_network_matches_TorchSharp_at_the_reference_size(string name)
    {
        using var scope = NewDisposeScope();
        using var model = Create(name);
        Perturb(model, seed: 11);
        model.eval();
        var geometry = ((IUNetModule)model).Geometry;
        var path = Path.Combine(_directory, name + ".onnx");

        Export(model, path, null);

        var input = Input(geometry, geometry.InputSize.ToArray(), batch: 1, seed: 5);
        using var noGrad = no_grad();
        var expected = model.call(input);
        var actual = RunOnnx(path, input)["output"];
        AssertClose(expected, actual);
    }

    [Fact]
    public void Batch_norm_uses_running_statistics_and_folded_export_matches_after_PrepareForInference()
    {
        using var scope = NewDisposeScope();
        using var model = new OnnxResidualBatchNet();
        Perturb(model, seed: 3);
        model.eval();
        var geometry = model.Geometry;
        var input = Input(geometry, geometry.InputSize.ToArray(), batch: 2, seed: 8);
        var unfoldedPath = Path.Combine(_directory, "unfolded.onnx");
        var foldedPath = Path.Combine(_directory, "folded.onnx");

        model.ExportOnnx(unfoldedPath, OnnxInputSize.Symbolic);
        Tensor unfolded;
        using (no_grad())
        {
            unfolded = model.call(input);
        }

        var folds = model.PrepareForInference(ComputePrecision.Float32);
        model.ExportOnnx(foldedPath, OnnxInputSize.Symbolic);
        var folded = model.Predict(input);

        AssertClose(unfolded, RunOnnx(unfoldedPath, input)["output"]);
        AssertClose(folded, RunOnnx(foldedPath, input)["output"]);

        // Folding replaced every norm after a convolution; the residual projections' norms remain.
        var before = CountNodes(unfoldedPath, "BatchNormalization");
        var after = CountNodes(foldedPath, "BatchNormalization");
        Assert.True(folds > 0);
        Assert.Equal(before - folds, after);
        Assert.True(after < before);
    }

    [Fact]
    public void Deep_supervision_heads_are_extra_outputs_matching_ForwardWithHeads()
    {
        using var scope = NewDisposeScope();
        using var model = new OnnxSupervisedNet();
        Perturb(model, seed: 21);
        model.eval();
        var geometry = model.Geometry;
        var path = Path.Combine(_directory, "supervised.onnx");
        model.ExportOnnx(path);

        var input = Input(geometry, geometry.InputSize.ToArray(), batch: 1, seed: 2);
        using var noGrad = no_grad();
        using var heads = model.ForwardWithHeads(input);
        var outputs = RunOnnx(path, input);

        Assert.Equal(new[] { "level2", "level3", "output" }, outputs.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray());
        AssertClose(heads.Main, outputs["output"]);
        AssertClose(heads.Level2, outputs["level2"]);
        AssertClose(heads.Level3, outputs["level3"]);
        Assert.NotEqual(outputs["level2"].Shape, outputs["level3"].Shape);
    }

    [Fact]
    public void Symbolic_export_runs_at_two_valid_sizes_and_records_the_size_rule()
    {
        using var scope = NewDisposeScope();
        using var model = new OnnxGatedNet();
        Perturb(model, seed: 4);
        model.eval();
        var geometry = model.Geometry;
        var path = Path.Combine(_directory, "symbolic.onnx");
        model.ExportOnnx(path, OnnxInputSize.Symbolic);

        var rule = geometry.SizeRules[0];
        foreach (var (height, width, batch) in new[] { (rule.MinInput, rule.MinInput + rule.Step, 1), (rule.MinInput + (2 * rule.Step), rule.MinInput, 3) })
        {
            var input = Input(geometry, new[] { height, width }, batch, seed: height + width);
            Tensor expected;
            using (no_grad())
            {
                expected = model.call(input);
            }

            var actual = RunOnnx(path, input)["output"];
            Assert.Equal(new long[] { batch, 2, height - rule.Shrink, width - rule.Shrink }, actual.Shape);
            AssertClose(expected, actual);
        }

        using var session = new InferenceSession(path);
        Assert.Equal(new[] { "batch", string.Empty, "height", "width" }, session.InputMetadata["input"].SymbolicDimensions);
        var metadata = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal("height = " + rule + "; width = " + rule, metadata[OnnxUNetExport.ValidSizesKey]);
        Assert.Equal(rule.Shrink + "x" + rule.Shrink, metadata[OnnxUNetExport.ShrinkKey]);
        Assert.Contains("Valid input sizes per axis: height = " + rule.MinInput + " + " + rule.Step + "k", session.ModelMetadata.Description);
    }

    [Fact]
    public void Static_export_at_another_valid_size_fixes_that_size()
    {
        using var scope = NewDisposeScope();
        using var model = new OnnxValidNet();
        model.eval();
        var rule = model.Geometry.SizeRules[0];
        var size = rule.MinInput + rule.Step;
        var path = Path.Combine(_directory, "fixed.onnx");
        model.ExportOnnx(path, OnnxInputSize.Fixed(size, size));

        using var session = new InferenceSession(path);
        Assert.Equal(new[] { 1, 1, size, size }, session.InputMetadata["input"].Dimensions);
        Assert.Equal(new[] { 1, 2, size - rule.Shrink, size - rule.Shrink }, session.OutputMetadata["output"].Dimensions);
        var input = Input(model.Geometry, new[] { size, size }, batch: 1, seed: 9);
        using var noGrad = no_grad();
        AssertClose(model.call(input), RunOnnx(path, input)["output"]);
    }

    [Fact]
    public void Invalid_static_size_is_rejected_naming_the_nearest_valid_sizes_and_writes_nothing()
    {
        using var model = new PaperNet();
        var path = Path.Combine(_directory, "paper.onnx");

        var error = Assert.Throws<ArgumentException>(() => model.ExportOnnx(path, OnnxInputSize.Fixed(572, 570)));

        Assert.Contains("PaperNet cannot be exported for width = 570", error.Message);
        Assert.Contains("valid sizes are 188 + 16k", error.Message);
        Assert.Contains("nearest valid: 556 or 572", error.Message);
        var rank = Assert.Throws<ArgumentException>(() => model.ExportOnnx(path, OnnxInputSize.Fixed(572)));
        Assert.Contains("takes 2 spatial sizes (height, width), but 1 were given", rank.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Export_replaces_an_existing_file_atomically_and_leaves_no_temporary_file()
    {
        using var scope = NewDisposeScope();
        using var model = new OnnxValidNet();
        model.eval();
        var path = Path.Combine(_directory, "replace.onnx");
        File.WriteAllText(path, "not a model");

        model.ExportOnnx(path);

        Assert.Equal(new[] { path }, Directory.GetFiles(_directory));
        using var session = new InferenceSession(path);
        Assert.Equal(new[] { "input" }, session.InputMetadata.Keys.ToArray());
        var weights = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Initializer.Select(i => i.Name).ToHashSet();
        Assert.Contains("enc1.conv1.weight", weights);
        Assert.Contains("head.bias", weights);
    }

    /// <summary>Sets norms' affine parameters and batch norms' running statistics away from their initial values.</summary>
    private static void Perturb(nn.Module model, int seed)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var generator = new Generator((ulong)seed);
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (name.StartsWith("gate", StringComparison.Ordinal))
            {
                // Freshly initialised gates give alpha close to 0.5 everywhere, which would hide a wrong resampling.
                parameter.mul_(6);
            }
            else if (name.Contains("norm", StringComparison.Ordinal))
            {
                parameter.copy_(rand(parameter.shape, generator: generator).mul_(0.5).add_(name.EndsWith("weight", StringComparison.Ordinal) ? 0.75 : -0.25));
            }
        }

        foreach (var (name, buffer) in model.named_buffers())
        {
            if (name.EndsWith("running_mean", StringComparison.Ordinal))
            {
                buffer.copy_(randn(buffer.shape, generator: generator).mul_(0.2));
            }
            else if (name.EndsWith("running_var", StringComparison.Ordinal))
            {
                buffer.copy_(rand(buffer.shape, generator: generator).add_(0.5));
            }
        }
    }

    private static Tensor Input(UNetGeometry geometry, int[] size, long batch, int seed) =>
        randn(new[] { batch, (long)geometry.InputChannels }.Concat(size.Select(s => (long)s)).ToArray(), generator: new Generator((ulong)seed));

    internal sealed record OnnxOutput(long[] Shape, float[] Values);

    internal static Dictionary<string, OnnxOutput> RunOnnx(string path, Tensor input)
    {
        var values = input.contiguous().data<float>().ToArray();
        using var session = new InferenceSession(path);
        using var ortInput = OrtValue.CreateTensorValueFromMemory(values, input.shape);
        using var runOptions = new RunOptions();
        var names = session.OutputNames.ToArray();
        using var results = session.Run(runOptions, new[] { "input" }, new[] { ortInput }, names);
        var outputs = new Dictionary<string, OnnxOutput>(StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            outputs[names[i]] = new OnnxOutput(results[i].GetTensorTypeAndShape().Shape, results[i].GetTensorDataAsSpan<float>().ToArray());
        }

        return outputs;
    }

    private static void AssertClose(Tensor expected, OnnxOutput actual)
    {
        Assert.Equal(expected.shape, actual.Shape);
        var reference = expected.detach().contiguous().data<float>().ToArray();
        var worst = reference.Zip(actual.Values, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < Tolerance, $"max abs difference {worst} (tolerance {Tolerance}); output magnitude {reference.Max(Math.Abs)}");

        // A constant output would make the comparison hollow.
        Assert.True(reference.Max() - reference.Min() > 1e-3f, "the reference output is constant");
    }

    private static int CountNodes(string path, string opType) =>
        Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Node.Count(n => n.OpType == opType);
}
