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
/// <param name="Inference">The events of <c>Predict</c> (of <c>forward</c> with no autograd, for a conditioned network).</param>
/// <param name="Training">The events of a training step: forward keeping what backward needs, then backward.</param>
internal sealed record ActivationMemoryModel(
    EquatableArray<AxisRule> Axes,
    EquatableArray<int> Reference,
    EquatableArray<long> Grids,
    EquatableArray<long> Sizes,
    EquatableArray<int> Inference,
    EquatableArray<int> Training)
{
    /// <summary>The bytes per sample at a valid <paramref name="inputSize"/> (one value per axis).</summary>
    /// <exception cref="OverflowException">The figure exceeds <see cref="long"/>.</exception>
    public long BytesPerSample(IReadOnlyList<int> inputSize, bool training, int bytesPerElement)
    {
        var steps = Enumerable.Range(0, Axes.Count).Select(axis => (long)(inputSize[axis] - Axes[axis].MinInput) / Axes[axis].Step).ToArray();
        var bytes = ActivationArithmetic.SizeBytes(Grids, Sizes, steps, bytesPerElement);
        return ActivationArithmetic.Peak(training ? Training : Inference, bytes);
    }

    /// <summary>The model of a network whose every axis has a valid-size rule.</summary>
    public static ActivationMemoryModel Build(LayerGraph graph, IReadOnlyList<AxisRule> axes, IReadOnlyList<int> reference)
    {
        var (inputGrid, grids) = NodeGrids(graph, axes);
        var inference = MemoryLayers.Write(graph, inputGrid, grids, training: false);
        var training = MemoryLayers.Write(graph, inputGrid, grids, training: true);

        // One size table serves both passes: the training tape's sizes go after the inference tape's.
        var table = new SizeTable(inference);
        var trainingEvents = table.Translate(training, MemoryReplay.Training(training));
        return new ActivationMemoryModel(
            axes.ToEquatableArray(),
            reference.ToEquatableArray(),
            table.Grids.SelectMany(g => g.Base.Zip(g.Slope, (b, s) => new[] { b, s }).SelectMany(p => p)).ToEquatableArray(),
            table.Sizes.SelectMany(s => new[] { s.Grid, s.Factor, s.Power, s.Kind }).ToEquatableArray(),
            Compact(MemoryReplay.Inference(inference)).ToEquatableArray(),
            Compact(trainingEvents).ToEquatableArray());
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
