using System.Linq;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>A stack of convolutions, each followed by normalisation and activation; residual when <see cref="Residual"/>.</summary>
/// <remarks>Immutable and value-equal: part of <see cref="NetworkReport"/>, which the pipeline caches on.</remarks>
/// <param name="TimeChannels">Width of the timestep embedding added after the first convolution (a conditional U-Net's
/// residual block); 0 for none.</param>
internal sealed record ConvStack(int InChannels, EquatableArray<int> Channels, EquatableArray<int> Kernel, bool Residual, int TimeChannels = 0)
{
    public int OutChannels => Channels[Channels.Count - 1];

    /// <summary>True for a time-conditioned residual block.</summary>
    public bool TimeConditioned => TimeChannels > 0;

    /// <summary>A residual block needs a 1x1 projection of its input when the channels change.</summary>
    public bool HasProjection => (Residual || TimeConditioned) && InChannels != OutChannels;
}

/// <summary>One level with every default applied: what the generated code builds.</summary>
/// <remarks>Immutable and value-equal, as <see cref="ConvStack"/>.</remarks>
internal sealed record ResolvedLevel(
    int Number,
    ConvStack Encoder,
    EquatableArray<int> Pool,
    int UpInChannels,
    int UpChannels,
    SkipJoin Skip,
    int SkipFrom,
    int SkipChannels,
    int GateChannels,
    ConvStack Decoder,
    bool DeepSupervision,
    bool Checkpoint = false)
{
    /// <summary>True when the skip is concatenated (plainly or after its attention gate).</summary>
    public bool Concatenates => Skip is SkipJoin.Concat or SkipJoin.AttentionGate;
}

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
    BlockKind Block,
    EquatableArray<ResolvedLevel> Levels,
    ConvStack Bottleneck,
    double Dropout,
    ConditioningSpec? Conditioning)
{
    /// <summary>Convolutions carry a bias only when no normalisation follows them (a norm's shift makes it redundant).</summary>
    public bool ConvBias => Normalization == NormKind.None;

    /// <summary>The channels of the last decoder convolution: the head's input.</summary>
    public int HeadInChannels => Levels[0].Decoder.OutChannels;

    /// <summary>True when every level pools by 2 on every axis: one shared pooling module serves all levels.</summary>
    public bool UniformPooling => Levels.All(l => l.Pool.All(f => f == 2));

    /// <summary>The decoder levels with a deep-supervision head, finest first.</summary>
    public ResolvedLevel[] SupervisedLevels => Levels.Where(l => l.DeepSupervision).OrderBy(l => l.Number).ToArray();

    /// <summary>Resolves a checked spec: single channel values mean two convolutions, the decoder mirrors the encoder.</summary>
    public static ResolvedNetwork From(UNetSpec spec)
    {
        var residual = spec.Block == BlockKind.Residual && spec.Conditioning is null;
        var time = spec.Conditioning?.TimeChannels ?? 0;
        var networkKernel = KernelOf(spec.Kernel, spec.KernelSize, Uniform(spec.KernelSize, spec.Dimensions));
        var encoders = new ConvStack[spec.Levels.Count];
        var inChannels = spec.InChannels;
        for (var i = 0; i < spec.Levels.Count; i++)
        {
            var level = spec.Levels[i];
            encoders[i] = new ConvStack(inChannels, Expand(level.Channels), KernelOf(level.Kernel, level.KernelSize, networkKernel), residual, time);
            inChannels = encoders[i].OutChannels;
        }

        var bottleneck = new ConvStack(inChannels, Expand(spec.Bottleneck.Channels), KernelOf(spec.Bottleneck.Kernel, spec.Bottleneck.KernelSize, networkKernel), residual, time);

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
            var joined = level.Skip is SkipJoin.Concat or SkipJoin.AttentionGate ? upChannels + skipChannels : upChannels;
            var decoderChannels = level.DecoderChannels.IsEmpty
                ? Uniform(encoders[i].OutChannels, encoders[i].Channels.Count)
                : level.DecoderChannels;
            var gateChannels = level.Skip == SkipJoin.AttentionGate ? (level.GateChannels > 0 ? level.GateChannels : System.Math.Max(1, skipChannels / 2)) : 0;
            var pool = level.Pool.IsEmpty ? Uniform(2, spec.Dimensions) : level.Pool;
            var decoder = new ConvStack(joined, decoderChannels, encoders[i].Kernel, residual, time);
            levels[i] = new ResolvedLevel(number, encoders[i], pool, below, upChannels, level.Skip, skipFrom, skipChannels, gateChannels, decoder, level.DeepSupervision, level.Checkpoint);
            below = decoder.OutChannels;
        }

        return new ResolvedNetwork(
            spec.Dimensions, spec.InChannels, spec.Classes, spec.Padding, spec.UpSampling, spec.Normalization,
            spec.NormGroups, spec.Activation, spec.Block, levels.ToEquatableArray(), bottleneck, spec.Bottleneck.Dropout, spec.Conditioning);
    }

    /// <summary>A single value means two convolutions of it (the paper's levels); otherwise one conv per value.</summary>
    public static EquatableArray<int> Expand(EquatableArray<int> channels) =>
        channels.Count == 1 ? EquatableArray.Create(channels[0], channels[0]) : channels;

    /// <summary>Per-axis kernel: an explicit per-axis array, else a cubic size, else the fallback.</summary>
    private static EquatableArray<int> KernelOf(EquatableArray<int> perAxis, int size, EquatableArray<int> fallback) =>
        !perAxis.IsEmpty ? perAxis : size > 0 ? Uniform(size, fallback.Count) : fallback;

    public static EquatableArray<int> Uniform(int value, int count) => Enumerable.Repeat(value, count).ToEquatableArray();
}
