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
