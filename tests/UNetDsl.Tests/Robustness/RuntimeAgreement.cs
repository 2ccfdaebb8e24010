using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Robustness;

/// <summary>
/// Holds one generated network to what its generated members say: <c>ParameterCount</c> against the parameters
/// TorchSharp holds, <c>OutputShape(batch)</c> against the output of <c>forward(zeros(InputShape(batch)))</c>, each
/// deep-supervision head against the shape its XML documentation states, and <c>MultiplyAccumulates</c> against
/// the multiply-accumulates of the convolutions TorchSharp runs in that forward pass, counted per sample from each
/// convolution's weight and the shapes it sees.
/// </summary>
public static class RuntimeAgreement
{
    private static readonly Regex s_headDoc = new(@"The head at decoder level (\d+): \[N, ([\d, ]+)\] for the reference size", RegexOptions.CultureInvariant);
    private static readonly Regex s_mainHeadDoc = new(@"The main head: \[N, ([\d, ]+)\] for the reference size", RegexOptions.CultureInvariant);

    /// <summary>
    /// Runs TorchSharp on one intra-op thread until disposed: these networks are too small to share out, and on a busy
    /// machine the idle worker threads spinning for work cost several times the run itself.
    /// </summary>
    public static IDisposable OneIntraOpThread()
    {
        var threads = get_num_threads();
        set_num_threads(1);
        return new Restore(() => set_num_threads(threads));
    }

    /// <summary>Every disagreement found, as readable lines; empty when the network is what the compiler said.</summary>
    /// <param name="type">The generated network type, loaded.</param>
    /// <param name="generatedSource">Its generated source, for the documented head shapes.</param>
    /// <param name="batch">The batch size to run.</param>
    /// <param name="checkLargerSize">Also run one step above the smallest valid size on every axis (undeclared input size only).</param>
    public static List<string> Check(Type type, string generatedSource, long batch, bool checkLargerSize)
    {
        var problems = new List<string>();
        var parameterCount = Constant<long>(type, "ParameterCount");
        var multiplyAccumulates = Constant<long>(type, "MultiplyAccumulates");
        var declaredInput = Constant<bool>(type, "HasDeclaredInputSize");
        var inputShape = Static<long[]>(type, "InputShape", batch);
        var outputShape = Static<long[]>(type, "OutputShape", batch);
        if (multiplyAccumulates <= 0)
        {
            problems.Add("MultiplyAccumulates is " + multiplyAccumulates);
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        nn.Module<Tensor, Tensor> module;
        try
        {
            module = (nn.Module<Tensor, Tensor>)type.GetConstructors().Single().Invoke(new object?[] { null, null });
        }
        catch (TargetInvocationException e)
        {
            problems.Add("the constructor threw " + e.InnerException);
            return problems;
        }

        using (module)
        {
            module.eval();
            var counted = module.parameters().Sum(p => p.numel());
            if (counted != parameterCount)
            {
                var perChild = module.named_children().Select(c => c.name + " " + c.module.parameters().Sum(p => p.numel()));
                problems.Add("ParameterCount is " + parameterCount + " but TorchSharp holds " + counted + " (" + string.Join(", ", perChild) + ")\n"
                    + Static<string>(type, "Summary"));
            }

            var geometry = ((IUNetModule)module).Geometry;
            if (geometry.ParameterCount != parameterCount)
            {
                problems.Add("Geometry.ParameterCount is " + geometry.ParameterCount + ", ParameterCount " + parameterCount);
            }

            // The compiler counts every head it lists, deep-supervision heads included: with heads, the pass to count
            // is ForwardWithHeads, the one that trains them.
            var withHeads = type.GetMethod("ForwardWithHeads");
            var macs = new Dictionary<string, long>(StringComparer.Ordinal);
            using (withHeads is null ? CountMultiplyAccumulates(module, macs) : null)
            {
                Run(problems, "forward at InputShape(" + batch + ")", () => module.call(zeros(inputShape)).shape, outputShape);
            }

            if (withHeads is not null)
            {
                using (CountMultiplyAccumulates(module, macs))
                {
                    CheckHeads(problems, module, withHeads, generatedSource, inputShape, outputShape, batch);
                }
            }

            if (macs.Values.Sum() != multiplyAccumulates)
            {
                problems.Add("MultiplyAccumulates is " + multiplyAccumulates + " but the convolutions run " + macs.Values.Sum() + " per sample ("
                    + string.Join(", ", macs.Select(m => m.Key + " " + m.Value)) + ")");
            }

            if (checkLargerSize && !declaredInput)
            {
                var rules = geometry.SizeRules;
                var sizes = rules.Select(r => r.MinInput + r.Step).ToArray();
                var larger = new long[] { batch, geometry.InputChannels }.Concat(sizes.Select(s => (long)s)).ToArray();
                var expected = new long[] { batch, geometry.OutputChannels }.Concat(sizes.Select((s, axis) => (long)rules[axis].OutputFor(s))).ToArray();
                Run(problems, "forward one step above the smallest valid size", () => module.call(zeros(larger)).shape, expected);
            }
        }

        return problems;
    }

    /// <summary>
    /// Adds each convolution's multiply-accumulates per sample to <paramref name="macs"/>, by submodule name, for every
    /// forward pass until disposed: a convolution does its weight's size of them at every output position, a
    /// transposed one at every input position.
    /// </summary>
    private static IDisposable CountMultiplyAccumulates(nn.Module<Tensor, Tensor> module, Dictionary<string, long> macs)
    {
        var removers = new List<Action>();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var (name, child) in module.named_modules())
        {
            // A module can be listed under two names (its registered name and its field's); count it once.
            if (child is not TorchSharp.Modules.Convolution conv || !seen.Add(conv))
            {
                continue;
            }

            var transposed = conv.GetType().Name.StartsWith("ConvTranspose", StringComparison.Ordinal);
            var hook = conv.register_forward_hook((_, input, output) =>
            {
                var positions = transposed ? input.shape.Skip(2).Aggregate(1L, (a, b) => a * b) : output.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
                macs[name] = macs.GetValueOrDefault(name) + (positions * conv.weight!.numel());
                return output;
            });
            removers.Add(hook.remove);
        }

        return new Restore(() => removers.ForEach(remove => remove()));
    }

    private static void CheckHeads(List<string> problems, nn.Module<Tensor, Tensor> module, MethodInfo withHeads, string generatedSource, long[] inputShape, long[] outputShape, long batch)
    {
        var documented = s_headDoc.Matches(generatedSource).ToDictionary(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m => Shape(batch, m.Groups[2].Value));
        var main = s_mainHeadDoc.Match(generatedSource);
        if (!main.Success || !Shape(batch, main.Groups[1].Value).SequenceEqual(outputShape))
        {
            problems.Add("the documented main head " + (main.Success ? "[N, " + main.Groups[1].Value + "]" : "is missing") + "; OutputShape says " + Text(outputShape));
        }

        DeepSupervisionOutputs heads;
        try
        {
            heads = (DeepSupervisionOutputs)withHeads.Invoke(module, new object[] { zeros(inputShape) })!;
        }
        catch (TargetInvocationException e)
        {
            problems.Add("ForwardWithHeads threw " + e.InnerException);
            return;
        }

        using (heads)
        {
            if (!heads.Heads[0].shape.SequenceEqual(outputShape))
            {
                problems.Add("ForwardWithHeads' main head is " + Text(heads.Heads[0].shape) + "; OutputShape says " + Text(outputShape));
            }

            var levels = heads.Levels.Skip(1).ToList();
            if (!levels.OrderBy(l => l).SequenceEqual(documented.Keys.OrderBy(l => l)))
            {
                problems.Add("ForwardWithHeads returns heads at levels " + string.Join(", ", levels) + "; the documentation names " + string.Join(", ", documented.Keys));
            }

            for (var i = 1; i < heads.Heads.Count; i++)
            {
                var level = heads.Levels[i];
                if (documented.TryGetValue(level, out var expected) && !heads.Heads[i].shape.SequenceEqual(expected))
                {
                    problems.Add("the head at level " + level + " is " + Text(heads.Heads[i].shape) + "; its documentation says " + Text(expected));
                }
            }
        }
    }

    private static void Run(List<string> problems, string what, Func<long[]> shape, long[] expected)
    {
        try
        {
            var actual = shape();
            if (!actual.SequenceEqual(expected))
            {
                problems.Add(what + " gives " + Text(actual) + "; the compiler says " + Text(expected));
            }
        }
        catch (Exception e) when (e is ArgumentException or ExternalException or InvalidOperationException)
        {
            problems.Add(what + " threw " + e.GetType().Name + ": " + e.Message);
        }
    }

    private static long[] Shape(long batch, string dimensions) =>
        new[] { batch }.Concat(dimensions.Split(", ").Select(d => long.Parse(d, CultureInfo.InvariantCulture))).ToArray();

    private static string Text(long[] shape) => "[" + string.Join(", ", shape) + "]";

    private static T Constant<T>(Type type, string name) =>
        (T)(type.GetField(name, BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() ?? throw new MissingFieldException(type.Name, name));

    private static T Static<T>(Type type, string name, params object[] arguments) =>
        (T)(type.GetMethod(name, BindingFlags.Public | BindingFlags.Static)?.Invoke(null, arguments) ?? throw new MissingMethodException(type.Name, name));

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
