using System;
using static TorchSharp.torch;

namespace Diffusion;

/// <summary>
/// Denoising diffusion (Ho, Jain, Abbeel 2020): a linear noise schedule, the training objective (predict the noise
/// added at a random timestep) and ancestral sampling.
/// </summary>
public sealed class Ddpm : IDisposable
{
    private readonly Tensor _betas;
    private readonly Tensor _alphas;
    private readonly Tensor _alphaBars;

    /// <summary>A schedule of <paramref name="steps"/> noise levels, beta from 1e-4 to 0.02 scaled to the step count.</summary>
    /// <param name="steps">Diffusion steps.</param>
    public Ddpm(int steps)
    {
        Steps = steps;
        var scale = 1000.0 / steps;
        _betas = linspace(1e-4 * scale, 0.02 * scale, steps, dtype: ScalarType.Float32);
        _alphas = 1 - _betas;
        _alphaBars = _alphas.cumprod(0);
    }

    /// <summary>Diffusion steps.</summary>
    public int Steps { get; }

    /// <summary>The training loss of one batch: mean squared error of the predicted noise.</summary>
    /// <param name="model">The denoiser.</param>
    /// <param name="images">Clean images [N, 1, H, W] in [-1, 1].</param>
    /// <param name="context">Context tokens.</param>
    public Tensor Loss(ShapeDenoiser model, Tensor images, Tensor context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        var batch = images.shape[0];
        var t = randint(0, Steps, new long[] { batch });
        var noise = randn_like(images);
        var alphaBar = _alphaBars[t].view(batch, 1, 1, 1);
        var noisy = (alphaBar.sqrt() * images) + ((1 - alphaBar).sqrt() * noise);
        return nn.functional.mse_loss(model.call(noisy, t, context), noise);
    }

    /// <summary>Draws images by running the reverse process from pure noise.</summary>
    /// <param name="model">The denoiser, in eval mode.</param>
    /// <param name="context">Context tokens [N, 1, C]: one image per row.</param>
    /// <param name="size">Image side.</param>
    /// <param name="progress">Called with the number of steps done.</param>
    public Tensor Sample(ShapeDenoiser model, Tensor context, int size, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        var batch = context.shape[0];
        var x = randn(batch, 1, size, size);
        using (no_grad())
        {
            for (var step = Steps - 1; step >= 0; step--)
            {
                using var scope = NewDisposeScope();
                var t = full(new long[] { batch }, step, dtype: ScalarType.Int64);
                var predicted = model.call(x, t, context);
                var alpha = _alphas[step].item<float>();
                var alphaBar = _alphaBars[step].item<float>();
                var mean = (x - (predicted * ((1 - alpha) / MathF.Sqrt(1 - alphaBar)))) / MathF.Sqrt(alpha);
                var next = step > 0 ? mean + (randn_like(x) * MathF.Sqrt(_betas[step].item<float>())) : mean;
                x.Dispose();
                x = scope.MoveToOuter(next);
                progress?.Invoke(Steps - step);
            }
        }

        return x;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _betas.Dispose();
        _alphas.Dispose();
        _alphaBars.Dispose();
    }
}
