using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers;

/// <summary>
/// Activation checkpointing: runs a segment of the network without keeping its intermediates for backward, and
/// recomputes them when backward reaches the segment. Trades one extra forward pass of the segment for the memory
/// its activations would have held. Generated networks call it for the levels declared with
/// <c>[Level(..., Checkpoint = true)]</c>: the encoder block of such a level (with its pooling) is one segment and its
/// decoder block (with up-sampling and the skip join) another, so the levels below are not recomputed with it.
/// </summary>
/// <remarks>
/// Each segment's inputs are released once its backward has run, so a graph through checkpointed segments supports
/// one backward pass: a second one (<c>retain_graph</c>) stops with an <see cref="InvalidOperationException"/> that says so,
/// and since TorchSharp cannot pass an exception out of a custom backward, that ends the process.
/// The random-number state is saved before the segment and restored for the recomputation, so dropout draws the same
/// mask twice. Batch norm running statistics are updated again by the recomputation (as in PyTorch's checkpointing);
/// their momentum then counts that step twice.
/// </remarks>
public static class ActivationCheckpoint
{
    /// <summary>
    /// Runs <paramref name="segment"/> on <paramref name="input"/>; when gradients are being recorded, keeps only
    /// <paramref name="input"/> and recomputes the rest in backward.
    /// </summary>
    /// <param name="input">The segment's input; it stays alive until backward has passed the segment.</param>
    /// <param name="segment">
    /// The computation. It owns the handle it is given (it may dispose it to release intermediates early), and must
    /// depend on no other tensor that needs a gradient except through module parameters.
    /// </param>
    /// <returns>The segment's output.</returns>
    public static Tensor Run(Tensor input, Func<Tensor, Tensor> segment)
    {
        if (segment is null)
        {
            throw new ArgumentNullException(nameof(segment));
        }

        return Run(new[] { input }, inputs => new[] { segment(inputs[0]) })[0];
    }

    /// <summary>
    /// Runs <paramref name="segment"/> on <paramref name="inputs"/>; when gradients are being recorded, keeps only the
    /// inputs and recomputes the rest in backward. Every input that needs a gradient gets it, so a segment may take
    /// several (a decoder level's coarser map and its skip, a timestep embedding, a context).
    /// </summary>
    /// <param name="inputs">
    /// The segment's inputs; they stay alive until backward has passed the segment. Any tensor the segment reads and
    /// that needs a gradient must be among them: a captured one would be differentiated a second time.
    /// </param>
    /// <param name="segment">
    /// The computation. It owns the handles it is given (its own aliases of the inputs) and returns its outputs.
    /// </param>
    /// <returns>The segment's outputs, in the order it returned them.</returns>
    public static Tensor[] Run(Tensor[] inputs, Func<Tensor[], Tensor[]> segment)
    {
        if (inputs is null || inputs.Length == 0 || inputs.Any(t => t is null))
        {
            throw new ArgumentException("A checkpointed segment needs at least one input tensor, and no null one.", nameof(inputs));
        }

        if (segment is null)
        {
            throw new ArgumentNullException(nameof(segment));
        }

        // Without autograd there is nothing to save memory on: run the segment as it is.
        if (!torch.is_grad_enabled() || torch.is_inference_mode_enabled())
        {
            return segment(inputs.Select(t => t.alias()).ToArray());
        }

        ReleaseHandedOver();

        // Autograd only calls a node's backward when one of its inputs needs a gradient. The network's own input
        // usually does not, yet the parameters inside the segment do, so the segment gets an input that asks for one.
        var arguments = new object[inputs.Length + 1];
        for (var i = 0; i < inputs.Length; i++)
        {
            arguments[i] = inputs[i];
        }

        if (!inputs.Any(t => t.requires_grad))
        {
            arguments[0] = inputs[0].detach().requires_grad_(true);
        }

        // Tensors must be direct arguments of apply to become edges of the graph; the segment goes last.
        arguments[inputs.Length] = segment;
        var outputs = RecomputingFunction.apply(arguments).ToArray();
        OutputShapeCache.Release();
        return outputs;
    }

    /// <summary>
    /// Gradient handles a segment's backward returned. Autograd holds its own references once backward has returned,
    /// so they are disposed at the next backward or forward of a segment on the same thread (CPU backward runs on the
    /// thread that called it, nodes one after another).
    /// </summary>
    [ThreadStatic]
    private static List<Tensor>? s_handedOver;

    private static List<Tensor> HandedOver => s_handedOver ??= new List<Tensor>();

    private static void ReleaseHandedOver()
    {
        if (s_handedOver is { Count: > 0 } handedOver)
        {
            foreach (var gradient in handedOver)
            {
                gradient.Dispose();
            }

            handedOver.Clear();
        }
    }

    /// <summary>
    /// The output-sized buffers TorchSharp keeps on a custom function's node until the graph is released (see
    /// <see cref="TorchSharpInternals.ReleaseOutputCache"/>): remembered in forward, released once apply returns.
    /// </summary>
    private static class OutputShapeCache
    {
        [ThreadStatic]
        private static object? s_lastNode;

        public static void Remember(autograd.AutogradContext ctx) => s_lastNode = TorchSharpInternals.FunctionNodeOf(ctx);

        public static void Release()
        {
            var node = s_lastNode;
            s_lastNode = null;
            TorchSharpInternals.ReleaseOutputCache(node);
        }
    }

    /// <summary>The autograd node of a checkpointed segment.</summary>
    private sealed class RecomputingFunction : autograd.MultiTensorFunction<RecomputingFunction>
    {
        private const string SegmentKey = "segment";
        private const string RandomStateKey = "rng";
        private const string NeedsGradientKey = "needs";
        private const string InputsKey = "inputs";

        public override string Name => "UNetDslActivationCheckpoint";

        public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var inputs = vars.Take(vars.Length - 1).Cast<Tensor>().ToList();
            var segment = (Func<Tensor[], Tensor[]>)vars[vars.Length - 1];

            // The inputs are kept as handles of our own rather than through save_for_backward: TorchSharp releases
            // saved variables only when the whole graph goes, while these can go as soon as this segment's backward
            // is done, so that backward's memory shrinks as it proceeds. They leave the caller's dispose scope, and
            // backward disposes them.
            var kept = inputs.Select(t => t.detach().DetachFromDisposeScope()).ToArray();
            ctx.save_data(InputsKey, kept);
            OutputShapeCache.Remember(ctx);
            ctx.save_data(SegmentKey, segment);
            ctx.save_data(NeedsGradientKey, inputs.Select(t => t.requires_grad).ToArray());

            // Kept as managed bytes, not a tensor: backward may run after the caller's dispose scope has ended.
            using (var state = torch.get_rng_state())
            {
                ctx.save_data(RandomStateKey, state.data<byte>().ToArray());
            }

            // The caller keeps its handles to the inputs (autograd reads them after this returns); the segment gets
            // its own.
            using var scope = torch.NewDisposeScope();
            var outputs = segment(inputs.Select(t => t.alias()).ToArray());
            return outputs.Select(o => scope.MoveToOuter(o)).ToList();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grad_outputs)
        {
            var saved = (Tensor[]?)ctx.get_data(InputsKey)
                ?? throw new InvalidOperationException("Backward ran twice through a checkpointed segment (retain_graph); activation checkpointing recomputes each segment once. Run the second backward on a network without Checkpoint = true.");
            ctx.save_data(InputsKey, null!);
            var segment = (Func<Tensor[], Tensor[]>)ctx.get_data(SegmentKey);
            var randomState = (byte[])ctx.get_data(RandomStateKey);
            var needsGradient = (bool[])ctx.get_data(NeedsGradientKey);

            ReleaseHandedOver();
            using var scope = torch.NewDisposeScope();
            var currentState = torch.get_rng_state();
            torch.set_rng_state(torch.tensor(randomState, torch.uint8));
            var leaves = new Tensor[saved.Length];
            try
            {
                using (torch.enable_grad())
                {
                    for (var i = 0; i < saved.Length; i++)
                    {
                        leaves[i] = needsGradient[i] ? saved[i].detach().requires_grad_(true) : saved[i].detach();
                    }

                    var outputs = segment(leaves.Select(l => l.alias()).ToArray());

                    // Re-entrant backward through the recomputed segment: parameters accumulate their gradients
                    // directly, the inputs' gradients are handed on to the outer graph. Outputs that nothing
                    // differentiates carry no graph and are left out.
                    var roots = new List<Tensor>();
                    var gradients = new List<Tensor>();
                    for (var i = 0; i < outputs.Length; i++)
                    {
                        if (outputs[i].requires_grad && grad_outputs[i] is { IsInvalid: false } gradient)
                        {
                            roots.Add(outputs[i]);
                            gradients.Add(gradient);
                        }
                    }

                    // Backward starts from one scalar, the sum of each output times its gradient, whose gradient with
                    // respect to each output is exactly that gradient. Unlike the outputs themselves as roots, it lets
                    // the outputs' memory go before backward runs wherever their own backward does not read them (a
                    // pooled map, a cropped skip): at the first level that is the difference that sets the peak.
                    Tensor? root = null;
                    for (var i = 0; i < roots.Count; i++)
                    {
                        using var product = roots[i].mul(gradients[i]);
                        var term = product.sum();
                        root = root is null ? term : root.add_(term);
                    }

                    foreach (var output in outputs)
                    {
                        output.Dispose();
                    }

                    // Nor are the incoming gradients: TorchSharp wraps them in handles of the dispose scope around the
                    // outer backward call, which would keep every segment's until the training step ends.
                    foreach (var gradient in grad_outputs)
                    {
                        gradient?.Dispose();
                    }

                    root?.backward();
                }
            }
            finally
            {
                torch.set_rng_state(currentState);
            }

            var result = new List<Tensor>(saved.Length + 1);
            for (var i = 0; i < saved.Length; i++)
            {
                if (needsGradient[i])
                {
                    // Autograd takes its own reference to what backward returns; our handle would otherwise live in the
                    // caller's dispose scope until the training step ends. It is released at the next backward.
                    // A copy, not the leaf's own gradient: that is often a view into a larger one (a skip's gradient
                    // is a slice of the concatenation's), which would keep the whole buffer alive until the gradient
                    // reaches the segment that produced the input.
                    using var accumulated = leaves[i].grad;
                    var gradient = accumulated?.clone() ?? torch.zeros_like(saved[i]);
                    scope.Detach(gradient);
                    HandedOver.Add(gradient);
                    result.Add(gradient);
                }
                else
                {
                    result.Add(null!);
                }
            }

            // The segment's inputs are needed no more: their memory goes now, not when the whole graph is released.
            foreach (var input in saved)
            {
                input.Dispose();
            }

            result.Add(null!);
            return result;
        }
    }
}
