using UNetDsl;

namespace UNetDsl.Tests.Variants;

// Small declarations of every variant, built by the generator for these tests.

[UNet(2, 3, Dimensions = 3, Padding = ConvPadding.Valid, Normalization = Normalization.Batch)]
[Level(4, 8, UpChannels = 16)]
[Level(8, 16, UpChannels = 32)]
[Bottleneck(16, 32)]
public partial class SmallCicekNet
{
}

[UNet(1, 2, Dimensions = 3, Normalization = Normalization.Instance)]
[Level(4, Kernel = new[] { 1, 3, 3 }, Pool = new[] { 1, 2, 2 })]
[Level(8)]
[Bottleneck(16)]
public partial class ThickSliceNet
{
}

[UNet(1, 2, Padding = ConvPadding.Valid)]
[Level(4, Skip = SkipKind.AttentionGate, GateChannels = 3)]
[Level(8, Skip = SkipKind.AttentionGate)]
[Bottleneck(16)]
public partial class GatedNet
{
}

[UNet(1, 2, Block = BlockKind.Residual, Normalization = Normalization.Batch)]
[Level(4)]
[Level(8, DeepSupervision = true)]
[Level(16, DeepSupervision = true)]
[Bottleneck(32)]
public partial class SupervisedResidualNet
{
}

[UNet(1, 2, Padding = ConvPadding.Valid, Block = BlockKind.Residual)]
[Level(4)]
[Level(8)]
[Bottleneck(16)]
public partial class ValidResidualNet
{
}

[UNet(1, 1, Normalization = Normalization.Group, NormGroups = 4, Activation = Activation.SiLU)]
[Conditioning(TimeChannels = 32, ContextChannels = 8, Heads = 2, AttentionLevels = new[] { 2 })]
[Level(8)]
[Level(16)]
[Bottleneck(32)]
public partial class TinyDenoiser
{
}

/// <summary>ConvNeXt blocks (depthwise 7x7, layer norm, inverted bottleneck) with 'Same' padding; projections where the channels change.</summary>
[UNet(1, 3, Block = BlockKind.ConvNeXt)]
[Level(8)]
[Level(16, Skip = SkipKind.AttentionGate)]
[Bottleneck(24)]
public partial class ConvNeXtNet
{
}

/// <summary>3D ConvNeXt blocks with 'Valid' padding and per-axis 1x3x3 depthwise kernels: the residuals are centre-cropped.</summary>
[UNet(1, 2, Dimensions = 3, Padding = ConvPadding.Valid, Block = BlockKind.ConvNeXt, Kernel = new[] { 1, 3, 3 })]
[Level(4, Pool = new[] { 1, 2, 2 })]
[Level(8)]
[Bottleneck(8)]
public partial class ConvNeXtVolumeNet
{
}
