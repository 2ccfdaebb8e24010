using UNetDsl;

namespace UNetDsl.Tests.Inference;

// Small networks for overlap-tile plans: the paper's four poolings (period 16, outputs 4 + 16k, never a multiple of the
// period) at a few channels, and a 'Same' one; random weights, quick enough to run dozens of tiles per test.

/// <summary>'Valid' with the paper's depth: 188 + 16k in, 184 less out, period 16.</summary>
[UNet(1, 2, Padding = ConvPadding.Valid)]
[Level(4)]
[Level(4)]
[Level(8)]
[Level(8)]
[Bottleneck(8)]
public partial class FourPoolingNet
{
}

/// <summary>'Same' with two poolings: output = input, period 4.</summary>
[UNet(1, 2)]
[Level(4)]
[Level(8)]
[Bottleneck(8)]
public partial class SameTwoPoolingNet
{
}
