using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Training;

/// <summary>The paper's initialisation: weights from a Gaussian with standard deviation sqrt(2/N), N the fan-in.</summary>
public static class Initialization
{
    /// <summary>
    /// Draws every convolution's weights from N(0, sqrt(2 / N)), N = input channels x kernel volume (for a transposed
    /// convolution, the input channels each output pixel reads: in_channels x kernel volume / stride volume), and
    /// sets the biases to zero. Norm layers keep their identity initialisation.
    /// </summary>
    /// <param name="model">Any module.</param>
    /// <param name="generator">The random source; null for the global one (seeded by torch.manual_seed).</param>
    /// <returns>The number of convolutions initialised.</returns>
    public static int He(nn.Module model, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var count = 0;
        using var noGrad = no_grad();
        foreach (var (_, module) in model.named_modules())
        {
            if (module is not TorchSharp.Modules.Convolution conv || conv.weight is null)
            {
                continue;
            }

            var kernel = conv.weight.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
            long fanIn;
            if (conv.transposed)
            {
                // weight is [in, out, k...]; with kernel = stride each output pixel reads one input pixel per channel.
                var strides = conv.stride?.Aggregate(1L, (a, b) => a * b) ?? 1;
                fanIn = conv.weight.shape[0] * Math.Max(1, kernel / strides);
            }
            else
            {
                fanIn = conv.weight.shape[1] * kernel;
            }

            conv.weight.normal_(0, Math.Sqrt(2.0 / fanIn), generator);
            conv.bias?.zero_();
            count++;
        }

        return count;
    }
}
