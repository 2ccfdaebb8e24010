using System;
using System.Linq;
using TorchSharp;
using UNetDsl.Layers;
using static TorchSharp.torch;

namespace UNetDsl.Training;

/// <summary>
/// bfloat16 mixed precision for a training loop, built by hand since TorchSharp has no autocast: a bfloat16 copy of
/// the network runs forward and backward; the float32 network keeps the master weights, which the optimiser updates
/// from the copy's gradients converted to float32, its state and checkpoints stay float32, and its batch-norm
/// statistics follow the copy's. bfloat16 has float32's exponent range, so no loss scaling is needed.
/// </summary>
/// <remarks>
/// Per step: <see cref="Forward"/> (weights copied in, the copy zeroes its gradients and runs, float32 scores come
/// back for the loss), the loss's backward, then <see cref="TakeGradients"/> before the optimiser's step. The copy's
/// weights are refreshed from the master every step, so a resumed run continues exactly as an uninterrupted one.
/// </remarks>
public sealed class MixedPrecisionTraining : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _master;
    private readonly nn.Module<Tensor, Tensor> _copy;

    /// <summary>Makes the bfloat16 copy of <paramref name="network"/>, laid out as it trains fastest.</summary>
    /// <param name="network">A generated network (float32 parameters), not conditioned.</param>
    /// <exception cref="ArgumentException">It is not a generated network of one input.</exception>
    public MixedPrecisionTraining(nn.Module<Tensor, Tensor> network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var generated = network as IUNetModule
            ?? throw new ArgumentException($"{network.GetType().Name} is not a generated U-Net (IUNetModule): declare it with [UNet].", nameof(network));
        var device = network.parameters().FirstOrDefault()?.device ?? CPU;
        _master = network;
        _copy = generated.CreateSibling(device, ScalarType.BFloat16) as nn.Module<Tensor, Tensor>
            ?? throw new ArgumentException($"{generated.Geometry.Name} is conditioned; mixed precision trains networks of one input.", nameof(network));
        ChannelsLast = ((IUNetModule)_copy).PrepareForTraining();
    }

    /// <summary>True when the bfloat16 copy, which does the step's arithmetic, trains channels-last.</summary>
    public bool ChannelsLast { get; }

    /// <summary>
    /// Runs the bfloat16 copy on <paramref name="input"/> with the master's current weights and mode, and returns its
    /// output as float32, for a float32 loss. Call <see cref="TakeGradients"/> after the loss's backward.
    /// </summary>
    /// <param name="input">The float32 input batch.</param>
    public Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _copy.zero_grad();
        PrecisionCopies.CopyWeights(_master, _copy);
        _copy.train(_master.training);
        using var reduced = input.to(ScalarType.BFloat16);
        using var output = _copy.call(reduced);
        return output.to(ScalarType.Float32);
    }

    /// <summary>
    /// Hands the copy's gradients (converted to float32) to the master's parameters, and its batch-norm statistics
    /// to the master's buffers: the optimiser then steps the float32 weights.
    /// </summary>
    public void TakeGradients()
    {
        PrecisionCopies.CopyGradients(_copy, _master);
        PrecisionCopies.CopyBuffers(_copy, _master);
    }

    /// <inheritdoc />
    public void Dispose() => _copy.Dispose();
}
