// This file is compiled into the runtime library (public, namespace UNetDsl) and, as linked source, into the source
// generator (internal, namespace UNetDsl.Generators.Model, enums under the generator's names): the attributes'
// property initialisers and the generator's parser read the same constants, so an absent argument means the same
// thing to both. Keep it free of anything but System.
#if UNETDSL_GENERATOR
using ConvPadding = UNetDsl.Generators.Model.PaddingKind;
using UpSampling = UNetDsl.Generators.Model.UpSamplingKind;
using Normalization = UNetDsl.Generators.Model.NormKind;
using Activation = UNetDsl.Generators.Model.ActivationKind;
using SkipKind = UNetDsl.Generators.Model.SkipJoin;

namespace UNetDsl.Generators.Model;
#else
namespace UNetDsl;
#endif

/// <summary>
/// The value each attribute argument has when a declaration leaves it out. The attributes' properties start from
/// these, and the source generator reads them for an absent argument.
/// </summary>
#if UNETDSL_GENERATOR
internal
#else
public
#endif
static class DeclarationDefaults
{
    /// <summary><see cref="UNetAttribute.Dimensions"/>: 2, images.</summary>
    public const int Dimensions = 2;

    /// <summary><see cref="UNetAttribute.Padding"/>: <see cref="ConvPadding.Same"/>.</summary>
    public const ConvPadding Padding = ConvPadding.Same;

    /// <summary><see cref="UNetAttribute.KernelSize"/>: 3.</summary>
    public const int KernelSize = 3;

    /// <summary>
    /// The kernel of a <see cref="BlockKind.ConvNeXt"/> network that sets neither <see cref="UNetAttribute.KernelSize"/>
    /// nor <see cref="UNetAttribute.Kernel"/>: 7, the depthwise kernel of the ConvNeXt paper.
    /// </summary>
    public const int ConvNeXtKernelSize = 7;

    /// <summary><see cref="UNetAttribute.Block"/>: <see cref="BlockKind.Plain"/>.</summary>
    public const BlockKind Block = BlockKind.Plain;

    /// <summary><see cref="UNetAttribute.UpSampling"/>: <see cref="UNetDsl.UpSampling.TransposedConv"/>.</summary>
    public const UpSampling UpSampling = UpSampling.TransposedConv;

    /// <summary><see cref="UNetAttribute.Normalization"/>: <see cref="UNetDsl.Normalization.None"/>.</summary>
    public const Normalization Normalization = Normalization.None;

    /// <summary><see cref="UNetAttribute.NormGroups"/>: 8.</summary>
    public const int NormGroups = 8;

    /// <summary><see cref="UNetAttribute.Activation"/>: <see cref="UNetDsl.Activation.ReLU"/>.</summary>
    public const Activation Activation = Activation.ReLU;

    /// <summary>
    /// <see cref="LevelAttribute.KernelSize"/>, <see cref="LevelAttribute.UpChannels"/>, <see cref="LevelAttribute.GateChannels"/>,
    /// <see cref="LevelAttribute.SkipFrom"/> and <see cref="BottleneckAttribute.KernelSize"/>: 0, "not set", which takes
    /// the network's kernel, the skip's channels, half the skip's channels, or the level itself.
    /// </summary>
    public const int NotSet = 0;

    /// <summary><see cref="LevelAttribute.Skip"/>: <see cref="SkipKind.Concat"/>.</summary>
    public const SkipKind Skip = SkipKind.Concat;

    /// <summary><see cref="ConditioningAttribute.TimeChannels"/>: 128.</summary>
    public const int TimeChannels = 128;

    /// <summary><see cref="ConditioningAttribute.ContextChannels"/>: 64.</summary>
    public const int ContextChannels = 64;

    /// <summary><see cref="ConditioningAttribute.Heads"/>: 4.</summary>
    public const int Heads = 4;

    /// <summary><see cref="ConditioningAttribute.BottleneckAttention"/>: true.</summary>
    public const bool BottleneckAttention = true;
}
