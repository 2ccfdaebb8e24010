using UNetDsl;

namespace Diffusion;

/// <summary>
/// A small denoising U-Net for 32x32 images, conditioned on the diffusion timestep and, through cross-attention, on
/// a context token that names the shape to draw.
/// </summary>
[UNet(1, 1, Normalization = Normalization.Group, NormGroups = 8, Activation = Activation.SiLU)]
[Conditioning(TimeChannels = 64, ContextChannels = ShapeImages.ContextChannels, Heads = 4, AttentionLevels = new[] { 2 })]
[Level(32)]
[Level(64)]
[Bottleneck(128)]
public partial class ShapeDenoiser
{
}
