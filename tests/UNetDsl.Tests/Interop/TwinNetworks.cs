using UNetDsl;

namespace UNetDsl.Tests.Interop;

/// <summary>'Same' padding with group norm, bilinear up-sampling, SiLU and bottleneck dropout.</summary>
[UNet(2, 3, Normalization = Normalization.Group, NormGroups = 4, Activation = Activation.SiLU, UpSampling = UpSampling.Bilinear)]
[Level(8)]
[Level(16)]
[Bottleneck(32, Dropout = 0.25)]
public partial class TwinGroupNormNet
{
}

/// <summary>3D with trilinear up-sampling, attention-gated skips and anisotropic pooling at the first level.</summary>
[UNet(1, 2, Dimensions = 3, UpSampling = UpSampling.Bilinear, Normalization = Normalization.Batch, Activation = Activation.LeakyReLU)]
[Level(4, Pool = new[] { 1, 2, 2 }, Skip = SkipKind.AttentionGate)]
[Level(8, Skip = SkipKind.AttentionGate)]
[Bottleneck(16)]
public partial class TwinVolumeNet
{
}
