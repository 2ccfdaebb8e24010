using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

internal enum LayerKind
{
    ConvBlock,
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

/// <summary>A row of the architecture table shown on the class: one level, encoder and decoder side.</summary>
/// <remarks>Immutable and value-equal: part of <see cref="NetworkReport"/>.</remarks>
internal sealed record LevelRow(int Level, EquatableArray<int> EncoderSize, int EncoderChannels, EquatableArray<int> SkipCrop, EquatableArray<int> DecoderSize, int DecoderChannels, string Skip);

/// <summary>Everything the compiler knows about a valid network: what the emitter writes down.</summary>
/// <remarks>
/// Immutable and value-equal: the source branch of the pipeline caches on it. <see cref="InputSize"/> is the
/// declared input size, or the smallest valid one when none was declared. <see cref="ReceptiveField"/> and
/// <see cref="MinimumReceptiveField"/> are the most and the fewest input pixels an output pixel away from the borders
/// depends on, per axis: it varies with the pixel's position modulo the pooling period.
/// </remarks>
internal sealed record NetworkReport(
    ResolvedNetwork Network,
    EquatableArray<AxisRule> Axes,
    bool InputDeclared,
    EquatableArray<int> InputSize,
    EquatableArray<int> OutputSize,
    EquatableArray<LayerShape> Layers,
    EquatableArray<LevelRow> LevelTable,
    long Parameters,
    long MultiplyAccumulates,
    EquatableArray<int> ReceptiveField,
    EquatableArray<int> MinimumReceptiveField)
{
    public LayerShape Layer(string name)
    {
        foreach (var layer in Layers)
        {
            if (layer.Name == name)
            {
                return layer;
            }
        }

        throw new System.InvalidOperationException("No layer named " + name);
    }
}
