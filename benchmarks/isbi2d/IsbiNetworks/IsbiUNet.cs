using UNetDsl;

namespace IsbiNetworks;

/// <summary>
/// The ISBI 2012 recipe's network: the U-Net paper's design (four levels, unpadded 3x3 convolutions, cropped skips)
/// at a quarter of its width, with batch norm: the paper's receptive field (the small network's three levels see 92
/// pixels less), at a cost bfloat16 mixed precision pays for within the recipe's half hour on two cores.
/// </summary>
[UNet(1, 2, Padding = ConvPadding.Valid, Normalization = Normalization.Batch)]
[Level(16)]
[Level(32)]
[Level(64)]
[Level(128)]
[Bottleneck(256)]
public partial class IsbiUNet
{
}
