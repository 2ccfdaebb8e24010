namespace UNetDsl.Generators.Model;

// The enums of a spec (PaddingKind, UpSamplingKind, NormKind, ActivationKind, SkipJoin, BlockKind) are the runtime
// library's (UNetDsl.ConvPadding, ...) compiled here from the same file, src/UNetDsl/Declaration/Enums.cs, under these
// names: the generator must not reference the runtime library, and reads the attribute arguments as their numbers.

/// <summary>A declared U-Net exactly as its attributes say it, before any check.</summary>
/// <remarks>
/// Specs flow through the incremental pipeline and are compared to decide what to regenerate: they must stay
/// immutable and value-equal (records of primitives, strings and <see cref="EquatableArray{T}"/>), and must never
/// hold a Roslyn object (symbols, syntax, locations), which would root compilations and defeat caching.
/// An array argument written as an empty array reads as "not set" like an absent one; <c>EmptyArrays</c> keeps the
/// paths (<c>UNet.InputSize</c>, <c>Level[1].DecoderChannels</c>) of those declared so, for the checks to reject.
/// A named argument written with its default value reads like an absent one; <c>NamedArguments</c> keeps the paths
/// (<c>UNet.Activation</c>) of every named argument the declaration writes, for the checks that care whether it was.
/// </remarks>
internal sealed record UNetSpec(
    string? Namespace,
    string TypeName,
    string Accessibility,
    int Dimensions,
    int InChannels,
    int Classes,
    PaddingKind Padding,
    int KernelSize,
    EquatableArray<int> Kernel,
    BlockKind Block,
    EquatableArray<int> InputSize,
    UpSamplingKind UpSampling,
    NormKind Normalization,
    int NormGroups,
    ActivationKind Activation,
    EquatableArray<LevelSpec> Levels,
    BottleneckSpec Bottleneck,
    ConditioningSpec? Conditioning = null,
    EquatableArray<string> EmptyArrays = default,
    EquatableArray<string> NamedArguments = default)
{
    /// <summary>The fully qualified name, for messages and the generated file's name.</summary>
    public string FullName => Namespace is null ? TypeName : Namespace + "." + TypeName;

    /// <summary>True when the user fixed the input size; otherwise sizes are checked at run time.</summary>
    public bool HasInputSize => !InputSize.IsEmpty;

    /// <summary>True when the declaration writes the named argument at <paramref name="path"/> (<c>UNet.Activation</c>).</summary>
    public bool Declares(string path) => System.Linq.Enumerable.Contains(NamedArguments, path);
}

/// <summary>One resolution level as declared: the encoder's convs and, mirrored, the decoder's.</summary>
/// <remarks>Immutable and value-equal, as <see cref="UNetSpec"/>. Zero and empty mean "not set: use the default".</remarks>
internal sealed record LevelSpec(
    EquatableArray<int> Channels,
    int KernelSize,
    EquatableArray<int> Kernel,
    EquatableArray<int> Pool,
    EquatableArray<int> DecoderChannels,
    int UpChannels,
    SkipJoin Skip,
    int SkipFrom,
    int GateChannels,
    bool DeepSupervision,
    bool Checkpoint = false);

/// <summary>The deepest level as declared.</summary>
/// <remarks>Immutable and value-equal, as <see cref="UNetSpec"/>. Zero means "not set: use the default".</remarks>
internal sealed record BottleneckSpec(EquatableArray<int> Channels, int KernelSize, EquatableArray<int> Kernel, double Dropout);

/// <summary>The conditioning of a denoising U-Net as declared: timestep embedding, cross-attention context, heads.</summary>
/// <remarks>Immutable and value-equal, as <see cref="UNetSpec"/>.</remarks>
internal sealed record ConditioningSpec(int TimeChannels, int ContextChannels, int Heads, EquatableArray<int> AttentionLevels, bool BottleneckAttention)
{
    public bool AttentionAt(int level) => System.Linq.Enumerable.Contains(AttentionLevels, level);
}
