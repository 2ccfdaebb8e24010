using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace UNetDsl.Training;

/// <summary>
/// The paper's initialisation (He et al. 2015): every convolution's weights from a Gaussian N(0, sqrt(2 / N)), N the
/// number of inputs of one output unit, so that each layer keeps its input's variance through the ReLUs.
/// </summary>
public static class Initialization
{
    /// <summary>
    /// Draws the weights of every convolution in <paramref name="model"/> (Conv1d/2d/3d and ConvTranspose1d/2d/3d, at
    /// any depth) from N(0, sqrt(2 / N)) and sets their biases to zero. Other layers keep their own initialisation
    /// (norms their identity, linear layers TorchSharp's default).
    /// </summary>
    /// <param name="model">Any module.</param>
    /// <param name="generator">
    /// The random source; null for TorchSharp's global one (seeded by torch.manual_seed). Values are always drawn on
    /// the CPU and copied to the parameter's device, so a seed gives the same weights on every device.
    /// </param>
    /// <returns>The number of convolutions initialised.</returns>
    /// <remarks>See <see cref="FanIn"/> for N.</remarks>
    public static int He(nn.Module model, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var count = 0;
        using var noGrad = no_grad();
        var seen = new HashSet<nn.Module>(ReferenceEqualityComparer.Instance);

        // TorchSharp's modules() leaves out the module itself, which may be the only convolution.
        foreach (var module in model.modules().Prepend(model))
        {
            if (module is not Convolution conv || conv.weight is null || !seen.Add(conv))
            {
                continue;
            }

            var weight = conv.weight;
            var std = Math.Sqrt(2.0 / FanIn(conv));
            using (var values = empty(weight.shape, weight.dtype, CPU))
            {
                values.normal_(0, std, generator);
                weight.copy_(values);
            }

            conv.bias?.zero_();
            count++;
        }

        return count;
    }

    /// <summary>He initialisation with a generator seeded by <paramref name="seed"/>: the same seed, the same weights.</summary>
    /// <param name="model">Any module.</param>
    /// <param name="seed">The seed.</param>
    /// <returns>The number of convolutions initialised.</returns>
    public static int He(nn.Module model, long seed)
    {
        using var generator = new Generator((ulong)seed);
        return He(model, generator);
    }

    /// <summary>
    /// N of <see cref="He(nn.Module, Generator?)"/>: how many inputs one output unit of <paramref name="conv"/> reads.
    /// </summary>
    /// <param name="conv">A convolution or transposed convolution.</param>
    /// <remarks>
    /// A convolution reads (in_channels / groups) x kernel volume inputs (the paper's N, e.g. 9 x 64 for a 3x3
    /// convolution of 64 channels). A transposed convolution scatters every input over a kernel-sized patch at
    /// stride steps, so one output unit receives (in_channels / groups) x kernel volume / stride volume inputs; for
    /// the paper's 2x2 stride-2 up-convolution that is in_channels, each output pixel reading exactly one input pixel
    /// per channel. (PyTorch's own fan-in for transposed weights uses out_channels x kernel volume, which is the
    /// fan-out of the forward pass.) The ratio is rounded down and kept at least 1.
    /// </remarks>
    public static long FanIn(Convolution conv)
    {
        ArgumentNullException.ThrowIfNull(conv);
        var weight = conv.weight ?? throw new ArgumentException("The convolution has no weight.", nameof(conv));
        var kernel = 1L;
        for (var i = 2; i < weight.shape.Length; i++)
        {
            kernel *= weight.shape[i];
        }

        if (!conv.transposed)
        {
            // weight: [out, in / groups, k...]
            return weight.shape[1] * kernel;
        }

        // weight: [in, out / groups, k...]
        var strides = 1L;
        foreach (var s in conv.stride ?? Array.Empty<long>())
        {
            strides *= Math.Max(1, s);
        }

        var inputsPerGroup = weight.shape[0] / Math.Max(1, conv.groups);
        return inputsPerGroup * Math.Max(1, kernel / strides);
    }
}
