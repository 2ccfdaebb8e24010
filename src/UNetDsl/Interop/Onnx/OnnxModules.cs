using System;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace UNetDsl.Interop.Onnx;

/// <summary>
/// Adds the ONNX nodes of a single TorchSharp layer with evaluation-mode semantics: batch norm with its running
/// statistics, dropout as the identity. Weights are copied from the live parameters at the time of the call.
/// </summary>
public static class OnnxModules
{
    /// <summary>
    /// Adds <paramref name="module"/>'s nodes, reading <paramref name="input"/>, and returns the name of its output.
    /// Covers the layers UNetDsl builds: convolutions and transposed convolutions (2D/3D), batch, instance and group
    /// normalisation, ReLU, LeakyReLU, SiLU, GELU (exact), Sigmoid, max-pooling, linear up-sampling and dropout.
    /// </summary>
    /// <param name="graph">The graph to add to.</param>
    /// <param name="module">The layer.</param>
    /// <param name="input">The name of the layer's input value.</param>
    /// <param name="name">The layer's state_dict prefix, e.g. <c>enc1.conv1</c>: names its initializers and nodes.</param>
    /// <exception cref="NotSupportedException">The layer has no ONNX mapping here.</exception>
    public static string Append(OnnxGraphBuilder graph, nn.Module<Tensor, Tensor> module, string input, string name) =>
        module switch
        {
            ConvolutionTranspose transposed => ConvTranspose(graph, transposed, input, name),
            Convolution conv => Conv(graph, conv, input, name),
            BatchNorm norm => BatchNormalization(graph, norm, input, name),
            InstanceNorm norm => InstanceNormalization(graph, norm, input, name),
            GroupNorm norm => GroupNormalization(graph, norm, input, name),
            TorchSharp.Modules.ReLU => graph.AddNode("Relu", name, new[] { input }),
            TorchSharp.Modules.LeakyReLU leaky => graph.AddNode("LeakyRelu", name, new[] { input }, OnnxAttribute.Float("alpha", (float)leaky.negative_slope)),
            TorchSharp.Modules.SiLU => SiLU(graph, input, name),
            TorchSharp.Modules.GELU gelu => Gelu(graph, gelu, input, name),
            TorchSharp.Modules.Sigmoid => graph.AddNode("Sigmoid", name, new[] { input }),
            MaxPool2d pool => graph.AddNode("MaxPool", name, new[] { input }, PoolAttributes(pool.kernel_size, pool.stride, pool.padding, pool.dilation, pool.ceil_mode)),
            MaxPool3d pool => graph.AddNode("MaxPool", name, new[] { input }, PoolAttributes(pool.kernel_size, pool.stride, pool.padding, pool.dilation, pool.ceil_mode)),
            Upsample upsample => Resize(graph, upsample, input, name),
            Dropout or Dropout2d or Dropout3d => input,
            _ => throw new NotSupportedException($"No ONNX mapping for layer '{name}' of type {module.GetType().Name}."),
        };

    private static string Conv(OnnxGraphBuilder graph, Convolution conv, string input, string name)
    {
        if (conv.padding_mode != PaddingModes.Zeros)
        {
            throw new NotSupportedException($"Layer '{name}' pads with {conv.padding_mode}; only zero padding maps to ONNX Conv.");
        }

        var inputs = ConvInputs(graph, conv, input, name);
        var pads = conv.padding ?? new long[conv.kernel_size!.Length];
        return graph.AddNode(
            "Conv",
            name,
            inputs,
            OnnxAttribute.Ints("kernel_shape", conv.kernel_size!),
            OnnxAttribute.Ints("strides", conv.stride ?? Ones(conv.kernel_size!.Length)),
            OnnxAttribute.Ints("pads", pads.Concat(pads)),
            OnnxAttribute.Ints("dilations", conv.dilation ?? Ones(conv.kernel_size!.Length)),
            OnnxAttribute.Int("group", conv.groups));
    }

    private static string ConvTranspose(OnnxGraphBuilder graph, ConvolutionTranspose conv, string input, string name)
    {
        var inputs = ConvInputs(graph, conv, input, name);
        var rank = conv.kernel_size!.Length;
        var pads = conv.padding ?? new long[rank];
        return graph.AddNode(
            "ConvTranspose",
            name,
            inputs,
            OnnxAttribute.Ints("kernel_shape", conv.kernel_size!),
            OnnxAttribute.Ints("strides", conv.stride ?? Ones(rank)),
            OnnxAttribute.Ints("pads", pads.Concat(pads)),
            OnnxAttribute.Ints("output_padding", conv.output_padding ?? new long[rank]),
            OnnxAttribute.Ints("dilations", conv.dilation ?? Ones(rank)),
            OnnxAttribute.Int("group", conv.groups));
    }

    private static string[] ConvInputs(OnnxGraphBuilder graph, Convolution conv, string input, string name)
    {
        var weight = graph.AddInitializer(name + ".weight", conv.weight!);
        return conv.bias is null ? new[] { input, weight } : new[] { input, weight, graph.AddInitializer(name + ".bias", conv.bias) };
    }

    private static string BatchNormalization(OnnxGraphBuilder graph, BatchNorm norm, string input, string name)
    {
        if (norm.running_mean is null || norm.running_var is null)
        {
            throw new NotSupportedException($"Batch norm '{name}' tracks no running statistics, so it has no evaluation-mode form.");
        }

        var (scale, bias) = Affine(graph, norm.weight, norm.bias, norm.running_mean.shape[0], name);
        return graph.AddNode(
            "BatchNormalization",
            name,
            new[] { input, scale, bias, graph.AddInitializer(name + ".running_mean", norm.running_mean), graph.AddInitializer(name + ".running_var", norm.running_var) },
            OnnxAttribute.Float("epsilon", (float)norm.eps));
    }

    private static string InstanceNormalization(OnnxGraphBuilder graph, InstanceNorm norm, string input, string name)
    {
        if (norm.track_running_stats)
        {
            throw new NotSupportedException($"Instance norm '{name}' tracks running statistics; ONNX InstanceNormalization uses each sample's own.");
        }

        var channels = norm.weight?.shape[0] ?? throw new NotSupportedException($"Instance norm '{name}' has no affine parameters to tell its channel count.");
        var (scale, bias) = Affine(graph, norm.weight, norm.bias, channels, name);
        return graph.AddNode("InstanceNormalization", name, new[] { input, scale, bias }, OnnxAttribute.Float("epsilon", (float)norm.eps));
    }

    /// <summary>
    /// Group norm as [N, G, rest] -> InstanceNormalization (unit scale, zero shift) -> [N, C, rest] -> per-channel
    /// affine -> back to the input's shape. Opset 18's GroupNormalization takes per-group scale and shift, which is not PyTorch's
    /// per-channel affine, and runtimes disagree on it; this form means the same everywhere.
    /// </summary>
    private static string GroupNormalization(OnnxGraphBuilder graph, GroupNorm norm, string input, string name)
    {
        var groups = norm.num_groups;
        var grouped = graph.AddNode("Reshape", name + "/grouped", new[] { input, graph.Int64Constant(0, groups, -1) });
        var unitScale = graph.AddInitializer(name + ".unit_scale", Enumerable.Repeat(1f, (int)groups).ToArray(), new[] { groups });
        var zeroShift = graph.AddInitializer(name + ".zero_shift", new float[groups], new[] { groups });
        var normalized = graph.AddNode("InstanceNormalization", name + "/normalized", new[] { grouped, unitScale, zeroShift }, OnnxAttribute.Float("epsilon", (float)norm.eps));
        if (!norm.affine || norm.weight is null || norm.bias is null)
        {
            return graph.AddNode("Reshape", name, new[] { normalized, graph.AddNode("Shape", name + "/shape", new[] { input }) });
        }

        // The per-channel affine on [N, C, rest], with the parameters as [C, 1]: no need to know the spatial rank.
        var channels = norm.weight.shape[0];
        var perChannel = graph.AddNode("Reshape", name + "/per_channel", new[] { normalized, graph.Int64Constant(0, channels, -1) });
        using var weightView = norm.weight.detach().reshape(channels, 1);
        using var biasView = norm.bias.detach().reshape(channels, 1);
        var weight = graph.AddInitializer(name + ".weight", weightView);
        var bias = graph.AddInitializer(name + ".bias", biasView);
        var affine = graph.AddNode("Add", name + "/affine", new[] { graph.AddNode("Mul", name + "/scaled", new[] { perChannel, weight }), bias });
        return graph.AddNode("Reshape", name, new[] { affine, graph.AddNode("Shape", name + "/shape", new[] { input }) });
    }

    private static string SiLU(OnnxGraphBuilder graph, string input, string name) =>
        graph.AddNode("Mul", name, new[] { input, graph.AddNode("Sigmoid", name + "/sigmoid", new[] { input }) });

    private static string Gelu(OnnxGraphBuilder graph, TorchSharp.Modules.GELU gelu, string input, string name)
    {
        if (!string.Equals(gelu.approximate.ToString(), "none", StringComparison.OrdinalIgnoreCase))
        {
            throw new NotSupportedException($"GELU '{name}' uses the {gelu.approximate} approximation; only the exact form is exported.");
        }

        // Exact GELU: 0.5 x (1 + erf(x / sqrt 2)).
        var erf = graph.AddNode("Erf", name + "/erf", new[] { graph.AddNode("Div", name + "/scaled", new[] { input, graph.ScalarConstant(name + ".sqrt2", MathF.Sqrt(2f)) }) });
        var onePlus = graph.AddNode("Add", name + "/one_plus", new[] { erf, graph.ScalarConstant(name + ".one", 1f) });
        var product = graph.AddNode("Mul", name + "/times_x", new[] { input, onePlus });
        return graph.AddNode("Mul", name, new[] { product, graph.ScalarConstant(name + ".half", 0.5f) });
    }

    private static string Resize(OnnxGraphBuilder graph, Upsample upsample, string input, string name)
    {
        if (upsample.mode is not (UpsampleMode.Bilinear or UpsampleMode.Trilinear or UpsampleMode.Linear) || upsample.align_corners == true)
        {
            throw new NotSupportedException($"Up-sampling '{name}' uses {upsample.mode} with align_corners={upsample.align_corners}; only linear interpolation with half-pixel centres is exported.");
        }

        var factors = upsample.scale_factor.ToArray();
        if (factors.Length == 0)
        {
            throw new NotSupportedException($"Up-sampling '{name}' is given by output size; only scale factors are exported.");
        }

        return graph.ResizeLinear(input, factors, name);
    }

    private static OnnxAttribute[] PoolAttributes(long[]? kernel, long[]? stride, long[]? padding, long[]? dilation, bool ceil)
    {
        var rank = kernel!.Length;
        var pads = padding ?? new long[rank];
        return new[]
        {
            OnnxAttribute.Ints("kernel_shape", kernel),
            OnnxAttribute.Ints("strides", stride ?? kernel),
            OnnxAttribute.Ints("pads", pads.Concat(pads)),
            OnnxAttribute.Ints("dilations", dilation ?? Ones(rank)),
            OnnxAttribute.Int("ceil_mode", ceil ? 1 : 0),
        };
    }

    private static (string Scale, string Bias) Affine(OnnxGraphBuilder graph, Tensor? weight, Tensor? bias, long channels, string name) =>
        (
            weight is null ? graph.AddInitializer(name + ".unit_scale", Enumerable.Repeat(1f, (int)channels).ToArray(), new[] { channels }) : graph.AddInitializer(name + ".weight", weight),
            bias is null ? graph.AddInitializer(name + ".zero_shift", new float[channels], new[] { channels }) : graph.AddInitializer(name + ".bias", bias));

    private static long[] Ones(int rank) => Enumerable.Repeat(1L, rank).ToArray();
}
