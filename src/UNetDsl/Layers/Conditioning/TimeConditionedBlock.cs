using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers.Conditioning;

/// <summary>
/// The residual block of DDPM's U-Net: 'Same' convolutions, each with group norm and activation; after the first,
/// the timestep embedding is projected (<c>time</c>, a linear layer after SiLU) and added to every pixel; the input is
/// added at the end, through a 1x1 projection (<c>proj</c>) where the channels change. Submodules <c>conv1</c>,
/// <c>norm1</c>, ... as in <see cref="ConvBlock"/>.
/// </summary>
public sealed class TimeConditionedBlock : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly List<nn.Module<Tensor, Tensor>> _convs = new();
    private readonly List<nn.Module<Tensor, Tensor>> _norms = new();
    private readonly nn.Module<Tensor, Tensor> time;
    private readonly nn.Module<Tensor, Tensor>? proj;
    private readonly Activation _activation;
    private readonly int _dimensions;

    /// <summary>Builds the block.</summary>
    /// <param name="name">The module's name.</param>
    /// <param name="dimensions">2 or 3 spatial dimensions.</param>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="channels">Output channels of each convolution.</param>
    /// <param name="kernelSize">Kernel size per spatial axis (odd).</param>
    /// <param name="normGroups">Groups of each group norm.</param>
    /// <param name="activation">The activation after each norm.</param>
    /// <param name="timeChannels">Width of the timestep embedding.</param>
    /// <param name="device">Where the parameters live; null for the default device.</param>
    /// <param name="dtype">The parameters' type; null for the default type.</param>
    public TimeConditionedBlock(string name, int dimensions, int inChannels, int[] channels, int[] kernelSize, int normGroups, Activation activation, int timeChannels, Device? device = null, ScalarType? dtype = null)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(kernelSize);
        _activation = activation;
        _dimensions = dimensions;
        var padding = Array.ConvertAll(kernelSize, k => (k - 1) / 2);
        var input = inChannels;
        for (var i = 0; i < channels.Length; i++)
        {
            var conv = Layer.Conv(dimensions, input, channels[i], kernelSize, padding, bias: false, device, dtype);
            var norm = Layer.GroupNorm(normGroups, channels[i], device, dtype);
            register_module("conv" + (i + 1), conv);
            register_module("norm" + (i + 1), norm);
            _convs.Add(conv);
            _norms.Add(norm);
            input = channels[i];
        }

        time = nn.Linear(timeChannels, channels[0], device: device, dtype: dtype);
        register_module("time", time);
        if (inChannels != input)
        {
            proj = Layer.Pointwise(dimensions, inChannels, input, device, dtype);
            register_module("proj", proj);
        }
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input, Tensor timeEmbedding)
    {
        using var scope = NewDisposeScope();
        var h = input;
        for (var i = 0; i < _convs.Count; i++)
        {
            h = _norms[i].call(_convs[i].call(h));
            if (i == 0)
            {
                // [N, C] -> [N, C, 1, 1(, 1)]: one shift per channel, the same at every pixel.
                var shift = time.call(nn.functional.silu(timeEmbedding));
                for (var axis = 0; axis < _dimensions; axis++)
                {
                    shift = shift.unsqueeze(-1);
                }

                h = h.add(shift);
            }

            h = i == _convs.Count - 1 ? h.add(proj is null ? input : proj.call(input)) : h;
            h = Activate(h);
        }

        return scope.MoveToOuter(h);
    }

    private Tensor Activate(Tensor x) => _activation switch
    {
        Activation.ReLU => nn.functional.relu(x),
        Activation.LeakyReLU => nn.functional.leaky_relu(x, 0.01),
        Activation.SiLU => nn.functional.silu(x),
        Activation.GELU => nn.functional.gelu(x),
        _ => throw new ArgumentOutOfRangeException(nameof(x), _activation, "Unknown activation."),
    };

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var module in _convs)
            {
                module.Dispose();
            }

            foreach (var module in _norms)
            {
                module.Dispose();
            }

            time.Dispose();
            proj?.Dispose();
        }

        base.Dispose(disposing);
    }
}
