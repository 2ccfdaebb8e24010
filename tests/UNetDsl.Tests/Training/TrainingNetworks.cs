using UNetDsl;

namespace UNetDsl.Tests.Training;

/// <summary>A small 'Valid' network for overlap-tile and checkpoint tests: output = input - 40.</summary>
[UNet(1, 2, Padding = ConvPadding.Valid)]
[Level(4)]
[Level(8)]
[Bottleneck(8)]
public partial class TileNet
{
}
