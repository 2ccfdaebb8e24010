using UNetDsl;

namespace UNetApp;

/// <summary>
/// The network of the U-Net paper (Ronneberger, Fischer, Brox 2015, figure 1): four levels of two unpadded 3x3
/// convolutions, 2x2 max-pooling, 2x2 up-convolutions that halve the channels, cropped skips, dropout at the end
/// of the contracting path. 572x572 in, 388x388 out.
/// </summary>
[UNet(inChannels: 1, classes: 2, Padding = ConvPadding.Valid, InputSize = new[] { 572, 572 })]
[Level(64)]
[Level(128)]
[Level(256)]
[Level(512)]
[Bottleneck(1024, Dropout = 0.5)]
public partial class PaperUNet
{
}

/// <summary>
/// The 3D U-Net of Cicek et al. 2016 ("3D U-Net: learning dense volumetric segmentation from sparse annotation"):
/// three levels of two 3x3x3 convolutions with batch norm before each ReLU, 2x2x2 max-pooling, 2x2x2 up-convolutions
/// that keep their channels; 132x132x116 in, 44x44x28 out.
/// </summary>
[UNet(3, 3, Dimensions = 3, Padding = ConvPadding.Valid, Normalization = Normalization.Batch, InputSize = new[] { 116, 132, 132 })]
[Level(32, 64, UpChannels = 128)]
[Level(64, 128, UpChannels = 256)]
[Level(128, 256, UpChannels = 512)]
[Bottleneck(256, 512)]
public partial class Cicek3DUNet
{
}

/// <summary>
/// A smaller network for CPUs: the paper's design (unpadded convolutions, cropped skips) with three levels of 16 to
/// 64 channels. Input tiles of 92 + 8k, output tiles 88 pixels smaller.
/// </summary>
[UNet(1, 2, Padding = ConvPadding.Valid)]
[Level(16)]
[Level(32)]
[Level(64)]
[Bottleneck(128)]
public partial class SmallUNet
{
}

/// <summary>The small network with attention-gated skips (Oktay et al. 2018).</summary>
[UNet(1, 2, Padding = ConvPadding.Valid)]
[Level(16, Skip = SkipKind.AttentionGate)]
[Level(32, Skip = SkipKind.AttentionGate)]
[Level(64, Skip = SkipKind.AttentionGate)]
[Bottleneck(128)]
public partial class AttentionUNet
{
}

/// <summary>
/// The small network with three classes: background and two kinds of cells (the synthetic cells' three-class mode,
/// <c>unet train --arch small3</c>).
/// </summary>
[UNet(1, 3, Padding = ConvPadding.Valid)]
[Level(16)]
[Level(32)]
[Level(64)]
[Bottleneck(128)]
public partial class SmallUNet3
{
}

/// <summary>
/// A small anisotropic 3D network for thick-slice volumes (the synthetic 3D cells, slices 3 times as far apart as
/// pixels): the finest level convolves and pools in-plane only (1x3x3 kernels, 1x2x2 pooling), as nnU-Net plans such
/// volumes; the levels below treat every axis alike. 'Same' padding and batch norm; depth multiples of 4, height and
/// width multiples of 8.
/// </summary>
[UNet(1, 2, Dimensions = 3, Normalization = Normalization.Batch)]
[Level(16, Kernel = new[] { 1, 3, 3 }, Pool = new[] { 1, 2, 2 })]
[Level(32)]
[Level(64)]
[Bottleneck(128)]
public partial class Small3DUNet
{
}

/// <summary>
/// An anisotropic 3D network for serial-section electron microscopy (the ISBI 2012 stack: 4x4 nm pixels, 50 nm
/// sections, 12.5 times as far apart): three in-plane levels (1x3x3 kernels at the two finest, 1x2x2 pooling
/// throughout, so the slice axis is never pooled) and 3x3x3 kernels only at the coarsest level and the bottleneck,
/// where pixels are 8 times larger and the voxels nearly isotropic. 'Same' padding and batch norm; any depth, height
/// and width multiples of 8. Channels as the 2D SmallUNet's, so the two compare on the same slices.
/// </summary>
[UNet(1, 2, Dimensions = 3, Normalization = Normalization.Batch)]
[Level(16, Kernel = new[] { 1, 3, 3 }, Pool = new[] { 1, 2, 2 })]
[Level(32, Kernel = new[] { 1, 3, 3 }, Pool = new[] { 1, 2, 2 })]
[Level(64, Pool = new[] { 1, 2, 2 })]
[Bottleneck(128)]
public partial class EmStack3DUNet
{
}
