using UNetDsl;

namespace UNetDsl.Tests.Core;

/// <summary>Group normalisation with bilinear up-sampling and SiLU, the combination of diffusion-style U-Nets.</summary>
[UNet(2, 3, Normalization = Normalization.Group, NormGroups = 4, UpSampling = UpSampling.Bilinear, Activation = Activation.SiLU)]
[Level(8)]
[Level(16)]
[Bottleneck(32)]
public partial class GroupBilinearSiLUNet
{
}

/// <summary>The plainest 3D network: 'Same' padding, isotropic kernels and pooling.</summary>
[UNet(1, 2, Dimensions = 3)]
[Level(4)]
[Level(8)]
[Bottleneck(8)]
public partial class Small3DSameNet
{
}
