using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Layers;

/// <summary>
/// Activation checkpointing: runs a segment of the network without keeping its intermediates for backward, and
/// recomputes them when backward reaches the segment. Trades one extra forward pass of the segment for the memory
/// its activations would have held. Generated networks call it for the levels declared with
/// <c>[Level(..., Checkpoint = true)]</c>; the segment of a level is everything from its encoder block down to and
/// including its decoder block, so checkpointed levels nest.
/// </summary>
/// <remarks>
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
    /// The computation. It may dispose the handle it is given (intermediates are released early), and must depend on
    /// no other tensor that needs a gradient except through module parameters.
    /// </param>
    /// <returns>The segment's output.</returns>
    public static Tensor Run(Tensor input, Func<Tensor, Tensor> segment)
    {
        if (input is null)
        {
            throw new ArgumentNullException(nameof(input));
        }

        if (segment is null)
        {
            throw new ArgumentNullException(nameof(segment));
        }

        // Without autograd there is nothing to save memory on: run the segment as it is.
        if (!torch.is_grad_enabled() || torch.is_inference_mode_enabled())
        {
            return segment(input);
        }

        // Autograd only calls a node's backward when one of its inputs needs a gradient. The network's own input
        // usually does not, yet the parameters inside the segment do, so the segment gets an input that asks for one.
        var recordedInput = input.requires_grad ? input : input.detach().requires_grad_(true);
        return RecomputingFunction.apply(recordedInput, segment);
    }

    /// <summary>The autograd node of a checkpointed segment.</summary>
    private sealed class RecomputingFunction : autograd.SingleTensorFunction<RecomputingFunction>
    {
        private const string SegmentKey = "segment";
        private const string RandomStateKey = "rng";

        public override string Name => "UNetDslActivationCheckpoint";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var input = (Tensor)vars[0];
            var segment = (Func<Tensor, Tensor>)vars[1];
            ctx.save_for_backward(new List<Tensor> { input });
            ctx.save_data(SegmentKey, segment);

            // Kept as managed bytes, not a tensor: backward may run after the caller's dispose scope has ended.
            using (var state = torch.get_rng_state())
            {
                ctx.save_data(RandomStateKey, state.data<byte>().ToArray());
            }

            // The caller keeps its handle to input (autograd reads it after this returns); the segment gets its own.
            using var scope = torch.NewDisposeScope();
            var output = segment(input.alias());
            return scope.MoveToOuter(output);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            var saved = ctx.get_saved_variables()[0];
            var segment = (Func<Tensor, Tensor>)ctx.get_data(SegmentKey);
            var randomState = (byte[])ctx.get_data(RandomStateKey);

            using var scope = torch.NewDisposeScope();
            var currentState = torch.get_rng_state();
            torch.set_rng_state(torch.tensor(randomState, torch.uint8));
            Tensor leaf;
            try
            {
                using (torch.enable_grad())
                {
                    leaf = saved.detach().requires_grad_(true);
                    var output = segment(leaf.alias());

                    // Re-entrant backward through the recomputed segment: parameters accumulate their gradients
                    // directly, the input's gradient is handed on to the outer graph.
                    torch.autograd.backward(output, grad_output);

                    // The recomputed output is no longer needed; do not hold it until the scope ends.
                    output.Dispose();
                }
            }
            finally
            {
                torch.set_rng_state(currentState);
            }

            var inputGradient = leaf.grad ?? torch.zeros_like(saved);
            return new List<Tensor> { scope.MoveToOuter(inputGradient), null! };
        }
    }
}
