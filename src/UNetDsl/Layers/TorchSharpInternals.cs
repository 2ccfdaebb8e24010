using System;
using System.Collections.Generic;
using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers;

/// <summary>
/// Every place where UNetDsl reaches into TorchSharp by reflection, written against TorchSharp
/// <see cref="WrittenFor"/>. Each member says what it reaches and why no public API does the job. A TorchSharp upgrade
/// can rename or reshape any of them without a compile error, so TorchSharpInternalsTests pins the version and checks
/// that every member is still found with the expected type: re-check each one here before moving that pin.
/// </summary>
/// <remarks>
/// Each workaround degrades to doing nothing when its member is missing (the memory or layout it saves is simply not
/// saved); none of them changes a result.
/// </remarks>
internal static class TorchSharpInternals
{
    /// <summary>The TorchSharp version every member below was written for and checked against.</summary>
    internal const string WrittenFor = "0.107.0";

    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;

    /// <summary>The name of <see cref="FunctionNodeType"/>'s list of output-sized tensors.</summary>
    internal const string OutputCacheFieldName = "_outputCache";

    /// <summary>
    /// <c>AutogradContext._node</c> (private, of TorchSharp's internal type <c>torch.autograd.Node</c>): the autograd
    /// node a custom function's context belongs to. Read so that <see cref="ReleaseOutputCache"/> can reach the node
    /// of a checkpointed segment; TorchSharp exposes no way from a context to its node.
    /// </summary>
    internal static readonly FieldInfo? AutogradContextNode = typeof(autograd.AutogradContext).GetField("_node", Private);

    /// <summary>
    /// TorchSharp's internal <c>torch.autograd.Node&lt;T&gt;</c>, the node type of every custom autograd function,
    /// which holds <see cref="OutputCacheFieldName"/>.
    /// </summary>
    internal static readonly Type? FunctionNodeType = typeof(autograd.AutogradContext).Assembly.GetType("TorchSharp.torch+autograd+Node`1");

    /// <summary>The node of a custom autograd function's <paramref name="context"/>, or null where not found.</summary>
    internal static object? FunctionNodeOf(autograd.AutogradContext context) => AutogradContextNode?.GetValue(context);

    /// <summary>
    /// <c>Node&lt;T&gt;._outputCache</c> (private, <c>List&lt;Tensor&gt;</c>) of <paramref name="node"/>: an
    /// uninitialised tensor the size of each output of the function, kept to build zeros should an output get no
    /// gradient, until the whole graph is released. Null where not found.
    /// </summary>
    internal static List<Tensor>? OutputCacheOf(object? node) =>
        node?.GetType().GetField(OutputCacheFieldName, Private)?.GetValue(node) as List<Tensor>;

    /// <summary>
    /// Disposes <paramref name="node"/>'s output cache (see <see cref="OutputCacheOf"/>) and leaves null entries, for
    /// which TorchSharp passes a missing gradient through as it is. Activation checkpointing needs this: UNetDsl's
    /// allocator hands out memory that earlier steps touched, so with several segments at full resolution those
    /// buffers would add up to the size of every segment's output. Does nothing where the field is not found.
    /// </summary>
    internal static void ReleaseOutputCache(object? node)
    {
        if (OutputCacheOf(node) is { } cache)
        {
            for (var i = 0; i < cache.Count; i++)
            {
                cache[i]?.Dispose();
                cache[i] = null!;
            }
        }
    }

    /// <summary>
    /// The per-parameter tensors of <paramref name="optimizer"/>'s state (SGD's <c>momentum_buffer</c>, Adam's
    /// <c>exp_avg</c>, <c>exp_avg_sq</c>, <c>max_exp_avg_sq</c>, ...), found as the public <see cref="Tensor"/> fields
    /// of each optimiser's own state class: TorchSharp's managed optimisers have no common API that lists them, and
    /// channels-last training must relay them out with the parameters. Empty for optimisers that are not
    /// TorchSharp's managed ones; disposed or never-allocated tensors are left out.
    /// </summary>
    internal static IEnumerable<Tensor> OptimizerStateTensors(optim.Optimizer? optimizer)
    {
        if (optimizer is not TorchSharp.Modules.OptimizerHelper helper)
        {
            yield break;
        }

        foreach (var state in helper.state_dict().State)
        {
            foreach (var field in state.GetType().GetFields(BindingFlags.Public | BindingFlags.Instance))
            {
                if (field.FieldType == typeof(Tensor) && field.GetValue(state) is Tensor tensor && !tensor.IsInvalid)
                {
                    yield return tensor;
                }
            }
        }
    }
}
