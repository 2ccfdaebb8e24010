using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>
/// The valid input sizes of one axis: <c>MinInput + Step * k</c> for k = 0, 1, 2, ...; each gives an output of
/// <c>input - Shrink</c>.
/// </summary>
internal readonly record struct AxisRule(int MinInput, int Step, int Shrink)
{
    public bool IsValid(int size) => size >= MinInput && (size - MinInput) % Step == 0;

    /// <summary>The largest valid size an <c>int</c> holds.</summary>
    public int MaxInput => MinInput + ((int.MaxValue - MinInput) / Step * Step);

    /// <summary>
    /// The largest valid size at or below <paramref name="size"/> and the smallest at or above it; null where there is
    /// none (below the smallest, or above the largest an <c>int</c> holds).
    /// </summary>
    public (int? Below, int? Above) Nearest(int size)
    {
        if (size <= MinInput)
        {
            return (size == MinInput ? MinInput : null, MinInput);
        }

        var below = MinInput + ((size - MinInput) / Step * Step);
        return (below, below == size ? size : below <= MaxInput - Step ? below + Step : (int?)null);
    }

    /// <summary>"188 + 16k".</summary>
    public string Describe() => Step == 1 ? MinInput + " or more" : MinInput + " + " + Step + "k";

    /// <summary>"556 or 572", or "572" when the size is valid.</summary>
    public string DescribeNearest(int size)
    {
        var (below, above) = Nearest(size);
        if (below == above || below is null)
        {
            return above!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return above is null ? below.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : below + " or " + above;
    }
}

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
