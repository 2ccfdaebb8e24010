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
