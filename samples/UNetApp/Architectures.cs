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
