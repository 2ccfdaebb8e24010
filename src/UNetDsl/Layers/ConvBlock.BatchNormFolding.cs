using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers;

// The inference path: batch norms folded into channels-last copies of their convolutions, used by forward in
// evaluation mode and by the ONNX export.
public sealed partial class ConvBlock
{
    // The evaluation-mode steps with each batch norm folded into its convolution; null until FoldBatchNorm runs.
    private List<nn.Module<Tensor, Tensor>>? _folded;

    /// <summary>
    /// Folds every batch norm into the convolution before it, with the norm's current running statistics: in
    /// evaluation mode the block then runs one convolution where it ran a convolution and a norm, and every convolution
    /// from a channels-last copy. Switching to training mode drops the copies; call again after further training. The
    /// state_dict does not change.
    /// </summary>
    /// <returns>The number of norms folded.</returns>
    public int FoldBatchNorm()
    {
        DisposeFolded();
        var folded = new List<nn.Module<Tensor, Tensor>>();
        var count = 0;
        using (torch.no_grad())
        {
            for (var i = 0; i < _steps.Count; i++)
            {
                if (_steps[i] is TorchSharp.Modules.Convolution conv && i + 1 < _steps.Count && _steps[i + 1] is TorchSharp.Modules.BatchNorm norm)
                {
                    // y = gamma (W x + b - mean) / sqrt(var + eps) + beta = (scale W) x + (b - mean) scale + beta.
                    var scale = norm.weight!.div(norm.running_var!.add(norm.eps).sqrt());
                    var shape = new long[conv.weight!.dim()];
                    Array.Fill(shape, 1L);
                    shape[0] = -1;
                    var bias = conv.bias is null ? norm.running_mean!.neg() : conv.bias.sub(norm.running_mean!);
                    folded.Add(InferenceConv(conv, conv.weight.mul(scale.view(shape)), bias.mul(scale).add(norm.bias!)));
                    i++;
                    count++;
                }
                else if (_steps[i] is TorchSharp.Modules.Convolution plain)
                {
                    folded.Add(InferenceConv(plain, plain.weight!, plain.bias));
                }
                else
                {
                    folded.Add(_steps[i]);
                }
            }
        }

        _folded = folded;
        return count;
    }

    /// <summary>
    /// A convolution shaped like <paramref name="like"/> holding <paramref name="weight"/> and <paramref name="bias"/>
    /// in channels-last strides, the layout inference measures fastest with. It is a copy: the registered parameters
    /// keep their layout, so the state_dict saves as before, at the cost of one more copy of the weights while prepared.
    /// </summary>
    private TorchSharp.Modules.Convolution InferenceConv(TorchSharp.Modules.Convolution like, Tensor weight, Tensor? bias)
    {
        var copy = (TorchSharp.Modules.Convolution)Layer.Conv(_dimensions, (int)like.in_channels, (int)like.out_channels, _kernel, _padding, bias: bias is not null, weight.device, weight.dtype);
        copy.weight!.copy_(weight);
        if (bias is not null)
        {
            copy.bias!.copy_(bias);
        }

        Layer.UseChannelsLast(copy);
        return copy;
    }

    /// <inheritdoc />
    /// <remarks>Switching to training drops the inference copies, which further training would leave stale.</remarks>
    public override void train(bool on = true)
    {
        if (on)
        {
            DisposeFolded();
        }

        base.train(on);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The folded convolutions are copies outside the registered modules, so <c>to(dtype)</c> and <c>to(device)</c>
    /// would leave them behind: they follow here. A network folded in float32 and then cast keeps folds computed at
    /// full precision, rounded once.
    /// </remarks>
    protected override void _toEpilog(ScalarType? dtype, Device? device, bool non_blocking)
    {
        base._toEpilog(dtype, device, non_blocking);
        if (_folded is null)
        {
            return;
        }

        foreach (var step in _folded)
        {
            if (!_steps.Contains(step))
            {
                if (dtype is { } type)
                {
                    step.to(type, non_blocking);
                }

                if (device is not null)
                {
                    step.to(device, non_blocking);
                }
            }
        }
    }

    private void DisposeFolded()
    {
        if (_folded is null)
        {
            return;
        }

        // Only the fused convolutions belong to the folded list alone; the rest are shared with _steps.
        foreach (var step in _folded)
        {
            if (!_steps.Contains(step))
            {
                step.Dispose();
            }
        }

        _folded = null;
    }
}
