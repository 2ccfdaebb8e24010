using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers;

// Channels-last layout: NHWC (NDHWC) strides for maps and convolution weights, which oneDNN runs convolutions on
// directly, and the relayout of a module, its gradients and its optimiser's state for training that way.
public static partial class Layer
{
    /// <summary>
    /// A view of <paramref name="tensor"/> (N, C, spatial...) with channels-last strides: NHWC (NDHWC in 3D) in memory,
    /// NCHW in shape. TorchSharp 0.107 has no memory-format API; a permute, contiguous, permute round trip gives the
    /// same strides. oneDNN then runs convolutions on that layout directly instead of converting around each one.
    /// Tensors of rank below 4 are returned as a new handle unchanged.
    /// </summary>
    public static Tensor ToChannelsLast(Tensor tensor)
    {
        var rank = (int)tensor.dim();
        if (rank < 4)
        {
            return tensor.alias();
        }

        var toLast = ToLast(rank);
        var back = new long[rank];
        for (var axis = 0; axis < rank; axis++)
        {
            back[toLast[axis]] = axis;
        }

        using var permuted = tensor.permute(toLast);
        using var packed = permuted.contiguous();
        return packed.permute(back);
    }

    /// <summary>
    /// Moves every convolution weight (rank 4 or 5) of <paramref name="module"/> to channels-last strides in place; the
    /// parameters stay the same objects, with the same values. Measured 1.19x faster inference for the paper's network
    /// on this project's machine (docs/benchmarks.md, "Memory format and threads").
    /// </summary>
    public static void UseChannelsLast(nn.Module module)
    {
        using var noGrad = torch.no_grad();
        foreach (var parameter in module.parameters())
        {
            if (parameter.dim() >= 4)
            {
                using var relaid = ToChannelsLast(parameter);
                parameter.set_(relaid);
            }
        }
    }

    /// <summary>
    /// Lays out <paramref name="module"/> for a fast training step, where that was measured faster: every convolution
    /// weight (rank 4 or 5) in channels-last strides, with its gradient and <paramref name="optimizer"/>'s state for it
    /// (momentum, Adam's moments), so that convolutions, their backward and the optimiser step all run without layout
    /// conversions. The parameters stay the same objects with the same values, so an optimiser built before keeps
    /// working; the outputs and gradients are those of the NCHW layout (to float rounding).
    /// </summary>
    /// <remarks>
    /// Networks with instance norm (its kernel reshapes channels-last maps into copies) or group norm are left as they
    /// are, and so is a network whose number format does not train faster channels-last on this CPU
    /// (<see cref="ChannelsLastTrainsFaster"/>). TorchSharp's <c>Module.save</c> and <c>Module.load</c> need contiguous parameters:
    /// <see cref="Training.Checkpoint"/> handles that itself; before calling them directly, call
    /// <see cref="UseContiguousLayout"/>.
    /// </remarks>
    /// <param name="module">The network.</param>
    /// <param name="optimizer">Its optimiser, when it already exists; null to lay out the parameters only.</param>
    /// <returns>True when the module is now laid out channels-last; false when it is left as it is.</returns>
    public static bool UseChannelsLastForTraining(nn.Module module, optim.Optimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        foreach (var (_, child) in module.named_modules())
        {
            if (child is TorchSharp.Modules.InstanceNorm or TorchSharp.Modules.GroupNorm)
            {
                return false;
            }
        }

        var type = module.parameters().Select(p => p.dtype).FirstOrDefault(ScalarType.Float32);
        if (!ChannelsLastTrainsFaster(type))
        {
            return false;
        }

        Relayout(module, optimizer, channelsLast: true);
        return true;
    }

    /// <summary>
    /// Whether a training step in <paramref name="type"/> runs faster channels-last than NCHW on this CPU, as measured
    /// side by side (docs/benchmarks.md, "Memory format and threads"): bfloat16 always (oneDNN's bfloat16 kernels work
    /// on channels-last directly: 1.12-1.16x on an AMD EPYC with avx512_bf16); float32 only on CPUs without AVX-512
    /// (1.01-1.04x on an AVX2 EPYC; 0.86-1.00x on the AVX-512 one, whose NCHW kernels are the faster ones there).
    /// </summary>
    /// <param name="type">The parameters' number format.</param>
    public static bool ChannelsLastTrainsFaster(ScalarType type) =>
        type == ScalarType.BFloat16 || !CpuFeatures.Has("avx512f");

    /// <summary>
    /// Undoes <see cref="UseChannelsLastForTraining"/>: every parameter, its gradient and <paramref name="optimizer"/>'s
    /// state for it contiguous again (same objects, same values), as TorchSharp's <c>Module.save</c> and
    /// <c>Module.load</c> require.
    /// </summary>
    /// <param name="module">The network.</param>
    /// <param name="optimizer">Its optimiser, or null.</param>
    public static void UseContiguousLayout(nn.Module module, optim.Optimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        Relayout(module, optimizer, channelsLast: false);
    }

    /// <summary>True when some parameter of <paramref name="module"/> has channels-last strides.</summary>
    internal static bool HasChannelsLastParameters(nn.Module module) => module.parameters().Any(IsChannelsLast);

    /// <summary>
    /// Moves the rank 4 and 5 parameters of <paramref name="module"/>, their gradients and the optimiser's state tensors of
    /// the same rank to channels-last or contiguous strides, in place (set_ keeps every tensor object and handle).
    /// </summary>
    internal static void Relayout(nn.Module module, optim.Optimizer? optimizer, bool channelsLast)
    {
        using var noGrad = torch.no_grad();
        foreach (var parameter in module.parameters())
        {
            Relayout(parameter, channelsLast);
            using var grad = parameter.grad;
            if (grad is not null)
            {
                Relayout(grad, channelsLast);
            }
        }

        foreach (var state in TorchSharpInternals.OptimizerStateTensors(optimizer))
        {
            Relayout(state, channelsLast);
        }
    }

    private static void Relayout(Tensor tensor, bool channelsLast)
    {
        if (tensor.dim() < 4 || (channelsLast ? HasChannelsLastStrides(tensor) : tensor.is_contiguous()))
        {
            return;
        }

        using var relaid = channelsLast ? ToChannelsLast(tensor) : tensor.contiguous();
        tensor.set_(relaid);
    }

    /// <summary>
    /// True when <paramref name="tensor"/> (N, C, spatial...) has the channels-last strides <see cref="ToChannelsLast"/>
    /// gives (NHWC, NDHWC in memory) and is not also contiguous: false for rank below 4, and for a single channel or a
    /// single pixel, where both layouts are the same memory.
    /// </summary>
    public static bool IsChannelsLast(Tensor tensor) => HasChannelsLastStrides(tensor) && !tensor.is_contiguous();

    private static bool HasChannelsLastStrides(Tensor tensor)
    {
        var rank = (int)tensor.dim();
        if (rank < 4)
        {
            return false;
        }

        using var permuted = tensor.permute(ToLast(rank));
        return permuted.is_contiguous();
    }

    /// <summary>The permutation that moves the channel axis last: (0, 2, ..., rank-1, 1).</summary>
    private static long[] ToLast(int rank)
    {
        var toLast = new long[rank];
        toLast[rank - 1] = 1;
        for (var axis = 2; axis < rank; axis++)
        {
            toLast[axis - 1] = axis;
        }

        return toLast;
    }
}
