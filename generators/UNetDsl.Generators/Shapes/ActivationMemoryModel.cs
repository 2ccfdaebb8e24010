using System;
using System.Collections.Generic;
using System.Linq;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>
/// The activation memory of a network per sample, at any valid input size: the memory events of inference and of a
/// training step, over a table of tensor sizes that are functions of the input size (see
/// <see cref="ActivationArithmetic"/>). The generated <c>ActivationBytes</c>, <c>MaxBatchFor</c>, the summary's memory
/// line and the runtime's <c>UNetDsl.ActivationMemory</c> all replay these events.
/// </summary>
/// <remarks>
/// Immutable and value-equal: part of <see cref="NetworkReport"/>. Written from the layer graph by
/// <see cref="MemoryLayers"/> (what each layer allocates and what autograd keeps) and <see cref="MemoryReplay"/> (the
/// order memory comes and goes). Every tensor scales with the batch, so the figure for N samples is N times this one.
/// </remarks>
/// <param name="Reference">The report's input size: the default of every member.</param>
/// <param name="Grids">Per grid, per axis, base and slope (<see cref="ActivationArithmetic"/>).</param>
/// <param name="Sizes">The size table, <see cref="ActivationArithmetic.SizeFields"/> numbers an entry.</param>
/// <param name="Inference">The events of <c>Predict</c> (of <c>forward</c> with no autograd, for a conditioned network) on a CPU without AVX-512.</param>
/// <param name="InferenceAvx512">The same on a CPU with AVX-512 (the same events where inference runs channels-last).</param>
/// <param name="TrainingChannelsLast">The events of a training step laid out channels-last: forward keeping what backward needs, then backward; empty for a network that never trains so.</param>
/// <param name="TrainingNchw">The same laid out NCHW, on a CPU without AVX-512.</param>
/// <param name="TrainingNchwAvx512">The same laid out NCHW, on a CPU with AVX-512.</param>
internal sealed record ActivationMemoryModel(
    EquatableArray<AxisRule> Axes,
    EquatableArray<int> Reference,
    EquatableArray<long> Grids,
    EquatableArray<long> Sizes,
    EquatableArray<int> Inference,
    EquatableArray<int> InferenceAvx512,
    EquatableArray<int> TrainingChannelsLast,
    EquatableArray<int> TrainingNchw,
    EquatableArray<int> TrainingNchwAvx512)
{
    /// <summary>
    /// The bytes per sample at a valid <paramref name="inputSize"/> (one value per axis), on a CPU with or without
    /// AVX-512, a training step laid out as <c>PrepareForTraining</c> lays it out there (see <see cref="TrainsChannelsLast"/>).
    /// </summary>
    /// <exception cref="OverflowException">The figure exceeds <see cref="long"/>.</exception>
    public long BytesPerSample(IReadOnlyList<int> inputSize, bool training, int bytesPerElement, bool avx512 = false)
    {
        var steps = Enumerable.Range(0, Axes.Count).Select(axis => (long)(inputSize[axis] - Axes[axis].MinInput) / Axes[axis].Step).ToArray();
        var bytes = ActivationArithmetic.SizeBytes(Grids, Sizes, steps, bytesPerElement);
        var events = !training ? (avx512 ? InferenceAvx512 : Inference)
            : TrainsChannelsLast(bytesPerElement, avx512) ? TrainingChannelsLast
            : avx512 ? TrainingNchwAvx512 : TrainingNchw;
        return ActivationArithmetic.Peak(events, bytes);
    }

    /// <summary>
    /// Whether a training step runs channels-last: where the network can, and where <c>Layer.ChannelsLastTrainsFaster</c>
    /// says so at run time, which the generated code asks; the build-time summary mirrors its rule here: bfloat16 (2
    /// bytes) always, float32 on CPUs without AVX-512.
    /// </summary>
    public bool TrainsChannelsLast(int bytesPerElement, bool avx512) =>
        TrainingChannelsLast.Count > 0 && (bytesPerElement == 2 || !avx512);

    /// <summary>The model of a network whose every axis has a valid-size rule.</summary>
    public static ActivationMemoryModel Build(LayerGraph graph, IReadOnlyList<AxisRule> axes, IReadOnlyList<int> reference)
    {
        var (inputGrid, grids) = NodeGrids(graph, axes);
        var inferenceChannelsLast = MemoryLayers.ChannelsLast(graph.Network, training: false);
        MemoryTape Tape(bool training, PassLayout layout) => MemoryLayers.Write(graph, inputGrid, grids, training, layout);
        var inference = Tape(false, inferenceChannelsLast ? PassLayout.ChannelsLast : PassLayout.NchwAvx2);

        // One size table serves every pass: each further tape's sizes go after the ones before.
        var table = new SizeTable(inference);
        List<int> Events(MemoryTape tape, bool training) => Compact(table.Translate(tape, training ? MemoryReplay.Training(tape) : MemoryReplay.Inference(tape)));
        var trainingChannelsLast = MemoryLayers.ChannelsLast(graph.Network, training: true) ? Events(Tape(true, PassLayout.ChannelsLast), true) : new List<int>();
        var trainingNchw = Events(Tape(true, PassLayout.NchwAvx2), true);
        var inferenceAvx512 = Events(Tape(false, inferenceChannelsLast ? PassLayout.ChannelsLast : PassLayout.NchwAvx512), false);
        var trainingNchwAvx512 = Events(Tape(true, PassLayout.NchwAvx512), true);
        return new ActivationMemoryModel(
            axes.ToEquatableArray(),
            reference.ToEquatableArray(),
            table.Grids.SelectMany(g => g.Base.Zip(g.Slope, (b, s) => new[] { b, s }).SelectMany(p => p)).ToEquatableArray(),
            table.Sizes.SelectMany(s => new[] { s.Grid, s.Factor, s.Power, s.Kind }).ToEquatableArray(),
            Compact(MemoryReplay.Inference(inference)).ToEquatableArray(),
            inferenceAvx512.ToEquatableArray(),
            trainingChannelsLast.ToEquatableArray(),
            trainingNchw.ToEquatableArray(),
            trainingNchwAvx512.ToEquatableArray());
    }

    /// <summary>
    /// The events without a release directly followed by an allocation of the same size: the running sum dips and comes
    /// back, which changes no peak. What remains is shorter generated code.
    /// </summary>
    private static List<int> Compact(List<int> events)
    {
        var kept = new List<int>(events.Count);
        foreach (var e in events)
        {
            if (e > 0 && kept.Count > 0 && kept[kept.Count - 1] == -e)
            {
                kept.RemoveAt(kept.Count - 1);
                continue;
            }

            kept.Add(e);
        }

        return kept;
    }

    /// <summary>
    /// Every node's output size as a grid: the trace's arithmetic on <c>base + slope * k</c>, from the input's
    /// <c>MinInput + Step * k</c>. A pooling divides both exactly, since valid sizes pool exactly.
    /// </summary>
    private static (MemoryGrid Input, MemoryGrid[] Nodes) NodeGrids(LayerGraph graph, IReadOnlyList<AxisRule> axes)
    {
        var network = graph.Network;
        var input = new MemoryGrid(axes.Select(a => (long)a.MinInput).ToEquatableArray(), axes.Select(a => (long)a.Step).ToEquatableArray());
        var grids = new MemoryGrid[graph.Nodes.Count];
        MemoryGrid In(LayerNode node, int i) => node.Inputs.Count <= i || node.Inputs[i] == LayerGraph.NetworkInput ? input : grids[node.Inputs[i]];
        foreach (var node in graph.Nodes)
        {
            var grid = In(node, 0);
            grids[node.Index] = node switch
            {
                StackNode stack => grid.Minus(Enumerable.Range(0, axes.Count).Select(a => stack.Loss(network, a)).ToArray()),
                PoolNode pool => Scale(grid, a => 1, a => pool.Factors[a]),
                UpNode up => Scale(grid, a => up.Of.Pool[a], a => 1),
                CropNode => In(node, 1),
                _ => grid,
            };
        }

        return (input, grids);

        MemoryGrid Scale(MemoryGrid grid, Func<int, long> times, Func<int, long> over) =>
            new(grid.Base.Select((b, a) => checked(b * times(a)) / over(a)).ToEquatableArray(), grid.Slope.Select((s, a) => checked(s * times(a)) / over(a)).ToEquatableArray());
    }

    /// <summary>The inference tape's grids and sizes, extended by the training tape's, and its events renumbered into them.</summary>
    private sealed class SizeTable
    {
        public SizeTable(MemoryTape first)
        {
            Grids = new List<MemoryGrid>(first.Grids);
            Sizes = first.Sizes.Select(s => ((long)s.Grid, s.Factor, (long)s.Power, (long)s.Kind)).ToList();
        }

        public List<MemoryGrid> Grids { get; }

        public List<(long Grid, long Factor, long Power, long Kind)> Sizes { get; }

        public List<int> Translate(MemoryTape tape, List<int> events)
        {
            var map = tape.Sizes.Select(s =>
            {
                var grid = Grids.IndexOf(tape.Grids[s.Grid]);
                if (grid < 0)
                {
                    grid = Grids.Count;
                    Grids.Add(tape.Grids[s.Grid]);
                }

                var entry = ((long)(s.Power == 0 ? 0 : grid), s.Factor, (long)s.Power, (long)s.Kind);
                var index = Sizes.IndexOf(entry);
                if (index < 0)
                {
                    index = Sizes.Count;
                    Sizes.Add(entry);
                }

                return index;
            }).ToArray();
            return events.Select(e => e > 0 ? map[e - 1] + 1 : -(map[-e - 1] + 1)).ToList();
        }
    }
}
