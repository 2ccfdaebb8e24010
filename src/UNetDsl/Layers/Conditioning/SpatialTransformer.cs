using System;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers.Conditioning;

/// <summary>
/// The transformer block of Stable Diffusion's U-Net: group norm, a linear projection to tokens (one per pixel),
/// then self-attention, cross-attention to the context and a feed-forward layer, each after a layer norm and added
/// back; projected back to the map and added to the input. Submodules: <c>norm</c>, <c>proj_in</c>, <c>ln1</c>,
/// <c>self_q/k/v/out</c>, <c>ln2</c>, <c>cross_q/k/v/out</c>, <c>ln3</c>, <c>ff1</c>, <c>ff2</c>, <c>proj_out</c>.
/// </summary>
public sealed class SpatialTransformer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> norm;
    private readonly nn.Module<Tensor, Tensor> proj_in;
    private readonly nn.Module<Tensor, Tensor> ln1;
    private readonly nn.Module<Tensor, Tensor> self_q;
    private readonly nn.Module<Tensor, Tensor> self_k;
    private readonly nn.Module<Tensor, Tensor> self_v;
    private readonly nn.Module<Tensor, Tensor> self_out;
    private readonly nn.Module<Tensor, Tensor> ln2;
    private readonly nn.Module<Tensor, Tensor> cross_q;
    private readonly nn.Module<Tensor, Tensor> cross_k;
    private readonly nn.Module<Tensor, Tensor> cross_v;
    private readonly nn.Module<Tensor, Tensor> cross_out;
    private readonly nn.Module<Tensor, Tensor> ln3;
    private readonly nn.Module<Tensor, Tensor> ff1;
    private readonly nn.Module<Tensor, Tensor> ff2;
    private readonly nn.Module<Tensor, Tensor> proj_out;
    private readonly int _heads;

    /// <summary>Builds the block.</summary>
    /// <param name="name">The module's name.</param>
    /// <param name="channels">Channels of the map (divisible by <paramref name="heads"/> and <paramref name="normGroups"/>).</param>
    /// <param name="contextChannels">Width of each context token.</param>
    /// <param name="heads">Attention heads.</param>
    /// <param name="normGroups">Groups of the input group norm.</param>
    /// <param name="device">Where the parameters live; null for the default device.</param>
    /// <param name="dtype">The parameters' type; null for the default type.</param>
    public SpatialTransformer(string name, int channels, int contextChannels, int heads, int normGroups, Device? device = null, ScalarType? dtype = null)
        : base(name)
    {
        if (heads <= 0 || channels % heads != 0)
        {
            throw new ArgumentException($"{channels} channels cannot be split into {heads} attention heads.", nameof(heads));
        }

        _heads = heads;
        norm = Layer.GroupNorm(normGroups, channels, device, dtype);
        proj_in = nn.Linear(channels, channels, device: device, dtype: dtype);
        ln1 = nn.LayerNorm(channels, device: device, dtype: dtype);
        self_q = nn.Linear(channels, channels, hasBias: false, device: device, dtype: dtype);
        self_k = nn.Linear(channels, channels, hasBias: false, device: device, dtype: dtype);
        self_v = nn.Linear(channels, channels, hasBias: false, device: device, dtype: dtype);
        self_out = nn.Linear(channels, channels, device: device, dtype: dtype);
        ln2 = nn.LayerNorm(channels, device: device, dtype: dtype);
        cross_q = nn.Linear(channels, channels, hasBias: false, device: device, dtype: dtype);
        cross_k = nn.Linear(contextChannels, channels, hasBias: false, device: device, dtype: dtype);
        cross_v = nn.Linear(contextChannels, channels, hasBias: false, device: device, dtype: dtype);
        cross_out = nn.Linear(channels, channels, device: device, dtype: dtype);
        ln3 = nn.LayerNorm(channels, device: device, dtype: dtype);
        ff1 = nn.Linear(channels, 4 * channels, device: device, dtype: dtype);
        ff2 = nn.Linear(4 * channels, channels, device: device, dtype: dtype);
        proj_out = nn.Linear(channels, channels, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input, Tensor context)
    {
        using var scope = NewDisposeScope();
        var shape = input.shape;

        // [N, C, spatial...] -> [N, pixels, C]: one token per pixel.
        var tokens = proj_in.call(norm.call(input).flatten(2).transpose(1, 2));
        tokens = tokens.add(Attend(self_q, self_k, self_v, self_out, ln1.call(tokens), null));
        tokens = tokens.add(Attend(cross_q, cross_k, cross_v, cross_out, ln2.call(tokens), context));
        tokens = tokens.add(ff2.call(nn.functional.gelu(ff1.call(ln3.call(tokens)))));
        var map = proj_out.call(tokens).transpose(1, 2).reshape(shape);
        return scope.MoveToOuter(map.add(input));
    }

    /// <summary>Multi-head scaled dot-product attention of the tokens to themselves, or to the context.</summary>
    private Tensor Attend(nn.Module<Tensor, Tensor> q, nn.Module<Tensor, Tensor> k, nn.Module<Tensor, Tensor> v, nn.Module<Tensor, Tensor> output, Tensor tokens, Tensor? context)
    {
        var source = context ?? tokens;
        var batch = tokens.shape[0];
        var width = tokens.shape[2];
        var headWidth = width / _heads;
        Tensor Split(Tensor x) => x.reshape(batch, -1, _heads, headWidth).transpose(1, 2);
        var queries = Split(q.call(tokens));
        var keys = Split(k.call(source));
        var values = Split(v.call(source));
        var weights = nn.functional.softmax(matmul(queries, keys.transpose(-2, -1)).mul(1.0 / Math.Sqrt(headWidth)), -1);
        var attended = matmul(weights, values).transpose(1, 2).reshape(batch, -1, width);
        return output.call(attended);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var module in new[] { norm, proj_in, ln1, self_q, self_k, self_v, self_out, ln2, cross_q, cross_k, cross_v, cross_out, ln3, ff1, ff2, proj_out })
            {
                module.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
