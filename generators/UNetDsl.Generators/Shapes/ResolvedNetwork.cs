using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>A stack of convolutions, each followed by normalisation and activation.</summary>
/// <remarks>Immutable and value-equal: part of <see cref="NetworkReport"/>, which the pipeline caches on.</remarks>
internal sealed record ConvStack(int InChannels, EquatableArray<int> Channels, int KernelSize)
{
    public int OutChannels => Channels[Channels.Count - 1];
}

/// <summary>One level with every default applied: what the generated code builds.</summary>
/// <remarks>Immutable and value-equal, as <see cref="ConvStack"/>.</remarks>
internal sealed record ResolvedLevel(
    int Number,
    ConvStack Encoder,
    int UpInChannels,
    int UpChannels,
    SkipJoin Skip,
    int SkipFrom,
    int SkipChannels,
    ConvStack Decoder);

/// <summary>A declared U-Net with every default applied; the shape engine's input.</summary>
/// <remarks>Immutable and value-equal, as <see cref="ConvStack"/>.</remarks>
internal sealed record ResolvedNetwork(
    int Dimensions,
    int InChannels,
    int Classes,
    PaddingKind Padding,
    UpSamplingKind UpSampling,
    NormKind Normalization,
    int NormGroups,
    ActivationKind Activation,
    EquatableArray<ResolvedLevel> Levels,
    ConvStack Bottleneck,
    double Dropout)
{
    /// <summary>Convolutions carry a bias only when no normalisation follows them (a norm's shift makes it redundant).</summary>
    public bool ConvBias => Normalization == NormKind.None;

    /// <summary>The channels of the last decoder convolution: the head's input.</summary>
    public int HeadInChannels => Levels[0].Decoder.OutChannels;

    /// <summary>Resolves a checked spec: single channel values mean two convolutions, the decoder mirrors the encoder.</summary>
    public static ResolvedNetwork From(UNetSpec spec)
    {
        var encoders = new ConvStack[spec.Levels.Count];
        var inChannels = spec.InChannels;
        for (var i = 0; i < spec.Levels.Count; i++)
        {
            var level = spec.Levels[i];
            encoders[i] = new ConvStack(inChannels, Expand(level.Channels), KernelOf(level.KernelSize, spec.KernelSize));
            inChannels = encoders[i].OutChannels;
        }

        var bottleneck = new ConvStack(inChannels, Expand(spec.Bottleneck.Channels), KernelOf(spec.Bottleneck.KernelSize, spec.KernelSize));

        // The decoder runs from the deepest level up; each level's input is the previous decoder's output.
        var levels = new ResolvedLevel[spec.Levels.Count];
        var below = bottleneck.OutChannels;
        for (var i = spec.Levels.Count - 1; i >= 0; i--)
        {
            var level = spec.Levels[i];
            var number = i + 1;
            var skipFrom = level.SkipFrom == 0 ? number : level.SkipFrom;
            var skipChannels = level.Skip == SkipJoin.None ? 0 : encoders[skipFrom - 1].OutChannels;
            var upChannels = level.UpChannels > 0 ? level.UpChannels : (level.Skip == SkipJoin.None ? encoders[i].OutChannels : skipChannels);
            var joined = level.Skip == SkipJoin.Concat ? upChannels + skipChannels : upChannels;
            var decoderChannels = level.DecoderChannels.IsEmpty
                ? Repeat(encoders[i].OutChannels, encoders[i].Channels.Count)
                : level.DecoderChannels;
            var decoder = new ConvStack(joined, decoderChannels, encoders[i].KernelSize);
            levels[i] = new ResolvedLevel(number, encoders[i], below, upChannels, level.Skip, skipFrom, skipChannels, decoder);
            below = decoder.OutChannels;
        }

        return new ResolvedNetwork(
            spec.Dimensions, spec.InChannels, spec.Classes, spec.Padding, spec.UpSampling, spec.Normalization,
            spec.NormGroups, spec.Activation, levels.ToEquatableArray(), bottleneck, spec.Bottleneck.Dropout);
    }

    /// <summary>A single value means two convolutions of it (the paper's levels); otherwise one conv per value.</summary>
    public static EquatableArray<int> Expand(EquatableArray<int> channels) =>
        channels.Count == 1 ? EquatableArray.Create(channels[0], channels[0]) : channels;

    private static int KernelOf(int levelKernel, int networkKernel) => levelKernel > 0 ? levelKernel : networkKernel;

    private static EquatableArray<int> Repeat(int value, int count)
    {
        var values = new int[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = value;
        }

        return values.ToEquatableArray();
    }
}
