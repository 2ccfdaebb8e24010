using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace UNetDsl.Interop.Onnx;

/// <summary>
/// Builds an ONNX graph node by node and writes it as a model file. Layers add their nodes with their weights copied
/// from the live parameters (see <c>AppendTo</c> on <see cref="Layers.ConvBlock"/> and <see cref="OnnxModules"/>);
/// generated U-Nets drive it from <c>ExportOnnx</c>, so nothing is traced. Values are named by the caller's hint and
/// made unique here; initializers keep the state_dict's names (<c>enc1.conv1.weight</c>).
/// </summary>
public sealed class OnnxGraphBuilder
{
    /// <summary>The operator set the graph's nodes follow.</summary>
    public const int OpsetVersion = 17;

    // ONNX IR version 8 is the one that goes with opset 17.
    private const long IrVersion = 8;

    private readonly GraphProto _graph;
    private readonly ModelProto _model;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _int64Constants = new(StringComparer.Ordinal);

    /// <summary>Starts an empty graph.</summary>
    /// <param name="graphName">The graph's name, e.g. the network's class name.</param>
    public OnnxGraphBuilder(string graphName)
    {
        _graph = new GraphProto { Name = graphName };
        _model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "UNetDsl",
            ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = _graph,
        };
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
    }

    /// <summary>Nodes added so far.</summary>
    public int NodeCount => _graph.Node.Count;

    /// <summary>Initializers (weights and constants) added so far.</summary>
    public int InitializerCount => _graph.Initializer.Count;

    /// <summary>The model's description (ONNX <c>doc_string</c>).</summary>
    public string DocString
    {
        get => _model.DocString;
        set => _model.DocString = value ?? string.Empty;
    }

    /// <summary>Adds a key/value pair to the model's <c>metadata_props</c>.</summary>
    public void AddMetadata(string key, string value) => _model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });

    /// <summary>Declares a float32 graph input.</summary>
    /// <param name="name">The input's name.</param>
    /// <param name="shape">Its dimensions: fixed sizes or named symbolic ones.</param>
    /// <returns>The value's name.</returns>
    public string AddInput(string name, IReadOnlyList<OnnxDimension> shape)
    {
        Claim(name);
        _graph.Input.Add(FloatValueInfo(name, shape));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> as a float32 graph output called <paramref name="name"/>.</summary>
    /// <param name="value">A value computed by the graph.</param>
    /// <param name="name">The output's name.</param>
    /// <param name="shape">Its dimensions, as far as they are known.</param>
    public void AddOutput(string value, string name, IReadOnlyList<OnnxDimension> shape)
    {
        if (value != name)
        {
            // Outputs are named after the value that carries them: route through Identity under the wanted name.
            Claim(name);
            var node = new NodeProto { OpType = "Identity", Name = name + "/Identity" };
            node.Input.Add(value);
            node.Output.Add(name);
            _graph.Node.Add(node);
        }

        _graph.Output.Add(FloatValueInfo(name, shape));
    }

    /// <summary>Adds a weight as a float32 initializer, copied from the tensor (any device, any floating type).</summary>
    /// <param name="name">The initializer's name; made unique if taken.</param>
    /// <param name="tensor">The values.</param>
    /// <returns>The initializer's name.</returns>
    public string AddInitializer(string name, Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var values = tensor.detach().to(CPU).to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        return AddInitializer(name, values, tensor.shape);
    }

    /// <summary>Adds a float32 initializer.</summary>
    /// <param name="name">The initializer's name; made unique if taken.</param>
    /// <param name="values">The values, row-major.</param>
    /// <param name="shape">The dimensions; their product must be the number of values.</param>
    /// <returns>The initializer's name.</returns>
    public string AddInitializer(string name, float[] values, IReadOnlyList<long> shape)
    {
        if (shape.Aggregate(1L, (a, b) => a * b) != values.Length)
        {
            throw new ArgumentException($"Initializer '{name}' has {values.Length} values, but its shape [{string.Join(", ", shape)}] needs {shape.Aggregate(1L, (a, b) => a * b)}.", nameof(shape));
        }

        var unique = Unique(name);
        var proto = new TensorProto { Name = unique, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.Add(shape);
        proto.RawData = ByteString.CopyFrom(LittleEndian(values));
        _graph.Initializer.Add(proto);
        return unique;
    }

    /// <summary>An int64 constant (shapes, axes, slice bounds), shared between the nodes that use the same values.</summary>
    /// <param name="values">The values of a 1-D tensor.</param>
    /// <returns>The initializer's name.</returns>
    public string Int64Constant(params long[] values)
    {
        var key = string.Join(",", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
        if (_int64Constants.TryGetValue(key, out var existing))
        {
            return existing;
        }

        var unique = Unique("const_i64_" + (values.Length == 0 ? "empty" : key.Replace(",", "_").Replace("-", "m")));
        var proto = new TensorProto { Name = unique, DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.Add(values.Length);
        proto.Int64Data.Add(values);
        _graph.Initializer.Add(proto);
        _int64Constants[key] = unique;
        return unique;
    }

    /// <summary>A float32 scalar constant.</summary>
    /// <param name="name">Its name hint.</param>
    /// <param name="value">The value.</param>
    public string ScalarConstant(string name, float value) => AddInitializer(name, new[] { value }, Array.Empty<long>());

    /// <summary>Adds a node with one output.</summary>
    /// <param name="opType">The ONNX operator, e.g. <c>Conv</c>.</param>
    /// <param name="name">A name hint for the node and its output; made unique.</param>
    /// <param name="inputs">The input values; an empty string marks an omitted optional input.</param>
    /// <param name="attributes">The node's attributes.</param>
    /// <returns>The name of the node's output.</returns>
    public string AddNode(string opType, string name, IReadOnlyList<string> inputs, params OnnxAttribute[] attributes)
    {
        var output = Unique(name);
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.Add(inputs);
        node.Output.Add(output);
        foreach (var attribute in attributes)
        {
            node.Attribute.Add(attribute.ToProto());
        }

        _graph.Node.Add(node);
        return output;
    }

    /// <summary>Max-pooling with kernel = stride = <paramref name="factors"/>, no padding, floor rounding.</summary>
    public string MaxPool(string input, IReadOnlyList<long> factors, string name) =>
        AddNode("MaxPool", name, new[] { input }, OnnxAttribute.Ints("kernel_shape", factors), OnnxAttribute.Ints("strides", factors));

    /// <summary>Concatenation along channels.</summary>
    public string ConcatChannels(string name, params string[] inputs) => AddNode("Concat", name, inputs, OnnxAttribute.Int("axis", 1));

    /// <summary>Element-wise sum.</summary>
    public string Add(string a, string b, string name) => AddNode("Add", name, new[] { a, b });

    /// <summary>Element-wise product.</summary>
    public string Mul(string a, string b, string name) => AddNode("Mul", name, new[] { a, b });

    /// <summary>
    /// The centre of <paramref name="skip"/> with the spatial size of <paramref name="target"/>, computed from their
    /// shapes at run time (so a symbolic export crops right at every valid size): start = (have - want) / 2, as
    /// <see cref="Layers.Layer.CenterCrop"/>.
    /// </summary>
    /// <param name="skip">The larger map.</param>
    /// <param name="target">The map whose spatial size to take.</param>
    /// <param name="spatialDimensions">2 or 3.</param>
    /// <param name="name">A name hint.</param>
    public string CenterCrop(string skip, string target, int spatialDimensions, string name)
    {
        var axes = Enumerable.Range(2, spatialDimensions).Select(a => (long)a).ToArray();
        var spatialStart = Int64Constant(2);
        var spatialEnd = Int64Constant(2 + spatialDimensions);
        var have = AddNode("Slice", name + "/have", new[] { AddNode("Shape", name + "/skip_shape", new[] { skip }), spatialStart, spatialEnd });
        var want = AddNode("Slice", name + "/want", new[] { AddNode("Shape", name + "/target_shape", new[] { target }), spatialStart, spatialEnd });
        var start = AddNode("Div", name + "/start", new[] { AddNode("Sub", name + "/excess", new[] { have, want }), Int64Constant(2) });
        var end = AddNode("Add", name + "/end", new[] { start, want });
        return AddNode("Slice", name, new[] { skip, start, end, Int64Constant(axes) });
    }

    /// <summary>
    /// Resizes <paramref name="input"/> (linear) to the spatial size of <paramref name="like"/>, with PyTorch's
    /// half-pixel coordinates (<c>align_corners=False</c>).
    /// </summary>
    public string ResizeLinearLike(string input, string like, int spatialDimensions, string name)
    {
        var batchAndChannels = AddNode("Slice", name + "/batch_channels", new[] { AddNode("Shape", name + "/input_shape", new[] { input }), Int64Constant(0), Int64Constant(2) });
        var spatial = AddNode("Slice", name + "/spatial", new[] { AddNode("Shape", name + "/like_shape", new[] { like }), Int64Constant(2), Int64Constant(2 + spatialDimensions) });
        var sizes = AddNode("Concat", name + "/sizes", new[] { batchAndChannels, spatial }, OnnxAttribute.Int("axis", 0));
        return AddNode("Resize", name, new[] { input, string.Empty, string.Empty, sizes }, LinearResizeAttributes());
    }

    /// <summary>Resizes <paramref name="input"/> (linear) by per-axis <paramref name="factors"/>, half-pixel coordinates.</summary>
    public string ResizeLinear(string input, IReadOnlyList<double> factors, string name)
    {
        var scales = new float[factors.Count + 2];
        scales[0] = 1;
        scales[1] = 1;
        for (var i = 0; i < factors.Count; i++)
        {
            scales[i + 2] = (float)factors[i];
        }

        var scaleName = AddInitializer(name + ".scales", scales, new long[] { scales.Length });
        return AddNode("Resize", name, new[] { input, string.Empty, scaleName }, LinearResizeAttributes());
    }

    // PyTorch's align_corners=False: src = (dst + 0.5) / scale - 0.5, clamped at the border.
    private static OnnxAttribute[] LinearResizeAttributes() => new[]
    {
        OnnxAttribute.String("mode", "linear"),
        OnnxAttribute.String("coordinate_transformation_mode", "pytorch_half_pixel"),
    };

    /// <summary>The model as ONNX protobuf bytes.</summary>
    public byte[] ToBytes() => _model.ToByteArray();

    /// <summary>
    /// Writes the model to <paramref name="path"/> atomically: to a temporary file beside it, flushed to disk, then
    /// renamed over the target, so a crash never leaves a half-written model under the final name.
    /// </summary>
    /// <param name="path">The .onnx file to write.</param>
    public void Save(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                _model.WriteTo(file);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>A value name not yet used in this graph, derived from <paramref name="hint"/>.</summary>
    public string Unique(string hint)
    {
        if (_names.Add(hint))
        {
            return hint;
        }

        for (var i = 1; ; i++)
        {
            var candidate = hint + "_" + i.ToString(CultureInfo.InvariantCulture);
            if (_names.Add(candidate))
            {
                return candidate;
            }
        }
    }

    private void Claim(string name)
    {
        if (!_names.Add(name))
        {
            throw new ArgumentException($"The graph already has a value called '{name}'.", nameof(name));
        }
    }

    private static ValueInfoProto FloatValueInfo(string name, IReadOnlyList<OnnxDimension> shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (var dimension in shape)
        {
            tensorShape.Dim.Add(dimension.Name is null
                ? new TensorShapeProto.Types.Dimension { DimValue = dimension.Size }
                : new TensorShapeProto.Types.Dimension { DimParam = dimension.Name });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape } },
        };
    }

    private static byte[] LittleEndian(float[] values)
    {
        // ONNX raw_data is little-endian whatever the host.
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            for (var i = 0; i < bytes.Length; i += 4)
            {
                Array.Reverse(bytes, i, 4);
            }
        }

        return bytes;
    }
}

/// <summary>One dimension of a graph input or output: a fixed size, or a symbolic one named like <c>height</c>.</summary>
/// <param name="Size">The size; ignored when <paramref name="Name"/> is set.</param>
/// <param name="Name">The symbolic name, or null for a fixed size.</param>
public readonly record struct OnnxDimension(long Size, string? Name = null)
{
    /// <summary>A fixed size.</summary>
    public static OnnxDimension Fixed(long size) => new(size);

    /// <summary>A size known only at run time, named in the model.</summary>
    public static OnnxDimension Symbolic(string name) => new(0, name);

    /// <inheritdoc />
    public override string ToString() => Name ?? Size.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A node attribute: an int, a float, a string, or a list of ints.</summary>
public sealed class OnnxAttribute
{
    private readonly AttributeProto _proto;

    private OnnxAttribute(AttributeProto proto) => _proto = proto;

    /// <summary>An integer attribute.</summary>
    public static OnnxAttribute Int(string name, long value) => new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });

    /// <summary>A float attribute.</summary>
    public static OnnxAttribute Float(string name, float value) => new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value });

    /// <summary>A string attribute.</summary>
    public static OnnxAttribute String(string name, string value) =>
        new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) });

    /// <summary>A list-of-integers attribute.</summary>
    public static OnnxAttribute Ints(string name, IEnumerable<long> values)
    {
        var proto = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        proto.Ints.Add(values);
        return new OnnxAttribute(proto);
    }

    internal AttributeProto ToProto() => _proto.Clone();
}
