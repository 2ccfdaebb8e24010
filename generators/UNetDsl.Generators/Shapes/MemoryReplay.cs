using System.Collections.Generic;
using System.Linq;

namespace UNetDsl.Generators.Shapes;

/// <summary>
/// Runs a <see cref="MemoryTape"/> and writes down every allocation and release as the events of
/// <see cref="ActivationArithmetic"/>: the forward pass alone (inference), or the forward pass with what autograd keeps
/// followed by the backward pass (a training step).
/// </summary>
/// <remarks>
/// Memory is counted by storage: a tensor is freed when no handle of the code and no saved reference of autograd is
/// left on it. In backward the steps run in reverse, as autograd's engine runs them on one device: each step
/// allocates its inputs' gradients (or shares its output's), then releases its output's gradient and what it saved;
/// a gradient arriving at a tensor that already has one is added to it and released. Gradients of parameters are not
/// activations and are not counted here.
/// </remarks>
internal sealed class MemoryReplay
{
    private readonly MemoryTape _tape;
    private readonly int[] _references;
    private readonly List<int> _events = new();

    private MemoryReplay(MemoryTape tape)
    {
        _tape = tape;
        _references = new int[tape.Tensors.Count];
    }

    /// <summary>The events of the forward pass with no autograd: every tensor lives from its step to its last handle.</summary>
    public static List<int> Inference(MemoryTape tape)
    {
        var replay = new MemoryReplay(tape);
        replay.Forward(training: false);
        return replay._events;
    }

    /// <summary>The events of a training step: the forward pass keeping what backward needs, then the backward pass.</summary>
    public static List<int> Training(MemoryTape tape)
    {
        var replay = new MemoryReplay(tape);
        replay.Forward(training: true);
        new Backward(replay).Run();
        return replay._events;
    }

    private void Forward(bool training)
    {
        foreach (var op in _tape.Ops)
        {
            foreach (var tensor in op.Creates)
            {
                Reference(tensor);
            }

            if (training)
            {
                foreach (var tensor in op.Saves)
                {
                    Reference(tensor);
                }
            }

            foreach (var tensor in op.Drops)
            {
                Release(tensor);
            }
        }

        foreach (var tensor in _tape.ReleasedAtEnd)
        {
            Release(tensor);
        }
    }

    private void Reference(int tensor)
    {
        var storage = _tape.Tensors[tensor].Storage;
        if (_references[storage]++ == 0)
        {
            _events.Add(_tape.Tensors[storage].Size + 1);
        }
    }

    private void Release(int tensor)
    {
        var storage = _tape.Tensors[tensor].Storage;
        if (--_references[storage] == 0)
        {
            _events.Add(-(_tape.Tensors[storage].Size + 1));
        }
    }

    /// <summary>The backward pass: gradient buffers, shared by the views a concatenation or an addition hands on.</summary>
    private sealed class Backward(MemoryReplay replay)
    {
        private readonly MemoryTape _tape = replay._tape;
        private readonly List<int> _events = replay._events;
        private readonly Dictionary<int, Buffer> _gradients = new();

        public void Run()
        {
            // The loss's gradient of every output the loss reads.
            foreach (var output in _tape.Outputs.Where(o => _tape.Tensors[o].NeedsGradient))
            {
                _gradients[output] = Allocate(_tape.Tensors[output].Size);
            }

            for (var i = _tape.Ops.Count - 1; i >= 0; i--)
            {
                Step(_tape.Ops[i]);
            }
        }

        private void Step(TapeOp op)
        {
            if (op.Out < 0 || !_gradients.TryGetValue(op.Out, out var incoming))
            {
                ReleaseSaved(op);
                return;
            }

            _events.AddRange(op.BeforeGradients);
            var produced = op.Gradients
                .Select(g => (g.Tensor, Buffer: g.Shared ? incoming.Share() : Allocate(_tape.Tensors[g.Tensor].Size)))
                .ToList();
            _events.AddRange(op.AfterGradients);
            _gradients.Remove(op.Out);
            Free(incoming);
            ReleaseSaved(op);
            foreach (var (tensor, buffer) in produced)
            {
                Accumulate(tensor, buffer);
            }
        }

        private void ReleaseSaved(TapeOp op)
        {
            foreach (var tensor in op.Saves)
            {
                replay.Release(tensor);
            }
        }

        /// <summary>A second gradient of one tensor is summed into the first (in place when neither is shared) and released.</summary>
        private void Accumulate(int tensor, Buffer arriving)
        {
            if (!_gradients.TryGetValue(tensor, out var held))
            {
                _gradients[tensor] = arriving;
                return;
            }

            if (held.References > 1 || arriving.References > 1)
            {
                var sum = Allocate(_tape.Tensors[tensor].Size);
                Free(held);
                Free(arriving);
                _gradients[tensor] = sum;
                return;
            }

            Free(arriving);
        }

        private Buffer Allocate(int size)
        {
            _events.Add(size + 1);
            return new Buffer(size);
        }

        private void Free(Buffer buffer)
        {
            if (--buffer.References == 0)
            {
                _events.Add(-(buffer.Size + 1));
            }
        }
    }

    private sealed class Buffer(int size)
    {
        public int Size { get; } = size;

        public int References { get; set; } = 1;

        public Buffer Share()
        {
            References++;
            return this;
        }
    }
}
