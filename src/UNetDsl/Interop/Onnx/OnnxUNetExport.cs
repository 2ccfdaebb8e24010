using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace UNetDsl
{
    /// <summary>
    /// The input size an ONNX export is fixed to: the network's reference size, a given valid size, or symbolic
    /// (batch and spatial dimensions named in the model, any valid size at run time).
    /// </summary>
    public sealed class OnnxInputSize
    {
        private OnnxInputSize(IReadOnlyList<int>? size, bool symbolic)
        {
            Size = size;
            IsSymbolic = symbolic;
        }

        /// <summary>The declared input size, or the smallest valid one when none was declared; batch 1.</summary>
        public static OnnxInputSize Reference { get; } = new(null, false);

        /// <summary>Batch and spatial dimensions left symbolic (<c>batch</c>, <c>depth</c>, <c>height</c>, <c>width</c>).</summary>
        public static OnnxInputSize Symbolic { get; } = new(null, true);

        /// <summary>The spatial size given, one value per axis; null for <see cref="Reference"/> and <see cref="Symbolic"/>.</summary>
        public IReadOnlyList<int>? Size { get; }

        /// <summary>True for <see cref="Symbolic"/>.</summary>
        public bool IsSymbolic { get; }

        /// <summary>A fixed spatial size with batch 1; every axis must be a valid input size of the network.</summary>
        /// <param name="size">One size per spatial axis (H, W or D, H, W).</param>
        public static OnnxInputSize Fixed(params int[] size) => new((int[])(size ?? throw new ArgumentNullException(nameof(size))).Clone(), false);

        /// <inheritdoc />
        public override string ToString() => IsSymbolic ? "symbolic" : Size is null ? "reference" : string.Join("x", Size);
    }
}

namespace UNetDsl.Interop.Onnx
{
    /// <summary>
    /// The frame of a generated U-Net's ONNX export: declares the input for the chosen <see cref="OnnxInputSize"/>
    /// (rejecting an invalid static size), records the valid-size rule in the model's metadata and description, and
    /// declares the outputs. Generated <c>ExportOnnx</c> methods add the layers in between.
    /// </summary>
    public sealed class OnnxUNetExport
    {
        /// <summary>Metadata key of the valid input sizes per axis, e.g. <c>height = 188 + 16k; width = 188 + 16k</c>.</summary>
        public const string ValidSizesKey = "unetdsl.valid_input_sizes";

        /// <summary>Metadata key of how much smaller the output is per axis, e.g. <c>184x184</c>.</summary>
        public const string ShrinkKey = "unetdsl.output_shrink";

        private readonly UNetGeometry _geometry;
        private readonly IReadOnlyList<int>? _size;

        private OnnxUNetExport(UNetGeometry geometry, IReadOnlyList<int>? size, OnnxGraphBuilder graph, string input)
        {
            _geometry = geometry;
            _size = size;
            Graph = graph;
            Input = input;
        }

        /// <summary>The graph the layers are added to.</summary>
        public OnnxGraphBuilder Graph { get; }

        /// <summary>The name of the graph's input value.</summary>
        public string Input { get; }

        /// <summary>Starts the export of a network with <paramref name="geometry"/>.</summary>
        /// <param name="geometry">The network's geometry, as the compiler derived it.</param>
        /// <param name="size">The input size to fix, or symbolic; null for <see cref="OnnxInputSize.Reference"/>.</param>
        /// <exception cref="ArgumentException">A fixed size has the wrong number of axes or a size that does not line up
        /// through the network; the message names the nearest valid sizes.</exception>
        public static OnnxUNetExport Begin(UNetGeometry geometry, OnnxInputSize? size)
        {
            size ??= OnnxInputSize.Reference;
            var names = AxisNames(geometry.Dimensions);
            IReadOnlyList<int>? fixedSize = size.IsSymbolic ? null : size.Size ?? geometry.InputSize;
            if (fixedSize is not null)
            {
                if (fixedSize.Count != geometry.Dimensions)
                {
                    throw new ArgumentException($"{geometry.Name} takes {geometry.Dimensions} spatial sizes ({string.Join(", ", names)}), but {fixedSize.Count} were given.", nameof(size));
                }

                for (var axis = 0; axis < fixedSize.Count; axis++)
                {
                    var rule = geometry.SizeRules[axis];
                    if (!rule.IsValid(fixedSize[axis]))
                    {
                        throw new ArgumentException(
                            $"{geometry.Name} cannot be exported for {names[axis]} = {fixedSize[axis]}: valid sizes are {rule}; nearest valid: {rule.DescribeNearest(fixedSize[axis])}.",
                            nameof(size));
                    }
                }
            }

            var graph = new OnnxGraphBuilder(geometry.Name);
            var validSizes = string.Join("; ", names.Select((n, a) => n + " = " + geometry.SizeRules[a]));
            var shrink = string.Join("x", geometry.SizeRules.Select(r => r.Shrink.ToString(CultureInfo.InvariantCulture)));
            graph.AddMetadata(ValidSizesKey, validSizes);
            graph.AddMetadata(ShrinkKey, shrink);
            graph.DocString = $"{geometry.Name}: a {geometry.Dimensions}D U-Net exported by UNetDsl (opset {OnnxGraphBuilder.OpsetVersion}). "
                + $"Input [{(fixedSize is null ? "batch" : "1")}, {geometry.InputChannels}, {(fixedSize is null ? string.Join(", ", names) : string.Join(", ", fixedSize))}]; "
                + $"output 'output' [batch, {geometry.OutputChannels}, ...] of class scores before softmax. "
                + $"Valid input sizes per axis: {validSizes}; output = input - {shrink}.";

            var shape = new List<OnnxDimension> { fixedSize is null ? OnnxDimension.Symbolic("batch") : OnnxDimension.Fixed(1), OnnxDimension.Fixed(geometry.InputChannels) };
            for (var axis = 0; axis < geometry.Dimensions; axis++)
            {
                shape.Add(fixedSize is null ? OnnxDimension.Symbolic(names[axis]) : OnnxDimension.Fixed(fixedSize[axis]));
            }

            var input = graph.AddInput("input", shape);
            return new OnnxUNetExport(geometry, fixedSize, graph, input);
        }

        /// <summary>Declares the main output, <c>output</c>, with its size when the input size is fixed.</summary>
        /// <param name="value">The value the last layer computed.</param>
        public void AddMainOutput(string value)
        {
            var names = AxisNames(_geometry.Dimensions);
            var shape = new List<OnnxDimension> { _size is null ? OnnxDimension.Symbolic("batch") : OnnxDimension.Fixed(1), OnnxDimension.Fixed(_geometry.OutputChannels) };
            for (var axis = 0; axis < _geometry.Dimensions; axis++)
            {
                shape.Add(_size is null ? OnnxDimension.Symbolic("output_" + names[axis]) : OnnxDimension.Fixed(_geometry.SizeRules[axis].OutputFor(_size[axis])));
            }

            Graph.AddOutput(value, "output", shape);
        }

        /// <summary>Declares a deep-supervision head as an extra output, named e.g. <c>level2</c>, at its own resolution.</summary>
        /// <param name="value">The value the head computed.</param>
        /// <param name="name">The output's name.</param>
        public void AddHeadOutput(string value, string name)
        {
            var names = AxisNames(_geometry.Dimensions);
            var shape = new List<OnnxDimension> { _size is null ? OnnxDimension.Symbolic("batch") : OnnxDimension.Fixed(1), OnnxDimension.Fixed(_geometry.OutputChannels) };
            shape.AddRange(names.Select(n => OnnxDimension.Symbolic(name + "_" + n)));
            Graph.AddOutput(value, name, shape);
        }

        /// <summary>Writes the model (atomically, see <see cref="OnnxGraphBuilder.Save"/>).</summary>
        /// <param name="path">The .onnx file to write.</param>
        public void Save(string path) => Graph.Save(path);

        /// <summary>The symbolic names of the spatial axes: height, width (2D) or depth, height, width (3D).</summary>
        public static string[] AxisNames(int dimensions) => dimensions == 3 ? new[] { "depth", "height", "width" } : new[] { "height", "width" };
    }
}
