using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using UNetDsl.Generators.Diagnostics;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>
/// Propagates channels and every spatial axis through encoder, bottleneck and decoder. Pure: no Roslyn, no
/// TorchSharp; the generator and the tests call it alike.
/// </summary>
internal static class ShapeEngine
{
    /// <summary>Checks a resolved network and, when every shape lines up, reports what the compiler knows about it.</summary>
    /// <param name="network">The network with defaults applied.</param>
    /// <param name="declaredInput">The declared input size, one value per axis; empty when none was declared.</param>
    /// <param name="oneSizeForAllAxes">
    /// The declaration gives a single InputSize value for every axis: a size suggested to replace it must then be valid
    /// on every axis, and it replaces element 0.
    /// </param>
    public static (NetworkReport? Report, IReadOnlyList<Finding> Findings) Analyze(ResolvedNetwork network, IReadOnlyList<int> declaredInput, bool oneSizeForAllAxes = false)
    {
        // Counted before any trace, whose layers count their share: an overflow is the total's.
        var graph = LayerGraph.Build(network);
        var parameters = ShapeOverflowException.Long("The parameter count", Contributors.Channels | Contributors.Kernel | Contributors.Pool | Contributors.Conditioning, () => CountParameters(graph));
        var (rules, solutions) = SolveAxes(graph);
        var findings = SizeIndependentProblems(graph, rules, solutions, oneSizeForAllAxes);
        if (findings.Count > 0)
        {
            return (null, findings);
        }

        var validRules = rules.Select(r => r!.Value).ToArray();
        var declared = declaredInput.Count > 0;
        var input = declared ? declaredInput.ToArray() : validRules.Select(r => r.MinInput).ToArray();
        var trace = Propagate(graph, input);
        foreach (var problem in trace.Problems)
        {
            var finding = problem.ToFinding(network, rules, input, oneSizeForAllAxes);
            if (!findings.Contains(finding))
            {
                findings.Add(finding);
            }
        }

        if (findings.Count > 0 || trace.Output is null)
        {
            return (null, findings);
        }

        var (narrowest, widest) = ReceptiveFields(graph, input);
        var shapes = trace.Shapes();
        var report = new NetworkReport(
            graph,
            validRules.ToEquatableArray(),
            declared,
            input.ToEquatableArray(),
            trace.Output.ToEquatableArray(),
            shapes.ToEquatableArray(),
            trace.Rows().ToEquatableArray(),
            parameters,
            ShapeOverflowException.Long(MacsQuantity, MacsContributors, () => shapes.Aggregate(0L, (sum, shape) => checked(sum + shape.MultiplyAccumulates))),
            widest.ToEquatableArray(),
            narrowest.ToEquatableArray(),
            ActivationMemoryModel.Build(graph, validRules, input));
        return (report, findings);
    }

    /// <summary>The valid-size rule of every axis (null where the sizes do not repeat) and what the solver found.</summary>
    private static (AxisRule?[] Rules, SizeRuleSolution[] Solutions) SolveAxes(LayerGraph graph)
    {
        var axes = graph.Network.Dimensions;
        var solutions = new SizeRuleSolution[axes];
        var rules = new AxisRule?[axes];
        for (var axis = 0; axis < axes; axis++)
        {
            // An axis built like an earlier one (the usual isotropic network) has its rule: work each kind out once.
            var twin = EarlierTwin(graph.Network, axis);
            (rules[axis], solutions[axis]) = twin < 0 ? SolveAxis(graph, axis) : (rules[twin], solutions[twin]);
        }

        return (rules, solutions);
    }

    /// <summary>
    /// Problems that show at every size (channels, rewired skips), looked for at the smallest valid size or, without a
    /// rule, at a comfortably large one where the poolings are exact (see <see cref="SizeRuleSolution.Probe"/>); and an
    /// axis with no valid size at all.
    /// </summary>
    private static List<Finding> SizeIndependentProblems(LayerGraph graph, AxisRule?[] rules, SizeRuleSolution[] solutions, bool oneSizeForAllAxes)
    {
        var network = graph.Network;
        var probe = Enumerable.Range(0, rules.Length).Select(axis => rules[axis]?.MinInput ?? solutions[axis].Probe(PoolFactor(network, axis))).ToArray();
        var atProbe = Propagate(graph, probe);
        var findings = atProbe.Problems
            .Where(problem => problem is SkipChannelsProblem or SkipSpatialProblem)
            .Select(problem => problem.ToFinding(network, rules, probe, oneSizeForAllAxes))
            .ToList();
        if (findings.Count == 0 && rules.Any(r => r is null))
        {
            var reason = solutions.Select(s => s.Reason).FirstOrDefault(r => r is not null);
            var why = reason ?? (atProbe.Problems.Count > 0 ? atProbe.Problems[0].Explain(network) : "the skips' channels never fit");
            findings.Add(Finding.Create(DiagnosticDescriptors.NoValidInputSize.Id, ArgumentPath.UNet, "the network", why));
        }

        return findings;
    }

    /// <summary>The fewest and the most input pixels an output pixel depends on, per axis, at <paramref name="input"/>.</summary>
    private static (int[] Narrowest, int[] Widest) ReceptiveFields(LayerGraph graph, int[] input)
    {
        var widest = new int[input.Length];
        var narrowest = new int[input.Length];
        for (var axis = 0; axis < input.Length; axis++)
        {
            // With cross-level skips the crops, and so the field, depend on the input size: share it only at the same size.
            var twin = EarlierTwin(graph.Network, axis);
            (narrowest[axis], widest[axis]) = twin >= 0 && input[twin] == input[axis]
                ? (narrowest[twin], widest[twin])
                : ReceptiveField.Compute(graph, axis, input[axis]);
        }

        return (narrowest, widest);
    }

    /// <summary>
    /// The first axis before <paramref name="axis"/> with the same kernel in every convolution and the same pooling
    /// factor at every level, or -1. Everything the valid-size search and the receptive field read of an axis is in
    /// those, so such an axis has the same rule and the same receptive field.
    /// </summary>
    internal static int EarlierTwin(ResolvedNetwork network, int axis)
    {
        for (var other = 0; other < axis; other++)
        {
            var same = SameKernel(network.Bottleneck, axis, other);
            foreach (var level in network.Levels)
            {
                same &= level.Pool[axis] == level.Pool[other] && SameKernel(level.Encoder, axis, other) && SameKernel(level.Decoder, axis, other);
            }

            if (same)
            {
                return other;
            }
        }

        return -1;

        static bool SameKernel(ConvStack stack, int a, int b) => stack.Kernel[a] == stack.Kernel[b];
    }

    private const string MacsQuantity = "The multiply-accumulate count at the input size";

    private const Contributors MacsContributors = Contributors.Channels | Contributors.Kernel | Contributors.Pool | Contributors.InputSize | Contributors.Conditioning;

    /// <summary>The product of the pooling factors along one axis: valid sizes repeat with this period.</summary>
    public static int PoolFactor(ResolvedNetwork network, int axis) =>
        ShapeOverflowException.Int(
            "The pooling period on axis " + AxisName(network.Dimensions, axis),
            Contributors.Pool,
            () => network.Levels.Aggregate(1L, (product, level) => checked(product * level.Pool[axis])));

    /// <summary>The rule of one axis (see <see cref="FindRule"/>) and what the solver found.</summary>
    private static (AxisRule? Rule, SizeRuleSolution Solution) SolveAxis(LayerGraph graph, int axis)
    {
        var solution = SizeRuleSolver.Solve(graph, axis);
        return (Verified(graph, axis, solution), solution);
    }

    /// <summary>Finds the valid sizes of one axis: the smallest that lines up, repeating every <see cref="PoolFactor"/>.</summary>
    /// <returns>The rule, or null when the sizes that line up do not repeat (see <see cref="SizeRuleSolver"/>) or a skip's channels never fit.</returns>
    public static AxisRule? FindRule(ResolvedNetwork network, int axis)
    {
        var graph = LayerGraph.Build(network);
        return Verified(graph, axis, SizeRuleSolver.Solve(graph, axis));
    }

    private static AxisRule? Verified(LayerGraph graph, int axis, SizeRuleSolution solution)
    {
        if (solution.Rule is not { } rule)
        {
            return null;
        }

        // The arithmetic is checked against one trace rather than trusted; channels, which it does not look at, may
        // still keep every size from working, as a trace of every size would find.
        var trace = Propagate(graph, new[] { rule.MinInput }, new[] { axis });
        if (trace.Problems.Any(p => p is SkipChannelsProblem))
        {
            return null;
        }

        if (trace.Problems.Count > 0 || trace.Output is null || trace.Output[0] != rule.MinInput - rule.Shrink)
        {
            throw new InvalidOperationException("The valid-size rule " + rule.Describe() + " of axis " + AxisName(graph.Network.Dimensions, axis) + " disagrees with a trace of " + rule.MinInput + ".");
        }

        return rule;
    }

    /// <summary>Parameters as TorchSharp counts them: weights and biases of convolutions, affine norms.</summary>
    public static long CountParameters(LayerGraph graph) => graph.Nodes.Aggregate(0L, (sum, node) => checked(sum + node.Parameters(graph.Network)));

    public static long Product(System.Collections.Generic.IEnumerable<int> values)
    {
        long product = 1;
        foreach (var value in values)
        {
            product = checked(product * value);
        }

        return product;
    }

    public static string AxisName(int dimensions, int axis) => dimensions == 3 ? "DHW".Substring(axis, 1) : "HW".Substring(axis, 1);

    /// <summary>"[128, 139x139]".</summary>
    public static string FormatShape(int channels, IReadOnlyList<int> size) =>
        "[" + channels.ToString(CultureInfo.InvariantCulture) + ", " + string.Join("x", size.Select(s => s.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>Runs sizes through the network the way TorchSharp would (floor pooling), noting every problem.</summary>
    /// <param name="network">The network.</param>
    /// <param name="input">Input sizes, one per entry of <paramref name="axes"/>.</param>
    /// <param name="collectLayers">Record every layer's shape (for the report), not just problems.</param>
    /// <summary>Runs sizes through the network the way TorchSharp would (floor pooling), noting every problem.</summary>
    /// <param name="graph">The network's layers.</param>
    /// <param name="input">Input sizes, one per entry of <paramref name="axes"/>.</param>
    /// <param name="axes">The network axes the sizes stand for; all of them when null. The valid-size search walks one axis at a time.</param>
    internal static ShapeTrace Propagate(LayerGraph graph, int[] input, int[]? axes = null)
    {
        var trace = new ShapeTrace(graph, input, axes ?? Enumerable.Range(0, input.Length).ToArray());

        // Sizes stay within the input's, and each layer's parameters within the total, which Analyze counts first:
        // what can overflow here is a multiply-accumulate count.
        ShapeOverflowException.Long(MacsQuantity, MacsContributors, () =>
        {
            trace.Run();
            return 0;
        });
        return trace;
    }

    /// <summary>The total pooling factor above <paramref name="level"/>, per axis: 1 at level 1, 2 at level 2 of a paper U-Net.</summary>
    internal static int[] Scale(ResolvedNetwork network, int level)
    {
        var scale = Enumerable.Repeat(1, network.Dimensions).ToArray();
        for (var i = 0; i < level - 1; i++)
        {
            for (var axis = 0; axis < scale.Length; axis++)
            {
                scale[axis] *= network.Levels[i].Pool[axis];
            }
        }

        return scale;
    }

    /// <summary>True when levels <paramref name="a"/> and <paramref name="b"/> see the input at one resolution on every axis.</summary>
    internal static bool SameResolution(ResolvedNetwork network, int a, int b) => Scale(network, a).SequenceEqual(Scale(network, b));

    /// <summary>"full resolution", or the fraction of it per axis: "1/2x1/2", "1x1/2x1/2".</summary>
    internal static string ResolutionText(ResolvedNetwork network, int level)
    {
        var scale = Scale(network, level);
        return scale.All(f => f == 1)
            ? "full resolution"
            : string.Join("x", scale.Select(f => f == 1 ? "1" : "1/" + f.ToString(CultureInfo.InvariantCulture))) + " of full resolution";
    }

}
