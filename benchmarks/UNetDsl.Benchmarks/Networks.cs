using UNetDsl;

namespace UNetDsl.Benchmarks;

/// <summary>The paper's network, as benchmarked: 572x572 in, 388x388 out.</summary>
[UNet(1, 2, Padding = ConvPadding.Valid, InputSize = new[] { 572, 572 })]
[Level(64)]
[Level(128)]
[Level(256)]
[Level(512)]
[Bottleneck(1024, Dropout = 0.5)]
public partial class PaperNet
{
}

/// <summary>The 3D U-Net of Cicek et al. 2016, as benchmarked: 132x132x116 in, 44x44x28 out.</summary>
[UNet(3, 3, Dimensions = 3, Padding = ConvPadding.Valid, Normalization = Normalization.Batch, InputSize = new[] { 116, 132, 132 })]
[Level(32, 64, UpChannels = 128)]
[Level(64, 128, UpChannels = 256)]
[Level(128, 256, UpChannels = 512)]
[Bottleneck(256, 512)]
public partial class Cicek3DNet
{
}

/// <summary>The paper's network with batch norm after every convolution, for the folded inference path.</summary>
[UNet(1, 2, Padding = ConvPadding.Valid, Normalization = Normalization.Batch, InputSize = new[] { 572, 572 })]
[Level(64)]
[Level(128)]
[Level(256)]
[Level(512)]
[Bottleneck(1024, Dropout = 0.5)]
public partial class PaperBatchNormNet
{
}

/// <summary>The paper's network with level 1 checkpointed: the whole U-Net below the input is recomputed in backward.</summary>
[UNet(1, 2, Padding = ConvPadding.Valid, InputSize = new[] { 572, 572 })]
[Level(64, Checkpoint = true)]
[Level(128)]
[Level(256)]
[Level(512)]
[Bottleneck(1024, Dropout = 0.5)]
public partial class PaperNetCheckpoint1
{
}

/// <summary>The paper's network with levels 1 and 2 checkpointed (nested segments).</summary>
[UNet(1, 2, Padding = ConvPadding.Valid, InputSize = new[] { 572, 572 })]
[Level(64, Checkpoint = true)]
[Level(128, Checkpoint = true)]
[Level(256)]
[Level(512)]
[Bottleneck(1024, Dropout = 0.5)]
public partial class PaperNetCheckpoint12
{
}

/// <summary>The paper's network with every level checkpointed.</summary>
[UNet(1, 2, Padding = ConvPadding.Valid, InputSize = new[] { 572, 572 })]
[Level(64, Checkpoint = true)]
[Level(128, Checkpoint = true)]
[Level(256, Checkpoint = true)]
[Level(512, Checkpoint = true)]
[Bottleneck(1024, Dropout = 0.5)]
public partial class PaperNetCheckpointAll
{
}
