using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using UNetDsl.Layers;
using static TorchSharp.torch;

namespace UNetDsl;

/// <summary>
/// The memory a generated U-Net's activations take, as the compiler worked it out from every layer's shape: the peak
/// of the tensors live at once in inference (<c>Predict</c>) and in a training step (forward, keeping what autograd
/// needs for backward, then backward with its gradients), at any valid input size, for any element size. Code that
/// works with any generated network sizes its tiles and batches from it through <see cref="UNetGeometry.ActivationMemory"/>.
/// </summary>
/// <remarks>
/// <para>
/// Every tensor of the pass has a batch axis, so the figure for N samples is N times the figure for one. Not counted:
/// the parameters, their gradients and the optimiser's state (see <see cref="UNetGeometry.ParameterCount"/>), the loss's
/// own tensors, and the allocator's and oneDNN's overheads (among them, in an NCHW training step, oneDNN's copies of a
/// layer's weights: for the paper's network, 31 million parameters, 83-101 MiB whatever the batch). Batch norm is
/// counted unfolded (folding by <c>PrepareForInference</c> saves at most one map of a block); checkpointed levels are
/// counted as if they were not (an upper bound for training); for a conditioned network, the part of cross-attention
/// that grows with the number of context tokens is not counted.
/// </para>
/// <para>
/// Where the memory depends on the CPU, the generator writes both cases and the figure follows the CPU it runs on: on
/// NCHW maps oneDNN works through copies blocked by 16 channels with AVX-512 and by 8 without, and a float32 training
/// step is laid out channels-last or NCHW as <see cref="Layer.ChannelsLastTrainsFaster"/> says for the CPU (see
/// docs/benchmarks.md, "Activation memory: estimated and measured").
/// </para>
/// <para>
/// The tables are written by the generator; the arithmetic is shared with it, so the figure in a generated summary
/// and the figure returned here are the same.
/// </para>
/// </remarks>
public sealed class ActivationMemory
{
    private readonly ValidSizeRule[] _rules;
    private readonly int[] _reference;
    private readonly long[] _grids;
    private readonly long[] _sizes;
    private readonly int[] _inference;
    private readonly int[] _inferenceAvx512;
    private readonly int[] _trainingChannelsLast;
    private readonly int[] _trainingNchw;
    private readonly int[] _trainingNchwAvx512;

    /// <summary>Wraps the tables the generator wrote (see the generated <c>ActivationMemory</c> member).</summary>
    /// <param name="sizeRules">The valid input sizes of each spatial axis.</param>
    /// <param name="referenceSize">The input size used when none is given.</param>
    /// <param name="grids">Per grid, per axis, the size at the smallest valid input and its growth per step of the rule.</param>
    /// <param name="sizes">Per tensor size: its grid, factor, power of the grid's volume and element kind.</param>
    /// <param name="inference">Allocations (s + 1) and releases (-(s + 1)) of inference, in order, on a CPU without AVX-512.</param>
    /// <param name="inferenceAvx512">The same on a CPU with AVX-512.</param>
    /// <param name="trainingChannelsLast">Allocations and releases of a training step laid out channels-last, in order; empty for a network that never trains so.</param>
    /// <param name="trainingNchw">The same laid out NCHW, on a CPU without AVX-512.</param>
    /// <param name="trainingNchwAvx512">The same laid out NCHW, on a CPU with AVX-512.</param>
    public ActivationMemory(
        IReadOnlyList<ValidSizeRule> sizeRules,
        IReadOnlyList<int> referenceSize,
        long[] grids,
        long[] sizes,
        int[] inference,
        int[] inferenceAvx512,
        int[] trainingChannelsLast,
        int[] trainingNchw,
        int[] trainingNchwAvx512)
    {
        ArgumentNullException.ThrowIfNull(sizeRules);
        ArgumentNullException.ThrowIfNull(referenceSize);
        _rules = new List<ValidSizeRule>(sizeRules).ToArray();
        _reference = new List<int>(referenceSize).ToArray();
        _grids = grids ?? throw new ArgumentNullException(nameof(grids));
        _sizes = sizes ?? throw new ArgumentNullException(nameof(sizes));
        _inference = inference ?? throw new ArgumentNullException(nameof(inference));
        _inferenceAvx512 = inferenceAvx512 ?? throw new ArgumentNullException(nameof(inferenceAvx512));
        _trainingChannelsLast = trainingChannelsLast ?? throw new ArgumentNullException(nameof(trainingChannelsLast));
        _trainingNchw = trainingNchw ?? throw new ArgumentNullException(nameof(trainingNchw));
        _trainingNchwAvx512 = trainingNchwAvx512 ?? throw new ArgumentNullException(nameof(trainingNchwAvx512));
    }

    /// <summary>The input size per axis the members use when none is given: the network's declared or smallest valid size.</summary>
    public IReadOnlyList<int> ReferenceSize => _reference;

    /// <summary>
    /// The peak bytes of one sample's activations on this CPU, a training step laid out as <c>PrepareForTraining</c>
    /// lays it out here (<see cref="TrainsChannelsLast"/>).
    /// </summary>
    /// <param name="training">A training step (forward and backward) instead of inference.</param>
    /// <param name="bytesPerElement">4 for float32, 2 for bfloat16 or float16. Pooling indices stay 8 bytes.</param>
    /// <param name="inputSize">The spatial input size per axis; null or empty for <see cref="ReferenceSize"/>.</param>
    /// <exception cref="ArgumentException">The size has the wrong number of axes or is not valid; the message names the nearest valid sizes.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytesPerElement"/> is not positive.</exception>
    /// <exception cref="OverflowException">The figure exceeds <see cref="long"/>.</exception>
    public long BytesPerSample(bool training = false, int bytesPerElement = 4, IReadOnlyList<int>? inputSize = null) =>
        BytesPerSample(training, bytesPerElement, inputSize, Avx512, training && TrainsChannelsLast(bytesPerElement));

    /// <summary>
    /// Whether a training step in the number format of <paramref name="bytesPerElement"/> (2: bfloat16, the only 2-byte
    /// format UNetDsl trains in; 4: float32) runs channels-last, as <c>PrepareForTraining</c> lays the network out on
    /// this CPU: where the network can (no instance or group norm) and <see cref="Layer.ChannelsLastTrainsFaster"/> says so.
    /// </summary>
    public bool TrainsChannelsLast(int bytesPerElement = 4) =>
        _trainingChannelsLast.Length > 0 && Layer.ChannelsLastTrainsFaster(bytesPerElement == 2 ? ScalarType.BFloat16 : ScalarType.Float32);

    /// <summary><see cref="BytesPerSample(bool, int, IReadOnlyList{int})"/> for a given CPU kind and training layout.</summary>
    /// <param name="training">A training step instead of inference.</param>
    /// <param name="bytesPerElement">Bytes of one element of the network's floating type.</param>
    /// <param name="inputSize">The spatial input size per axis; null or empty for <see cref="ReferenceSize"/>.</param>
    /// <param name="avx512">The CPU has AVX-512 (oneDNN's 16-channel blocks on NCHW maps).</param>
    /// <param name="channelsLast">The training step is laid out channels-last (ignored for inference).</param>
    internal long BytesPerSample(bool training, int bytesPerElement, IReadOnlyList<int>? inputSize, bool avx512, bool channelsLast)
    {
        if (bytesPerElement <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bytesPerElement), bytesPerElement, "An element takes at least one byte.");
        }

        if (training && channelsLast && _trainingChannelsLast.Length == 0)
        {
            throw new ArgumentException("This network never trains channels-last (instance or group norm).", nameof(channelsLast));
        }

        var steps = Steps(inputSize is null || inputSize.Count == 0 ? _reference : inputSize);
        var bytes = ActivationArithmetic.SizeBytes(_grids, _sizes, steps, bytesPerElement);
        var events = !training ? (avx512 ? _inferenceAvx512 : _inference)
            : channelsLast ? _trainingChannelsLast
            : avx512 ? _trainingNchwAvx512 : _trainingNchw;
        return ActivationArithmetic.Peak(events, bytes);
    }

    /// <summary>Whether oneDNN runs its AVX-512 kernels here, as libtorch picks them from the CPU's flags.</summary>
    private static bool Avx512 => CpuFeatures.Has("avx512f");

    /// <summary>The peak bytes of a batch's activations: <paramref name="batch"/> times <see cref="BytesPerSample(bool, int, IReadOnlyList{int})"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is negative, or <paramref name="bytesPerElement"/> not positive.</exception>
    /// <exception cref="ArgumentException">As for <see cref="BytesPerSample(bool, int, IReadOnlyList{int})"/>.</exception>
    /// <exception cref="OverflowException">The figure exceeds <see cref="long"/>.</exception>
    public long Bytes(int batch, bool training = false, int bytesPerElement = 4, IReadOnlyList<int>? inputSize = null)
    {
        if (batch < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch cannot be negative.");
        }

        return checked(batch * BytesPerSample(training, bytesPerElement, inputSize));
    }

    /// <summary>The largest batch whose activations fit in <paramref name="bytes"/>; 0 when not even one sample does.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytes"/> is negative, or <paramref name="bytesPerElement"/> not positive.</exception>
    /// <exception cref="ArgumentException">As for <see cref="BytesPerSample(bool, int, IReadOnlyList{int})"/>.</exception>
    public int MaxBatch(long bytes, bool training = false, int bytesPerElement = 4, IReadOnlyList<int>? inputSize = null)
    {
        if (bytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "A memory budget cannot be negative.");
        }

        long perSample;
        try
        {
            perSample = BytesPerSample(training, bytesPerElement, inputSize);
        }
        catch (OverflowException)
        {
            // Beyond a long per sample, nothing fits.
            return 0;
        }

        return (int)Math.Min(int.MaxValue, bytes / Math.Max(1, perSample));
    }

    /// <summary>k per axis (input = min + step * k), after checking the size.</summary>
    private long[] Steps(IReadOnlyList<int> inputSize)
    {
        var axes = _rules.Length;
        if (inputSize.Count != axes)
        {
            throw new ArgumentException(
                "The input size needs one value per spatial axis (" + axes.ToString(CultureInfo.InvariantCulture) + "); got " + inputSize.Count.ToString(CultureInfo.InvariantCulture) + ".",
                nameof(inputSize));
        }

        var steps = new long[axes];
        StringBuilder? problems = null;
        for (var axis = 0; axis < axes; axis++)
        {
            var rule = _rules[axis];
            if (!rule.IsValid(inputSize[axis]))
            {
                problems ??= new StringBuilder();
                problems.Append(problems.Length == 0 ? string.Empty : "; ")
                    .Append(AxisName(axes, axis)).Append(" = ").Append(inputSize[axis].ToString(CultureInfo.InvariantCulture))
                    .Append(" is not one of ").Append(rule).Append(", nearest valid: ").Append(rule.DescribeNearest(inputSize[axis]));
                continue;
            }

            steps[axis] = ((long)inputSize[axis] - rule.MinInput) / rule.Step;
        }

        return problems is null ? steps : throw new ArgumentException("Not a valid input size: " + problems + ".", nameof(inputSize));
    }

    private static string AxisName(int axes, int axis) => axes == 3 ? "DHW".Substring(axis, 1) : "HW".Substring(axis, 1);
}
