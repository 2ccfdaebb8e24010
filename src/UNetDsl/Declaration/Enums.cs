// This file is compiled into the runtime library (public enums, namespace UNetDsl) and, as linked source, into the
// source generator (internal enums under the generator's names, namespace UNetDsl.Generators.Model): one list of
// names and values for both, so the generator reads an attribute's enum argument exactly as the runtime defines it.
// Keep it free of anything but System.
#if UNETDSL_GENERATOR
namespace UNetDsl.Generators.Model;
#else
namespace UNetDsl;
#endif

/// <summary>How each convolution treats the border of its input.</summary>
#if UNETDSL_GENERATOR
internal enum PaddingKind
#else
public enum ConvPadding
#endif
{
    /// <summary>
    /// No padding, as in the U-Net paper: every 3x3 convolution loses one pixel on each side, skips are
    /// centre-cropped to the decoder's size, and a 572x572 input gives a 388x388 output.
    /// </summary>
    Valid = 0,

    /// <summary>Zero padding of (kernel - 1) / 2: every convolution keeps its input size, so output size = input size.</summary>
    Same = 1,
}

/// <summary>How the decoder doubles the spatial size before each skip is joined.</summary>
#if UNETDSL_GENERATOR
internal enum UpSamplingKind
#else
public enum UpSampling
#endif
{
    /// <summary>A 2x2 (2x2x2 in 3D) transposed convolution with stride 2: the paper's "up-convolution".</summary>
    TransposedConv = 0,

    /// <summary>Bilinear (trilinear in 3D) interpolation by 2 followed by a 1x1 convolution that sets the channels.</summary>
    Bilinear = 1,
}

/// <summary>The normalisation after each convolution (before its activation).</summary>
#if UNETDSL_GENERATOR
internal enum NormKind
#else
public enum Normalization
#endif
{
    /// <summary>No normalisation; convolutions keep their bias (the paper).</summary>
    None = 0,

    /// <summary>Batch normalisation (the 3D U-Net paper); convolutions drop their bias.</summary>
    Batch = 1,

    /// <summary>Instance normalisation with learned affine parameters (nnU-Net); convolutions drop their bias.</summary>
    Instance = 2,

    /// <summary>Group normalisation with <see cref="UNetAttribute.NormGroups"/> groups; convolutions drop their bias.</summary>
    Group = 3,
}

/// <summary>The non-linearity after each convolution.</summary>
#if UNETDSL_GENERATOR
internal enum ActivationKind
#else
public enum Activation
#endif
{
    /// <summary>max(0, x), the paper's choice.</summary>
    ReLU = 0,

    /// <summary>max(0.01 x, x).</summary>
    LeakyReLU = 1,

    /// <summary>x * sigmoid(x), also called swish.</summary>
    SiLU = 2,

    /// <summary>The Gaussian error linear unit.</summary>
    GELU = 3,
}

/// <summary>How an encoder feature map (the skip) is joined to the up-sampled decoder feature map.</summary>
#if UNETDSL_GENERATOR
internal enum SkipJoin
#else
public enum SkipKind
#endif
{
    /// <summary>Concatenate along the channels (the paper): channels add up.</summary>
    Concat = 0,

    /// <summary>Add element-wise: the up-sampling must produce exactly the skip's channels.</summary>
    Add = 1,

    /// <summary>No skip at this level: the decoder sees only the up-sampled features.</summary>
    None = 2,

    /// <summary>
    /// An attention gate (Oktay et al. 2018): the skip x is multiplied by alpha = sigmoid(psi(relu(W_x x + W_g g))),
    /// g the coarser decoder map, alpha resampled to x's size; then concatenated as <see cref="Concat"/> does.
    /// </summary>
    AttentionGate = 3,
}

/// <summary>The building block of every level.</summary>
#if UNETDSL_GENERATOR
internal enum BlockKind
#else
public enum BlockKind
#endif
{
    /// <summary>Convolution, normalisation, activation, repeated (the paper).</summary>
    Plain = 0,

    /// <summary>
    /// A residual block: the convolutions as in <see cref="Plain"/>, the input added before the last activation,
    /// through a 1x1 projection where the channels change (centre-cropped with 'Valid' padding).
    /// </summary>
    Residual = 1,

    /// <summary>
    /// A ConvNeXt block (Liu et al. 2022, "A ConvNet for the 2020s") for each convolution of the level: a 1x1 projection
    /// where the channels change, a depthwise convolution of the level's kernel (7 on every axis unless the network
    /// sets <see cref="UNetAttribute.KernelSize"/> or <see cref="UNetAttribute.Kernel"/>; see
    /// <see cref="DeclarationDefaults.ConvNeXtKernelSize"/>), a layer norm over the channels, a 1x1 expansion to 4x the
    /// channels, GELU, a 1x1 reduction back, added to the block's input (centre-cropped with 'Valid' padding).
    /// The block brings its own normalisation and activation, so <see cref="UNetAttribute.Normalization"/>,
    /// <see cref="UNetAttribute.NormGroups"/> and <see cref="UNetAttribute.Activation"/> do not apply to it; a conditional
    /// U-Net (<see cref="ConditioningAttribute"/>) cannot use it, as its blocks take no timestep.
    /// </summary>
    ConvNeXt = 2,
}
