// This file is compiled into the runtime library (public, namespace UNetDsl) and, as linked source, into the source
// generator (internal, namespace UNetDsl.Generators.Model), whose parser names the arguments with nameof and reads
// their defaults from DeclarationDefaults. Keep it free of anything but System.
using System;

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
/// Declares a U-Net on a <c>partial class</c>. The UNetDsl source generator turns the class into a
/// TorchSharp <c>Module&lt;Tensor, Tensor&gt;</c> and checks every shape through the network at build time.
/// </summary>
/// <remarks>
/// Levels are declared with one <see cref="LevelAttribute"/> per resolution, finest first, and the deepest
/// resolution with <see cref="BottleneckAttribute"/>. The paper's network:
/// <code>
/// [UNet(inChannels: 1, classes: 2, Padding = ConvPadding.Valid, InputSize = new[] { 572, 572 })]
/// [Level(64)] [Level(128)] [Level(256)] [Level(512)]
/// [Bottleneck(1024, Dropout = 0.5)]
/// public partial class PaperUNet { }
/// </code>
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
#if UNETDSL_GENERATOR
internal sealed class UNetAttribute : Attribute
#else
public sealed class UNetAttribute : Attribute
#endif
{
    /// <summary>Declares a U-Net.</summary>
    /// <param name="inChannels">Channels of the input image (1 for grayscale, 3 for RGB).</param>
    /// <param name="classes">Channels of the output: one score map per class.</param>
    public UNetAttribute(int inChannels, int classes)
    {
        InChannels = inChannels;
        Classes = classes;
    }

    /// <summary>Channels of the input image.</summary>
    public int InChannels { get; }

    /// <summary>Channels of the output (one score map per class).</summary>
    public int Classes { get; }

    /// <summary>Spatial dimensions: 2 for images (N, C, H, W), 3 for volumes (N, C, D, H, W). Default 2.</summary>
    public int Dimensions { get; set; } = DeclarationDefaults.Dimensions;

    /// <summary>Border handling of every convolution. Default <see cref="ConvPadding.Same"/>.</summary>
    public ConvPadding Padding { get; set; } = DeclarationDefaults.Padding;

    /// <summary>
    /// Kernel size of every convolution unless a level overrides it. Default 3, and 7 for <see cref="BlockKind.ConvNeXt"/>
    /// (its depthwise convolution) when <see cref="Kernel"/> is not set either.
    /// </summary>
    public int KernelSize { get; set; } = DeclarationDefaults.KernelSize;

    /// <summary>Per-axis kernel sizes (D, H, W or H, W), e.g. <c>new[] { 1, 3, 3 }</c> for thick slices; overrides <see cref="KernelSize"/>.</summary>
    public int[]? Kernel { get; set; }

    /// <summary>The building block of every level. Default <see cref="BlockKind.Plain"/>.</summary>
    public BlockKind Block { get; set; } = DeclarationDefaults.Block;

    /// <summary>
    /// The input's spatial size, checked by the compiler through the whole network: one value per axis
    /// (H, W or D, H, W), or one value for all axes. Leave unset to check sizes at run time instead.
    /// </summary>
    public int[]? InputSize { get; set; }

    /// <summary>How the decoder up-samples. Default <see cref="UNetDsl.UpSampling.TransposedConv"/>.</summary>
    public UpSampling UpSampling { get; set; } = DeclarationDefaults.UpSampling;

    /// <summary>Normalisation after each convolution. Default <see cref="UNetDsl.Normalization.None"/>.</summary>
    public Normalization Normalization { get; set; } = DeclarationDefaults.Normalization;

    /// <summary>Groups of <see cref="UNetDsl.Normalization.Group"/>; must divide every conv's channels. Default 8.</summary>
    public int NormGroups { get; set; } = DeclarationDefaults.NormGroups;

    /// <summary>The non-linearity after each convolution. Default <see cref="UNetDsl.Activation.ReLU"/>.</summary>
    public Activation Activation { get; set; } = DeclarationDefaults.Activation;
}

/// <summary>
/// One resolution level of the encoder and its mirror in the decoder, finest first.
/// <c>[Level(64)]</c> means two convolutions of 64 channels; <c>[Level(32, 64)]</c> a first convolution of 32
/// then one of 64, as the levels of the 3D U-Net paper; any number of values gives that many convolutions.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
#if UNETDSL_GENERATOR
internal sealed class LevelAttribute : Attribute
#else
public sealed class LevelAttribute : Attribute
#endif
{
    /// <summary>Declares a level.</summary>
    /// <param name="channels">Output channels of each convolution; a single value means two convolutions of it.</param>
    public LevelAttribute(params int[] channels) => Channels = channels;

    /// <summary>Output channels of each encoder convolution of this level.</summary>
    public int[] Channels { get; }

    /// <summary>Kernel size of this level's convolutions (encoder and decoder); 0 keeps the network's.</summary>
    public int KernelSize { get; set; }

    /// <summary>Per-axis kernel sizes of this level's convolutions, e.g. <c>new[] { 1, 3, 3 }</c>; overrides <see cref="KernelSize"/>.</summary>
    public int[]? Kernel { get; set; }

    /// <summary>
    /// Per-axis pooling factors below this level (and up-sampling factors back into it), e.g. <c>new[] { 1, 2, 2 }</c> to
    /// keep the slice axis of an anisotropic volume. Default 2 on every axis.
    /// </summary>
    public int[]? Pool { get; set; }

    /// <summary>Intermediate channels of the attention gate (<see cref="SkipKind.AttentionGate"/>). Default: half the skip's channels.</summary>
    public int GateChannels { get; set; }

    /// <summary>
    /// Adds a 1x1 head at this decoder level for deep supervision (levels 2 and deeper; level 1 has the main head).
    /// The generated <c>ForwardWithHeads</c> returns every head's output at its own resolution.
    /// </summary>
    public bool DeepSupervision { get; set; }

    /// <summary>
    /// Output channels of each decoder convolution of this level. Default: as many convolutions as the encoder's,
    /// each with the encoder's last channel count (the decoder mirrors the encoder).
    /// </summary>
    public int[]? DecoderChannels { get; set; }

    /// <summary>
    /// Channels produced by the up-sampling into this level. Default: the skip's channels (the paper halves the
    /// channels in each up-convolution: 1024 to 512).
    /// </summary>
    public int UpChannels { get; set; }

    /// <summary>How this level's skip is joined to the decoder. Default <see cref="SkipKind.Concat"/>.</summary>
    public SkipKind Skip { get; set; } = DeclarationDefaults.Skip;

    /// <summary>
    /// The encoder level (1 = finest) whose output feeds this level's skip; 0 means this level itself. Rewiring
    /// must keep the resolution (the levels in between pool by 1) and the spatial sizes compatible, which the
    /// compiler checks (UNET1004).
    /// </summary>
    public int SkipFrom { get; set; }

    /// <summary>
    /// Activation checkpointing: in training, keep only what enters this level's encoder block and its decoder block
    /// (the level's input; the coarser map, the skip cropped to what is joined; the timestep embedding and context of a
    /// conditional U-Net) and recompute each block when backward reaches it, instead of holding their activations.
    /// Costs one more forward pass of those blocks; the levels below are not recomputed with them, so any set of levels
    /// may be checkpointed, with every other feature. Outputs and gradients are unchanged; inference is unaffected.
    /// One backward pass per forward pass (no <c>retain_graph</c>).
    /// </summary>
    public bool Checkpoint { get; set; }
}

/// <summary>The deepest level: convolutions between the encoder and the decoder, with optional dropout.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
#if UNETDSL_GENERATOR
internal sealed class BottleneckAttribute : Attribute
#else
public sealed class BottleneckAttribute : Attribute
#endif
{
    /// <summary>Declares the bottleneck.</summary>
    /// <param name="channels">Output channels of each convolution; a single value means two convolutions of it.</param>
    public BottleneckAttribute(params int[] channels) => Channels = channels;

    /// <summary>Output channels of each bottleneck convolution.</summary>
    public int[] Channels { get; }

    /// <summary>Kernel size of the bottleneck's convolutions; 0 keeps the network's.</summary>
    public int KernelSize { get; set; }

    /// <summary>Per-axis kernel sizes of the bottleneck's convolutions; overrides <see cref="KernelSize"/>.</summary>
    public int[]? Kernel { get; set; }

    /// <summary>
    /// Drop probability of a dropout layer after the bottleneck's convolutions (the paper's "drop-out layers at the
    /// end of the contracting path"), in [0, 1). Default 0: none.
    /// </summary>
    public double Dropout { get; set; }
}
