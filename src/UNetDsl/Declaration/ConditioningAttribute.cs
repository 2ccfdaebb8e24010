using System;

namespace UNetDsl;

/// <summary>
/// Makes the U-Net a conditional denoiser, as the backbone of DDPM and Stable Diffusion: a timestep embedding
/// (sinusoidal + MLP) added inside every level's residual block, and transformer blocks (self-attention,
/// cross-attention to a context, feed-forward) at the levels named in <see cref="AttentionLevels"/>. The generated
/// module is a <c>Module&lt;Tensor, Tensor, Tensor, Tensor&gt;</c>: <c>forward(x, timestep, context)</c> with x
/// [N, C, H, W], timestep [N] and context [N, tokens, <see cref="ContextChannels"/>].
/// </summary>
/// <remarks>
/// Needs <see cref="ConvPadding.Same"/> padding and <see cref="Normalization.Group"/> normalisation (the transformer
/// blocks and residual blocks use group norm); the compiler checks both, and that every attention level's channels
/// divide into <see cref="Heads"/> heads.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ConditioningAttribute : Attribute
{
    /// <summary>Width of the timestep embedding (even). Default 128.</summary>
    public int TimeChannels { get; set; } = 128;

    /// <summary>Width of each context token for cross-attention. Default 64.</summary>
    public int ContextChannels { get; set; } = 64;

    /// <summary>Attention heads of every transformer block. Default 4.</summary>
    public int Heads { get; set; } = 4;

    /// <summary>The levels (1 = finest) whose encoder and decoder get a transformer block. Default: none.</summary>
    public int[]? AttentionLevels { get; set; }

    /// <summary>Whether the bottleneck gets a transformer block. Default true.</summary>
    public bool BottleneckAttention { get; set; } = true;
}
