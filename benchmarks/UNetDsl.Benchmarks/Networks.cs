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

/// <summary>
/// Cicek et al.'s 3D U-Net at a quarter of its channels (8/16, 16/32, 32/64, 64/128): the same layout, 'Valid' padding
/// and size rule (92 + 8k per axis), small enough to run overlap-tile prediction over a volume several times.
/// </summary>
[UNet(3, 3, Dimensions = 3, Padding = ConvPadding.Valid, Normalization = Normalization.Batch, InputSize = new[] { 116, 132, 132 })]
[Level(8, 16, UpChannels = 32)]
[Level(16, 32, UpChannels = 64)]
[Level(32, 64, UpChannels = 128)]
[Bottleneck(64, 128)]
public partial class Cicek3DQuarterNet
{
}

/// <summary>
/// A small anisotropic 3D network for thick-sliced volumes: level 1 convolves and pools within slices only (1x3x3
/// kernels, 1x2x2 pooling), level 2 and the bottleneck in 3D; 'Same' padding, batch norm.
/// </summary>
[UNet(1, 2, Dimensions = 3, Padding = ConvPadding.Same, Normalization = Normalization.Batch, InputSize = new[] { 16, 128, 128 })]
[Level(16, Kernel = new[] { 1, 3, 3 }, Pool = new[] { 1, 2, 2 })]
[Level(32)]
[Bottleneck(64)]
public partial class Anisotropic3DNet
{
}
