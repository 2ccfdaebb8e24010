using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers.Conditioning;

/// <summary>
/// The timestep embedding of DDPM: sinusoidal features of the (integer or real) timestep, as the Transformer's
/// positional encoding, followed by an MLP (<c>linear1</c>, SiLU, <c>linear2</c>).
/// </summary>
public sealed class TimestepEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> linear1;
    private readonly nn.Module<Tensor, Tensor> linear2;
    private readonly int _channels;

    /// <summary>Builds the embedding.</summary>
    /// <param name="name">The module's name.</param>
    /// <param name="channels">Width of the sinusoidal features and of the embedding (even).</param>
    /// <param name="device">Where the parameters live; null for the default device.</param>
    /// <param name="dtype">The parameters' type; null for the default type.</param>
    public TimestepEmbedding(string name, int channels, Device? device = null, ScalarType? dtype = null)
        : base(name)
    {
        if (channels <= 0 || channels % 2 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "The timestep embedding needs an even, positive width.");
        }

        _channels = channels;
        linear1 = nn.Linear(channels, channels, device: device, dtype: dtype);
        linear2 = nn.Linear(channels, channels, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>cos and sin of t times frequencies from 1 down to 1/10000, geometrically spaced: [N, channels].</summary>
    /// <param name="timesteps">Timesteps [N].</param>
    /// <param name="channels">Feature width (even).</param>
    public static Tensor Sinusoidal(Tensor timesteps, int channels)
    {
        ArgumentNullException.ThrowIfNull(timesteps);
        using var scope = NewDisposeScope();
        var half = channels / 2;
        var frequencies = exp(arange(half, dtype: ScalarType.Float32, device: timesteps.device).mul(-Math.Log(10000.0) / half));
        var angles = timesteps.to_type(ScalarType.Float32).unsqueeze(1).mul(frequencies.unsqueeze(0));
        return scope.MoveToOuter(cat(new[] { cos(angles), sin(angles) }, 1));
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor timesteps)
    {
        using var scope = NewDisposeScope();
        var features = Sinusoidal(timesteps, _channels).to_type(linear1.parameters().First().dtype);
        return scope.MoveToOuter(linear2.call(nn.functional.silu(linear1.call(features))));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            linear1.Dispose();
            linear2.Dispose();
        }

        base.Dispose(disposing);
    }
}
