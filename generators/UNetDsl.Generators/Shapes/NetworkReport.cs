using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

internal enum LayerKind
{
    ConvBlock,
    ConvNeXtBlock,
    MaxPool,
    Dropout,
    UpConv,
    UpSample,
    Crop,
    Concat,
    Add,
    Head,
    Gate,
    TimeEmbedding,
    Transformer,
}

/// <summary>One row of the summary: a named step, its output shape, its parameters and multiply-accumulates.</summary>
/// <remarks>Immutable and value-equal: part of <see cref="NetworkReport"/>.</remarks>
internal sealed record LayerShape(string Name, LayerKind Kind, string Description, int Channels, EquatableArray<int> Size, long Parameters, long MultiplyAccumulates);

/// <summary>What the trace found for one node of the <see cref="LayerGraph"/> at the report's input size.</summary>
/// <param name="Size">Per axis; empty for the timestep embedding, which is per sample.</param>
/// <param name="Crop">For a crop, the pixels cut per axis (both sides together); empty for every other node.</param>
internal sealed record NodeShape(int Channels, EquatableArray<int> Size, long MultiplyAccumulates, EquatableArray<int> Crop = default)
{
    /// <summary>True for a crop that cuts something: a crop of nothing is left out of the summary and the code.</summary>
    public bool Cuts => Crop.Any(c => c != 0);
}

/// <summary>A row of the architecture table shown on the class: one level, encoder and decoder side.</summary>
/// <remarks>Immutable and value-equal: part of <see cref="NetworkReport"/>.</remarks>
internal sealed record LevelRow(int Level, EquatableArray<int> EncoderSize, int EncoderChannels, EquatableArray<int> SkipCrop, EquatableArray<int> DecoderSize, int DecoderChannels, string Skip);

/// <summary>Everything the compiler knows about a valid network: what the emitter writes down.</summary>
/// <remarks>
/// Immutable and value-equal: the source branch of the pipeline caches on it. <see cref="InputSize"/> is the
/// declared input size, or the smallest valid one when none was declared. <see cref="Shapes"/> holds the trace of
/// every node of <see cref="Graph"/>, by index. <see cref="ReceptiveField"/> and <see cref="MinimumReceptiveField"/>
/// are the most and the fewest input pixels an output pixel away from the borders depends on, per axis: it varies
/// with the pixel's position modulo the pooling period. <see cref="Memory"/> is the activation memory at every valid size.
/// </remarks>
internal sealed record NetworkReport(
    LayerGraph Graph,
    EquatableArray<AxisRule> Axes,
    bool InputDeclared,
    EquatableArray<int> InputSize,
    EquatableArray<int> OutputSize,
    EquatableArray<NodeShape> Shapes,
    EquatableArray<LevelRow> LevelTable,
    long Parameters,
    long MultiplyAccumulates,
    EquatableArray<int> ReceptiveField,
    EquatableArray<int> MinimumReceptiveField,
    ActivationMemoryModel Memory)
{
    public ResolvedNetwork Network => Graph.Network;

    /// <summary>The trace of a node.</summary>
    public NodeShape Shape(LayerNode node) => Shapes[node.Index];

    /// <summary>The summary's rows: every node, but crops that cut nothing.</summary>
    public IEnumerable<LayerShape> Layers =>
        Graph.Nodes
            .Where(node => node is not CropNode || Shapes[node.Index].Cuts)
            .Select(node => new LayerShape(node.Name, node.Kind, Describe(node), Shapes[node.Index].Channels, Shapes[node.Index].Size, node.Parameters(Network), Shapes[node.Index].MultiplyAccumulates));

    /// <summary>A summary row by layer name (for tests and tools; the emitters walk <see cref="Graph"/>).</summary>
    public LayerShape Layer(string name) => Layers.FirstOrDefault(l => l.Name == name) ?? throw new System.InvalidOperationException("No layer named " + name);

    private string Describe(LayerNode node) =>
        node is CropNode ? node.Describe(Network) + " by " + string.Join("x", Shapes[node.Index].Crop.Select(c => c.ToString(CultureInfo.InvariantCulture))) : node.Describe(Network);
}
