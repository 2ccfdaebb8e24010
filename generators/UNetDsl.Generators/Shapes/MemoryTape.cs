using System.Collections.Generic;
using System.Linq;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>A spatial size that grows with the input: along each axis <c>Base + Slope * k</c> (see <see cref="ActivationArithmetic"/>).</summary>
/// <remarks>Immutable and value-equal: part of <see cref="ActivationMemoryModel"/>.</remarks>
internal sealed record MemoryGrid(EquatableArray<long> Base, EquatableArray<long> Slope)
{
    /// <summary>The grid <paramref name="pixels"/> smaller along each axis (an unpadded convolution's loss).</summary>
    public MemoryGrid Minus(IReadOnlyList<long> pixels) =>
        new(Base.Select((b, axis) => b - pixels[axis]).ToEquatableArray(), Slope);
}

/// <summary>One tensor of a <see cref="MemoryTape"/>: its size (an entry of the size table) and the storage it lives in.</summary>
/// <param name="Storage">Its own index, or for a view (a crop) the tensor whose memory it shares.</param>
/// <param name="NeedsGradient">True when backward computes a gradient for it (it depends on a parameter).</param>
internal readonly record struct TapeTensor(int Size, int Storage, bool NeedsGradient)
{
    public bool IsView(int index) => Storage != index;
}

/// <summary>A gradient an operation's backward hands to one of its inputs.</summary>
/// <param name="Tensor">The input.</param>
/// <param name="Shared">True when the gradient is the output's gradient itself or a view of it (an addition, a concatenation): no new memory.</param>
internal readonly record struct TapeGradient(int Tensor, bool Shared);

/// <summary>
/// One step of the forward pass as memory sees it: the tensors it allocates, those autograd keeps for its backward,
/// the handles the code releases after it, and the gradients its backward produces.
/// </summary>
internal sealed class TapeOp
{
    public List<int> Creates { get; } = new();

    /// <summary>What autograd keeps for backward (training only); a view keeps its storage.</summary>
    public List<int> Saves { get; } = new();

    /// <summary>Handles released once the step is done.</summary>
    public List<int> Drops { get; } = new();

    /// <summary>The tensor whose gradient backward consumes here; -1 for a step with no backward.</summary>
    public int Out { get; set; } = -1;

    public List<TapeGradient> Gradients { get; } = new();

    /// <summary>
    /// What backward allocates (s + 1) and frees (-(s + 1)) for the step's own work before it allocates the inputs'
    /// gradients (<see cref="ActivationArithmetic"/>'s events).
    /// </summary>
    public List<int> BeforeGradients { get; } = new();

    /// <summary>What backward allocates and frees for its own work once the inputs' gradients exist, before it returns.</summary>
    public List<int> AfterGradients { get; } = new();
}

/// <summary>
/// The forward pass of one generated network written down as allocations, releases and what autograd keeps, in the
/// order the generated code and the runtime modules run them. <see cref="MemoryLayers"/> writes it;
/// <see cref="MemoryReplay"/> turns it into the events of <see cref="ActivationArithmetic"/>.
/// </summary>
internal sealed class MemoryTape
{
    private readonly Dictionary<MemoryGrid, int> _gridIndex = new();
    private readonly Dictionary<(int Grid, long Factor, int Power, int Kind), int> _sizeIndex = new();

    public List<MemoryGrid> Grids { get; } = new();

    /// <summary>The size table: grid, factor, power, kind.</summary>
    public List<(int Grid, long Factor, int Power, int Kind)> Sizes { get; } = new();

    public List<TapeTensor> Tensors { get; } = new();

    public List<TapeOp> Ops { get; } = new();

    /// <summary>Handles the generated forward's dispose scope releases when it ends, not before.</summary>
    public List<int> ReleasedAtEnd { get; } = new();

    /// <summary>The tensors the loss differentiates: the main output and the deep-supervision heads.</summary>
    public List<int> Outputs { get; } = new();

    /// <summary>The size of a map of <paramref name="channels"/> on <paramref name="grid"/>, or of <paramref name="power"/> 0 (per sample) or 2 (pixels x pixels).</summary>
    public int Size(MemoryGrid grid, long channels, int power = 1, int kind = ActivationArithmetic.FloatKind)
    {
        if (!_gridIndex.TryGetValue(grid, out var g))
        {
            g = _gridIndex[grid] = Grids.Count;
            Grids.Add(grid);
        }

        var key = (power == 0 ? 0 : g, channels, power, kind);
        if (!_sizeIndex.TryGetValue(key, out var s))
        {
            s = _sizeIndex[key] = Sizes.Count;
            Sizes.Add(key);
        }

        return s;
    }

    /// <summary>A step that allocates one tensor of <paramref name="size"/> and returns it; its backward sends gradients to <paramref name="from"/>.</summary>
    /// <param name="size">The output's size.</param>
    /// <param name="saves">What autograd keeps for the step's backward; the output itself may be among them.</param>
    /// <param name="from">The inputs it differentiates; those that need no gradient are left out.</param>
    /// <param name="shared">True when the inputs' gradients are the output's (an addition, a concatenation).</param>
    /// <param name="parametric">The step has parameters: its output needs a gradient whatever its inputs.</param>
    public int Compute(int size, int[] saves, int[] from, bool shared = false, bool parametric = true)
    {
        var op = new TapeOp();
        var output = Tensors.Count;
        var needs = parametric || from.Any(t => Tensors[t].NeedsGradient);
        Tensors.Add(new TapeTensor(size, output, needs));
        op.Creates.Add(output);
        op.Saves.AddRange(saves.Select(t => t < 0 ? output : t));
        SetBackward(op, output, from, shared);
        Ops.Add(op);
        return output;
    }

    /// <summary>A step that changes <paramref name="tensor"/> in place (an activation, an addition); no allocation.</summary>
    public void InPlace(int tensor, int[] saves, int[] from, bool shared)
    {
        var op = new TapeOp();
        op.Saves.AddRange(saves);
        SetBackward(op, tensor, from, shared);
        Ops.Add(op);
    }

    /// <summary>A view of <paramref name="of"/> of another size (a crop): no memory of its own; its backward writes a gradient the size of <paramref name="of"/>.</summary>
    public int View(int of, int size)
    {
        var op = new TapeOp();
        var view = Tensors.Count;
        Tensors.Add(new TapeTensor(size, Tensors[of].Storage, Tensors[of].NeedsGradient));
        op.Creates.Add(view);
        SetBackward(op, view, new[] { of }, shared: false);
        Ops.Add(op);
        return view;
    }

    /// <summary>A step that allocates a tensor no gradient flows through (pooling indices, a layout copy of the input).</summary>
    public int Constant(int size)
    {
        var op = new TapeOp();
        var tensor = Tensors.Count;
        Tensors.Add(new TapeTensor(size, tensor, false));
        op.Creates.Add(tensor);
        Ops.Add(op);
        return tensor;
    }

    /// <summary>Another handle on <paramref name="tensor"/>'s memory (an in-place result returned as a new handle).</summary>
    public void Handle(int tensor)
    {
        var op = new TapeOp();
        op.Creates.Add(tensor);
        Ops.Add(op);
    }

    /// <summary>The last step's backward also works through a buffer of <paramref name="size"/>, from its start to its end.</summary>
    public void BackwardWorkspace(int size)
    {
        Ops[Ops.Count - 1].BeforeGradients.Add(size + 1);
        Ops[Ops.Count - 1].AfterGradients.Add(-(size + 1));
    }

    /// <summary>The last step's backward also allocates and frees these buffers, as events, before and after the inputs' gradients.</summary>
    public void BackwardWork(IEnumerable<int> beforeGradients, IEnumerable<int> afterGradients)
    {
        Ops[Ops.Count - 1].BeforeGradients.AddRange(beforeGradients);
        Ops[Ops.Count - 1].AfterGradients.AddRange(afterGradients);
    }

    /// <summary>Releases a handle once the last step written so far is done.</summary>
    public void Drop(params int[] tensors) => Ops[Ops.Count - 1].Drops.AddRange(tensors);

    /// <summary>Autograd also keeps <paramref name="tensors"/> for the last step written.</summary>
    public void SaveForLast(params int[] tensors) => Ops[Ops.Count - 1].Saves.AddRange(tensors);

    private void SetBackward(TapeOp op, int output, int[] from, bool shared)
    {
        op.Out = Tensors[output].NeedsGradient ? output : -1;
        foreach (var input in from.Where(t => Tensors[t].NeedsGradient))
        {
            op.Gradients.Add(new TapeGradient(input, shared));
        }
    }
}
