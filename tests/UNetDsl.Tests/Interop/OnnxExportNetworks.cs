using UNetDsl;

namespace UNetDsl.Tests.Interop;

// Small declarations covering every layer the ONNX export maps, built by the generator for the export tests.

[UNet(1, 2, Padding = ConvPadding.Valid)]
[Level(4)]
[Level(8)]
[Bottleneck(16)]
public partial class OnnxValidNet
{
}

[UNet(2, 3, Normalization = Normalization.Group, NormGroups = 4, UpSampling = UpSampling.Bilinear, Activation = Activation.SiLU)]
[Level(8)]
[Level(16)]
[Bottleneck(32)]
public partial class OnnxGroupBilinearSiLUNet
{
}

[UNet(3, 4, Normalization = Normalization.Instance, Activation = Activation.GELU, KernelSize = 5)]
[Level(8, DecoderChannels = new[] { 12, 8 }, UpChannels = 4)]
[Level(16, 32)]
[Bottleneck(32, Dropout = 0.5)]
public partial class OnnxGeluNet
{
}

[UNet(1, 2, Padding = ConvPadding.Valid, Normalization = Normalization.Instance, Activation = Activation.LeakyReLU)]
[Level(8, Skip = SkipKind.Add)]
[Level(16, Skip = SkipKind.None)]
[Bottleneck(32)]
public partial class OnnxLeakySkipKindsNet
{
}

[UNet(1, 2, Padding = ConvPadding.Valid)]
[Level(4, Skip = SkipKind.AttentionGate, GateChannels = 3)]
[Level(8, Skip = SkipKind.AttentionGate)]
[Bottleneck(16)]
public partial class OnnxGatedNet
{
}

[UNet(1, 2, Padding = ConvPadding.Valid, Block = BlockKind.Residual, Normalization = Normalization.Batch)]
[Level(4)]
[Level(8)]
[Bottleneck(16)]
public partial class OnnxResidualBatchNet
{
}

[UNet(1, 2, Dimensions = 3, Normalization = Normalization.Instance)]
[Level(4, Kernel = new[] { 1, 3, 3 }, Pool = new[] { 1, 2, 2 })]
[Level(8)]
[Bottleneck(16)]
public partial class OnnxThickSliceNet
{
}

[UNet(1, 2, Dimensions = 3, Normalization = Normalization.Group, NormGroups = 2, UpSampling = UpSampling.Bilinear)]
[Level(4, Pool = new[] { 1, 2, 2 })]
[Level(8)]
[Bottleneck(8)]
public partial class OnnxTrilinearNet
{
}

[UNet(1, 2, Block = BlockKind.Residual, Normalization = Normalization.Batch)]
[Level(4)]
[Level(8, DeepSupervision = true)]
[Level(16, DeepSupervision = true)]
[Bottleneck(32)]
public partial class OnnxSupervisedNet
{
}
