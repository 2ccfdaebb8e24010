using System;
using System.Collections.Generic;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace UNetDsl.Training;

/// <summary>The optimisers of segmentation training, with the paper's and common defaults.</summary>
public static class Optimizers
{
    /// <summary>The paper's momentum: with a batch of one tile, 0.99 lets many past samples shape each update.</summary>
    public const double PaperMomentum = 0.99;

    /// <summary>SGD with momentum, by default the paper's 0.99.</summary>
    /// <param name="parameters">The parameters to train, e.g. model.parameters().</param>
    /// <param name="learningRate">The initial rate (0.01 is nnU-Net's with momentum 0.99).</param>
    /// <param name="momentum">The momentum.</param>
    /// <param name="weightDecay">L2 weight decay (nnU-Net: 3e-5); 0 for none, as in the paper.</param>
    /// <param name="nesterov">Nesterov momentum (nnU-Net uses it).</param>
    public static SGD Sgd(IEnumerable<Parameter> parameters, double learningRate = 0.01, double momentum = PaperMomentum, double weightDecay = 0, bool nesterov = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckRate(learningRate, nameof(learningRate));
        if (!(momentum >= 0 && momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be in [0, 1).");
        }

        if (!(weightDecay >= 0) || double.IsInfinity(weightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must be finite and 0 or more.");
        }

        if (nesterov && momentum == 0)
        {
            throw new ArgumentException("Nesterov momentum needs a momentum above 0.", nameof(nesterov));
        }

        return optim.SGD(parameters, learningRate, momentum: momentum, weight_decay: weightDecay, nesterov: nesterov);
    }

    /// <summary>Adam with PyTorch's defaults (betas 0.9, 0.999; eps 1e-8).</summary>
    /// <param name="parameters">The parameters to train.</param>
    /// <param name="learningRate">The rate; 1e-3 by default (3e-4 is common for U-Nets).</param>
    /// <param name="weightDecay">L2 weight decay; 0 for none.</param>
    public static Adam Adam(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double weightDecay = 0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckRate(learningRate, nameof(learningRate));
        if (!(weightDecay >= 0) || double.IsInfinity(weightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must be finite and 0 or more.");
        }

        return optim.Adam(parameters, learningRate, weight_decay: weightDecay);
    }

    private static double CheckRate(double rate, string name) =>
        rate >= 0 && !double.IsInfinity(rate) ? rate : throw new ArgumentOutOfRangeException(name, rate, "A learning rate must be finite and 0 or more.");
}
