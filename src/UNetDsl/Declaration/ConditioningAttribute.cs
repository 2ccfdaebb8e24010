// This file is compiled into the runtime library (public, namespace UNetDsl) and, as linked source, into the source
// generator (internal, namespace UNetDsl.Generators.Model), whose parser names the arguments with nameof and reads
// their defaults from DeclarationDefaults. Keep it free of anything but System.
using System;

#if UNETDSL_GENERATOR
namespace UNetDsl.Generators.Model;
#else
namespace UNetDsl;
#endif

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
#if UNETDSL_GENERATOR
internal sealed class ConditioningAttribute : Attribute
#else
public sealed class ConditioningAttribute : Attribute
#endif
{
    /// <summary>Width of the timestep embedding (even). Default 128.</summary>
    public int TimeChannels { get; set; } = DeclarationDefaults.TimeChannels;

    /// <summary>Width of each context token for cross-attention. Default 64.</summary>
    public int ContextChannels { get; set; } = DeclarationDefaults.ContextChannels;

    /// <summary>Attention heads of every transformer block. Default 4.</summary>
    public int Heads { get; set; } = DeclarationDefaults.Heads;

    /// <summary>The levels (1 = finest) whose encoder and decoder get a transformer block. Default: none.</summary>
    public int[]? AttentionLevels { get; set; }

    /// <summary>Whether the bottleneck gets a transformer block. Default true.</summary>
    public bool BottleneckAttention { get; set; } = DeclarationDefaults.BottleneckAttention;
}
