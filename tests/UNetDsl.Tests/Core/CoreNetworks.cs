using UNetDsl;

namespace UNetDsl.Tests.Core;

/// <summary>The network of the U-Net paper: 572x572 in, 388x388 out.</summary>
[UNet(1, 2, Padding = ConvPadding.Valid, InputSize = new[] { 572, 572 })]
[Level(64)]
[Level(128)]
[Level(256)]
[Level(512)]
[Bottleneck(1024, Dropout = 0.5)]
public partial class PaperNet
{
}

[UNet(1, 2, Normalization = Normalization.Batch)]
[Level(8)]
[Level(16)]
[Bottleneck(32)]
public partial class SmallBatchNormNet
{
}

[UNet(3, 4, Normalization = Normalization.Group, NormGroups = 4, UpSampling = UpSampling.Bilinear, Activation = Activation.GELU, KernelSize = 5)]
[Level(8, DecoderChannels = new[] { 12, 8 }, UpChannels = 4)]
[Level(16, 32)]
[Bottleneck(32)]
public partial class OverriddenNet
{
}

[UNet(1, 2, Padding = ConvPadding.Valid, Normalization = Normalization.Instance, Activation = Activation.LeakyReLU)]
[Level(8, Skip = SkipKind.Add)]
[Level(16, Skip = SkipKind.None)]
[Bottleneck(32)]
public partial class SkipKindsNet
{
}
