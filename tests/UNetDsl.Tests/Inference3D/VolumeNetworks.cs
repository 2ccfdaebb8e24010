using UNetDsl;

namespace UNetDsl.Tests.Inference3D;

// Small 3D networks for overlap-tile prediction of volumes: few channels, so that several tiles per axis run quickly.

/// <summary>'Valid' 3D: every axis shrinks by 16 (margin 8).</summary>
[UNet(1, 2, Dimensions = 3, Padding = ConvPadding.Valid)]
[Level(2)]
[Bottleneck(4)]
public partial class ValidVolumeNet
{
}

/// <summary>'Valid' and anisotropic: 1x3x3 kernels and 1x2x2 pooling at level 1, so D loses less than H and W.</summary>
[UNet(2, 3, Dimensions = 3, Padding = ConvPadding.Valid)]
[Level(2, Kernel = new[] { 1, 3, 3 }, Pool = new[] { 1, 2, 2 })]
[Bottleneck(4)]
public partial class ValidThickSliceNet
{
}

/// <summary>'Same' 3D: output = input, even sizes.</summary>
[UNet(1, 2, Dimensions = 3)]
[Level(2)]
[Bottleneck(4)]
public partial class SameVolumeNet
{
}

/// <summary>'Same' and anisotropic: D is neither pooled nor convolved across at level 1.</summary>
[UNet(1, 2, Dimensions = 3)]
[Level(2, Kernel = new[] { 1, 3, 3 }, Pool = new[] { 1, 2, 2 })]
[Bottleneck(4)]
public partial class SameThickSliceNet
{
}
