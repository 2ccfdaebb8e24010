using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using UNetDsl.Interop;
using UNetDsl.Interop.Onnx;
using UNetDsl.Layers;
using UNetDsl.Tests.Interop;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Core;

/// <summary>
/// <see cref="ConvNeXtBlock"/>: shapes, parameters and their order, the residual path, channels-last and dtype
/// handling, and the same outputs from its PyTorch twin (<c>unetdsl_torch.ConvNeXtBlock</c>) and its ONNX form.
/// </summary>
public sealed class ConvNeXtBlockTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("unetdsl-convnext-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<int, int[], int[], ConvPadding, long[], long[]> Shapes => new()
    {
        // dimensions, channels, kernel, padding, input (N, C, spatial...), output
        { 2, new[] { 8, 8 }, new[] { 3, 3 }, ConvPadding.Same, new long[] { 2, 3, 16, 12 }, new long[] { 2, 8, 16, 12 } },
        { 2, new[] { 8, 8 }, new[] { 3, 3 }, ConvPadding.Valid, new long[] { 2, 3, 16, 12 }, new long[] { 2, 8, 12, 8 } },
        { 2, new[] { 4, 6 }, new[] { 7, 5 }, ConvPadding.Valid, new long[] { 1, 4, 20, 20 }, new long[] { 1, 6, 8, 12 } },
        { 3, new[] { 4, 4 }, new[] { 3, 3, 3 }, ConvPadding.Same, new long[] { 1, 2, 6, 8, 10 }, new long[] { 1, 4, 6, 8, 10 } },
        { 3, new[] { 4, 4 }, new[] { 1, 3, 3 }, ConvPadding.Valid, new long[] { 1, 2, 6, 8, 10 }, new long[] { 1, 4, 6, 4, 6 } },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Output_shape_follows_the_padding(int dimensions, int[] channels, int[] kernel, ConvPadding padding, long[] input, long[] output)
    {
        using var scope = NewDisposeScope();
        using var block = new ConvNeXtBlock("enc1", dimensions, (int)input[1], channels, kernel, padding);

        using var result = block.call(randn(input));

        Assert.Equal(output, result.shape);
    }

    public static TheoryData<int, int, int[], int[]> Configurations => new()
    {
        { 2, 3, new[] { 8, 8 }, new[] { 3, 3 } },
        { 2, 8, new[] { 8 }, new[] { 7, 7 } },
        { 2, 4, new[] { 6, 10, 10 }, new[] { 5, 3 } },
        { 3, 1, new[] { 4, 4 }, new[] { 1, 3, 3 } },
        { 3, 4, new[] { 4, 8 }, new[] { 3, 3, 3 } },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Parameter_count_is_the_sum_over_steps_of_projection_depthwise_norm_and_bottleneck(int dimensions, int inChannels, int[] channels, int[] kernel)
    {
        using var block = new ConvNeXtBlock("enc1", dimensions, inChannels, channels, kernel, ConvPadding.Same);

        long expected = 0;
        var input = inChannels;
        foreach (var c in channels)
        {
            var kernelVolume = kernel.Aggregate(1L, (a, k) => a * k);
            expected += (input != c ? (input * c) + c : 0) + (c * kernelVolume) + c + (2 * c) + (4L * c * c) + (4 * c) + (4L * c * c) + c;
            input = c;
        }

        Assert.Equal(expected, block.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void State_dict_keys_come_in_PyTorchs_assignment_order()
    {
        using var block = new ConvNeXtBlock("enc1", 2, 3, new[] { 4, 4, 6 }, new[] { 3, 3 }, ConvPadding.Same);

        var expected = new List<string>();
        foreach (var (j, projects) in new[] { (0, true), (1, false), (2, true) })
        {
            var submodules = (projects ? new[] { "proj" } : Array.Empty<string>()).Concat(new[] { "depthwise", "norm", "expand", "reduce" });
            expected.AddRange(submodules.SelectMany(s => new[] { s + j + ".weight", s + j + ".bias" }));
        }

        Assert.Equal(expected, block.state_dict().Keys.ToList());
        Assert.Equal(expected, block.named_parameters().Select(p => p.name).ToList());
    }

    [Fact]
    public void Norms_start_as_the_identity_with_ConvNeXts_epsilon()
    {
        using var block = new ConvNeXtBlock("enc1", 2, 3, new[] { 4 }, new[] { 3, 3 }, ConvPadding.Same);
        var norm = Assert.IsType<TorchSharp.Modules.LayerNorm>(block.named_children().Single(c => c.name == "norm0").module);

        Assert.Equal(1e-6, norm.eps);
        Assert.True(norm.weight!.eq(1).all().item<bool>());
        Assert.True(norm.bias!.eq(0).all().item<bool>());
    }

    [Theory]
    [InlineData(ConvPadding.Same)]
    [InlineData(ConvPadding.Valid)]
    public void With_the_reducing_convolutions_zeroed_the_output_is_the_cropped_projected_input(ConvPadding padding)
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var block = new ConvNeXtBlock("enc1", 2, 3, new[] { 5, 5 }, new[] { 3, 5 }, padding);
        using (no_grad())
        {
            foreach (var (name, parameter) in block.named_parameters())
            {
                if (name.StartsWith("reduce", StringComparison.Ordinal))
                {
                    parameter.zero_();
                }
            }
        }

        var input = randn(2, 3, 15, 17);
        var proj = (nn.Module<Tensor, Tensor>)block.named_children().Single(c => c.name == "proj0").module;

        var output = block.call(input);

        // Two steps of a 3x5 kernel: Valid crops 2 rows and 4 columns from each side.
        var projected = proj.call(input);
        var expected = padding == ConvPadding.Same ? projected : projected.narrow(2, 2, 11).narrow(3, 4, 9);
        Assert.Equal(expected.shape, output.shape);
        Assert.True(output.allclose(expected, rtol: 0, atol: 1e-6), $"max difference {output.sub(expected).abs().max().item<float>()}");
    }

    [Theory]
    [InlineData(2, ConvPadding.Valid)]
    [InlineData(3, ConvPadding.Same)]
    public void Channels_last_input_gives_the_same_output(int dimensions, ConvPadding padding)
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var block = Perturbed(new ConvNeXtBlock("enc1", dimensions, 3, new[] { 4, 6 }, Enumerable.Repeat(3, dimensions).ToArray(), padding));
        var input = dimensions == 2 ? randn(2, 3, 13, 11) : randn(new long[] { 1, 3, 7, 9, 8 });
        var channelsLast = Layer.ToChannelsLast(input);
        Assert.True(Layer.IsChannelsLast(channelsLast));

        using var noGrad = no_grad();
        var expected = block.call(input);
        var actual = block.call(channelsLast);

        AssertClose(expected, actual, "channels-last input");

        // With channels-last weights too, as Layer.UseChannelsLast lays out a network for inference.
        Layer.UseChannelsLast(block);
        AssertClose(expected, block.call(channelsLast), "channels-last input and weights");
    }

    [Fact]
    public void Parameters_and_output_take_the_given_dtype()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var block = new ConvNeXtBlock("enc1", 2, 3, new[] { 4 }, new[] { 3, 3 }, ConvPadding.Valid, dtype: ScalarType.Float64);
        using var single = new ConvNeXtBlock("enc1", 2, 3, new[] { 4 }, new[] { 3, 3 }, ConvPadding.Valid);
        single.load_state_dict(block.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to_type(ScalarType.Float32)));
        var input = randn(new long[] { 2, 3, 9, 9 }, dtype: ScalarType.Float64);

        var output = block.call(input);

        Assert.All(block.parameters(), p => Assert.Equal(ScalarType.Float64, p.dtype));
        Assert.Equal(ScalarType.Float64, output.dtype);
        AssertClose(output.to_type(ScalarType.Float32), single.call(input.to_type(ScalarType.Float32)), "float64 against float32");
    }

    [Fact]
    public void Gradients_reach_every_parameter_and_the_input()
    {
        using var scope = NewDisposeScope();
        using var block = new ConvNeXtBlock("enc1", 2, 3, new[] { 4, 4 }, new[] { 3, 3 }, ConvPadding.Valid);
        var input = randn(1, 3, 10, 10).requires_grad_(true);

        block.call(input).square().sum().backward();

        Assert.NotNull(input.grad);
        Assert.All(block.named_parameters(), p => Assert.True(p.parameter.grad is not null, p.name + " got no gradient"));
    }

    /// <summary>The PyTorch block of the same configuration: loads the TorchSharp weights strictly and prints its keys.</summary>
    private const string RunnerScript = """
        import sys

        import torch
        import unetdsl_torch as u

        torch.set_grad_enabled(False)
        name, dimensions, in_channels, channels, kernel, padding = sys.argv[1:7]
        block = u.ConvNeXtBlock(int(dimensions), int(in_channels), [int(c) for c in channels.split(",")],
                                [int(k) for k in kernel.split(",")], padding)
        with open(name + ".keys.txt", "w") as keys:
            keys.write("\n".join(block.state_dict().keys()))
        block.load_state_dict(u.load_torchsharp(name + ".weights.bin"), strict=True)
        block.eval()
        x = u.load_torchsharp(name + ".input.bin")["input"]
        u.save_torchsharp({"output": block(x)}, name + ".output.bin")
        print(name, "ok")
        """;

    public static TheoryData<string, int, int, int[], int[], ConvPadding, long[]> TwinCases => new()
    {
        { "valid2d", 2, 3, new[] { 6, 6 }, new[] { 3, 5 }, ConvPadding.Valid, new long[] { 2, 3, 14, 16 } },
        { "same3d", 3, 4, new[] { 4, 6 }, new[] { 1, 3, 3 }, ConvPadding.Same, new long[] { 1, 4, 5, 9, 8 } },
    };

    [Theory]
    [MemberData(nameof(TwinCases))]
    public void PyTorch_block_with_the_same_weights_gives_the_same_output(string name, int dimensions, int inChannels, int[] channels, int[] kernel, ConvPadding padding, long[] shape)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var block = Perturbed(new ConvNeXtBlock(name, dimensions, inChannels, channels, kernel, padding));
        block.eval();
        var input = randn(shape);
        block.save(Path.Combine(_folder, name + ".weights.bin"));
        PyTorchTwin.WriteWeights(Path.Combine(_folder, name + ".input.bin"), new[] { new KeyValuePair<string, Tensor>("input", input) });
        File.WriteAllText(Path.Combine(_folder, PyTorchTwin.HelperModuleName + ".py"), PyTorchTwin.HelperSource);
        File.WriteAllText(Path.Combine(_folder, "run_convnext.py"), RunnerScript);
        Tensor expected;
        using (no_grad())
        {
            expected = block.call(input);
        }

        var (code, output) = PyTorchTwinTests.Run(_folder, "run_convnext.py", name, dimensions.ToString(), inChannels.ToString(), string.Join(",", channels), string.Join(",", kernel), padding.ToString());

        Assert.True(code == 0, output);
        Assert.Equal(block.state_dict().Keys, File.ReadAllLines(Path.Combine(_folder, name + ".keys.txt")));
        var actual = PyTorchTwin.ReadWeights(Path.Combine(_folder, name + ".output.bin")).Single().Value;
        AssertClose(expected, actual, "PyTorch twin");
    }

    public static TheoryData<int, int, int[], int[], ConvPadding, long[]> OnnxCases => new()
    {
        { 2, 3, new[] { 6, 6 }, new[] { 3, 5 }, ConvPadding.Valid, new long[] { 2, 3, 14, 16 } },
        { 2, 4, new[] { 4 }, new[] { 7, 7 }, ConvPadding.Same, new long[] { 1, 4, 12, 10 } },
        { 3, 4, new[] { 4, 6 }, new[] { 1, 3, 3 }, ConvPadding.Same, new long[] { 1, 4, 5, 9, 8 } },
        { 3, 2, new[] { 4 }, new[] { 3, 3, 3 }, ConvPadding.Valid, new long[] { 1, 2, 7, 8, 9 } },
    };

    [Theory]
    [MemberData(nameof(OnnxCases))]
    public void Onnx_graph_evaluated_by_onnxruntime_matches_TorchSharp(int dimensions, int inChannels, int[] channels, int[] kernel, ConvPadding padding, long[] shape)
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        using var block = Perturbed(new ConvNeXtBlock("enc1", dimensions, inChannels, channels, kernel, padding));
        block.eval();
        var input = randn(shape);
        Tensor expected;
        using (no_grad())
        {
            expected = block.call(input);
        }

        var graph = new OnnxGraphBuilder("ConvNeXtBlock");
        var graphInput = graph.AddInput("input", shape.Select(OnnxDimension.Fixed).ToArray());
        graph.AddOutput(block.AppendTo(graph, graphInput), "output", expected.shape.Select(OnnxDimension.Fixed).ToArray());
        var path = Path.Combine(_folder, "convnext.onnx");
        graph.Save(path);

        var actual = OnnxExportTests.RunOnnx(path, input)["output"];

        Assert.Equal(expected.shape, actual.Shape);
        AssertClose(expected, tensor(actual.Values).reshape(actual.Shape), "ONNX Runtime");
        var initializers = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Initializer.Select(i => i.Name).ToHashSet();
        Assert.Contains("enc1.depthwise0.weight", initializers);
        Assert.Contains("enc1.norm0.bias", initializers);
    }

    /// <summary>Moves every parameter off its initial value (norms away from the identity), so that no term hides.</summary>
    private static ConvNeXtBlock Perturbed(ConvNeXtBlock block)
    {
        using var noGrad = no_grad();
        foreach (var (_, parameter) in block.named_parameters())
        {
            using var noise = randn_like(parameter).mul_(0.2);
            parameter.add_(noise);
        }

        return block;
    }

    /// <summary>Equal to 1e-5 of the largest reference value, and not all but zero (which would prove nothing).</summary>
    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var scale = expected.abs().max().item<float>();
        var difference = expected.sub(actual).abs().max().item<float>();
        Assert.True(difference <= 1e-5f * scale, $"{what}: max difference {difference}, outputs up to {scale}");
        Assert.True(scale > 1e-3f, $"{what}: the reference output is all but zero");
    }
}
