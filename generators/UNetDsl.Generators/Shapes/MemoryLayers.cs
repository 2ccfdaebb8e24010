using System.Collections.Generic;
using System.Linq;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>
/// Writes the generated forward pass onto a <see cref="MemoryTape"/>: a fold over the <see cref="LayerGraph"/>, each
/// node as the runtime module that runs it allocates, releases and (in training) leaves for backward.
/// </summary>
/// <remarks>
/// What each module does, from its source in <c>src/UNetDsl/Layers</c>: <c>ConvBlock</c> releases each intermediate as
/// soon as the next exists, a residual block's pre-activation handle once its activation exists; <c>ConvNeXtBlock</c>, <c>TimeConditionedBlock</c> and <c>SpatialTransformer</c> hold every
/// intermediate until they return; <c>DecoderJoin</c> releases the up-sampled map and the crop once the join exists.
/// What autograd keeps, from libtorch's derivatives: a convolution its input; batch, instance, group and layer norm
/// their input; ReLU and leaky ReLU (in place here) and sigmoid their result; SiLU and GELU their input; max-pooling its
/// input and its 64-bit indices; a product both factors; dropout its mask; addition, concatenation, interpolation and
/// crops nothing. Inference is <c>Predict</c>'s: a channels-last copy of the input, and a contiguous copy of the output.
/// Each tape is written for one <see cref="PassLayout"/>: what oneDNN copies around a convolution depends on the maps'
/// layout and, on NCHW maps, on the CPU.
/// </remarks>
internal sealed class MemoryLayers
{
    /// <summary>The channel block of oneDNN's AVX-512 kernels: NCHW maps are copied into it, channels padded to a multiple.</summary>
    private const int Avx512Block = 16;

    /// <summary>What a convolution's kernel is, as far as oneDNN's choice of layouts goes.</summary>
    private enum ConvKind
    {
        /// <summary>A kernel wider than one pixel over all input channels.</summary>
        Spatial,

        /// <summary>A 1x1 kernel (a projection, a gate's coefficients, a head).</summary>
        Pointwise,

        /// <summary>One filter per channel (ConvNeXt's).</summary>
        Depthwise,
    }

    private readonly MemoryTape _tape = new();
    private readonly LayerGraph _graph;
    private readonly ResolvedNetwork _net;
    private readonly MemoryGrid _inputGrid;
    private readonly MemoryGrid[] _grids;
    private readonly bool _training;
    private readonly PassLayout _layout;

    /// <summary>Whether the maps are channels-last at this point of the pass: from the start, or from a ConvNeXt block's first layer norm on.</summary>
    private bool _channelsLast;
    private readonly int[] _outputs;
    private int _time = -1;

    /// <summary>For <see cref="Transformer"/>'s steps that keep nothing (a layout copy).</summary>
    private const int NoSave = int.MinValue;

    private MemoryLayers(LayerGraph graph, MemoryGrid inputGrid, MemoryGrid[] grids, bool training, PassLayout layout)
    {
        _graph = graph;
        _net = graph.Network;
        _inputGrid = inputGrid;
        _grids = grids;
        _training = training;
        _layout = layout;
        _channelsLast = layout == PassLayout.ChannelsLast;
        _outputs = Enumerable.Repeat(-1, graph.Nodes.Count).ToArray();
    }

    /// <summary>The tape of one pass in <paramref name="layout"/>: <paramref name="grids"/> holds each node's output grid, by index.</summary>
    public static MemoryTape Write(LayerGraph graph, MemoryGrid inputGrid, MemoryGrid[] grids, bool training, PassLayout layout) =>
        new MemoryLayers(graph, inputGrid, grids, training, layout).Write();

    /// <summary>
    /// Whether the pass can run on channels-last maps. Inference: <c>Predict</c> and the overlap-tile predictor hand the
    /// network a channels-last input, which libtorch keeps through every layer, except with one input channel, where the
    /// two layouts coincide and it picks NCHW. Training: <c>PrepareForTraining</c> lays it out channels-last only where
    /// that trains faster for the number format on the CPU (<c>Layer.ChannelsLastTrainsFaster</c>, a run-time choice),
    /// and never with instance or group norm in the network.
    /// </summary>
    public static bool ChannelsLast(ResolvedNetwork network, bool training) =>
        network.Conditioning is null && (training ? network.Normalization is not (NormKind.Instance or NormKind.Group) : network.InChannels > 1);

    private bool Predicts => !_training && _net.Conditioning is null;

    private MemoryTape Write()
    {
        var input = _tape.Constant(_tape.Size(_inputGrid, _net.InChannels));
        var packed = Predicts ? _tape.Constant(_tape.Size(_inputGrid, _net.InChannels)) : input;
        foreach (var node in _graph.Nodes)
        {
            if (node is UpNode or CropNode or GateNode && node is not UpNode { Of.Skip: SkipJoin.None })
            {
                continue;
            }

            _outputs[node.Index] = Run(node, node.Inputs.Count > 0 && node.Inputs[0] == LayerGraph.NetworkInput ? packed : -1);
            ReleaseAfter(node);
        }

        var output = _outputs[_graph.Output];
        _tape.Outputs.Add(output);
        if (Predicts)
        {
            // Predict returns a contiguous copy and releases the channels-last input and result.
            _tape.Constant(_tape.Size(_grids[_graph.Output], _net.Classes));
            _tape.Drop(packed, output);
        }

        return _tape;
    }

    /// <summary>The generated forward releases each map after the last node that reads it; skips after their last join.</summary>
    private void ReleaseAfter(LayerNode node)
    {
        var group = node is JoinNode join ? Enumerable.Range(_graph.Level(join.Level).Up, node.Index - _graph.Level(join.Level).Up + 1) : new[] { node.Index };
        foreach (var index in Enumerable.Range(0, node.Index).Where(i => group.Contains(_graph.LastUse(i)) && _outputs[i] >= 0 && _graph[i] is not TimeEmbeddingNode))
        {
            _tape.Drop(_outputs[index]);
        }
    }

    private int Input(LayerNode node, int input) => node.Inputs[input] == LayerGraph.NetworkInput ? -1 : _outputs[node.Inputs[input]];

    private int Run(LayerNode node, int networkInput)
    {
        var input = networkInput >= 0 ? networkInput : node.Inputs.Count > 0 ? Input(node, 0) : -1;
        return node switch
        {
            TimeEmbeddingNode time => _time = _tape.Compute(_tape.Size(_inputGrid, time.Conditioning.TimeChannels, power: 0), new int[0], new int[0]),
            ConvBlockNode { Stack.TimeConditioned: true } block => TimeConditioned(block, input),
            ConvBlockNode block => ConvBlock(block, input),
            ConvNeXtNode block => ConvNeXt(block, input),
            TransformerNode transformer => Transformer(transformer, input),
            PoolNode pool => Pool(pool, input),
            DropoutNode => Dropout(input),
            UpNode up => Up(up, input),
            JoinNode join => DecoderJoin(join),
            HeadNode head => Head(head, input),
            _ => input,
        };
    }

    private int Map(MemoryGrid grid, long channels) => _tape.Size(grid, channels);

    /// <summary>
    /// A convolution (autograd keeps its input); its backward works through one output-sized buffer. On NCHW maps
    /// without AVX-512, oneDNN first reorders the input into its blocked layout, channels rounded up to a multiple of 8:
    /// a copy that lives while the convolution runs. Channels-last maps it reads as they are. NCHW maps with AVX-512:
    /// see <see cref="ConvolveAvx512"/>.
    /// </summary>
    private int Convolve(int size, int input, ConvKind kind = ConvKind.Spatial)
    {
        if (_layout == PassLayout.NchwAvx512 && !_channelsLast)
        {
            return ConvolveAvx512(size, input, kind);
        }

        var reorder = -1;
        if (!_channelsLast)
        {
            var (grid, channels, _, _) = _tape.Sizes[_tape.Tensors[input].Size];
            reorder = _tape.Constant(_tape.Size(_tape.Grids[grid], (channels + 7) / 8 * 8));
        }

        var output = _tape.Compute(size, new[] { input }, new[] { input });
        _tape.BackwardWorkspace(size);
        if (reorder >= 0)
        {
            _tape.Drop(reorder);
        }

        return output;
    }

    /// <summary>
    /// A convolution on NCHW maps with AVX-512, as oneDNN's verbose log shows it (ONEDNN_VERBOSE=1). Forward: the input
    /// is copied into 16-channel blocks (channels padded to a multiple of 16) unless the kernel is spatial over fewer
    /// than 16 channels, which it reads as it is; the result is always written blocked, then copied into the NCHW
    /// output, the blocked result freed after. With 1, 2 or 4 output channels the blocked result alone is 16, 8 or 4
    /// maps. Backward, see <see cref="BackwardAvx512"/>.
    /// </summary>
    private int ConvolveAvx512(int size, int input, ConvKind kind)
    {
        var inSize = _tape.Tensors[input].Size;
        var readsBlocked = kind != ConvKind.Spatial || _tape.Sizes[inSize].Factor >= Avx512Block;
        var blockedInput = readsBlocked ? _tape.Constant(Blocked(inSize, Avx512Block)) : -1;
        var blockedResult = _tape.Constant(Blocked(size, Avx512Block));
        if (blockedInput >= 0)
        {
            _tape.Drop(blockedInput);
        }

        var output = _tape.Compute(size, new[] { input }, new[] { input });
        _tape.Drop(blockedResult);
        BackwardAvx512(size, input, kind);
        return output;
    }

    /// <summary>
    /// Backward of <see cref="ConvolveAvx512"/>: for the input's gradient, the output's gradient and the input's gradient
    /// blocked by 16, the latter then copied into the NCHW gradient; for the weights' gradient, the output's gradient
    /// and the input blocked again. oneDNN's AVX-512 weight-gradient kernel takes no spatial kernel over 4 to 15 input
    /// channels: its AVX2 one does, blocked by 8; over 1 to 3 it reads the input as it is.
    /// </summary>
    private void BackwardAvx512(int size, int input, ConvKind kind)
    {
        var inSize = _tape.Tensors[input].Size;
        var inChannels = _tape.Sizes[inSize].Factor;
        var before = new List<int>();
        var after = new List<int>();
        if (_tape.Tensors[input].NeedsGradient)
        {
            var blockedGradient = Blocked(size, Avx512Block);
            var blockedInputGradient = Blocked(inSize, Avx512Block);
            before.AddRange(new[] { blockedGradient + 1, blockedInputGradient + 1, -(blockedGradient + 1) });
            after.Add(-(blockedInputGradient + 1));
        }

        var block = kind != ConvKind.Spatial || inChannels >= Avx512Block || inChannels <= 3 ? Avx512Block : 8;
        var weightWork = new List<int> { Blocked(size, block) };
        if (kind != ConvKind.Spatial || inChannels > 3)
        {
            weightWork.Add(Blocked(inSize, block));
        }

        after.AddRange(weightWork.Select(s => s + 1));
        after.AddRange(weightWork.Select(s => -(s + 1)));
        _tape.BackwardWork(before, after);
    }

    /// <summary>The size of <paramref name="size"/>'s map with its channels padded to a multiple of <paramref name="block"/>.</summary>
    private int Blocked(int size, int block)
    {
        var (grid, channels, _, _) = _tape.Sizes[size];
        return _tape.Size(_tape.Grids[grid], (channels + block - 1) / block * block);
    }

    /// <summary>The grid after convolution <paramref name="j"/> of a stack (0-based): 'Valid' loses k - 1 per convolution.</summary>
    private MemoryGrid After(StackNode node, MemoryGrid input, int j) =>
        _net.Padding == PaddingKind.Valid ? input.Minus(node.Stack.Kernel.Select(k => (long)(j + 1) * (k - 1)).ToArray()) : input;

    private MemoryGrid GridOf(int tensorNode) => tensorNode == LayerGraph.NetworkInput ? _inputGrid : _grids[tensorNode];

    private int ConvBlock(ConvBlockNode node, int input)
    {
        var inGrid = GridOf(node.Inputs[0]);
        var stack = node.Stack;
        var current = input;
        for (var j = 0; j < stack.Channels.Count; j++)
        {
            var size = Map(After(node, inGrid, j), stack.Channels[j]);
            current = Step(Convolve(size, current, stack.Kernel.All(k => k == 1) ? ConvKind.Pointwise : ConvKind.Spatial), current, input);
            if (_net.Normalization != NormKind.None)
            {
                current = Norm(current, size, input);
            }

            if (!(stack.Residual && j == stack.Channels.Count - 1))
            {
                current = Activate(current, size, input);
            }
        }

        return stack.Residual ? Residual(node, input, current, inGrid) : current;
    }

    /// <summary>ConvBlock's loop: a step's input is released once its output exists, unless it is the block's input.</summary>
    private int Step(int next, int current, int blockInput)
    {
        if (current != blockInput)
        {
            _tape.Drop(current);
        }

        return next;
    }

    private int Norm(int current, int size, int blockInput)
    {
        // Instance norm reshapes a channels-last map through a contiguous copy.
        var copy = _net.Normalization == NormKind.Instance && _channelsLast ? _tape.Constant(size) : -1;
        var normed = _tape.Compute(size, new[] { current }, new[] { current });
        if (copy >= 0)
        {
            _tape.Drop(copy);
        }

        return Step(normed, current, blockInput);
    }

    private int Activate(int current, int size, int blockInput)
    {
        if (_net.Activation is ActivationKind.ReLU or ActivationKind.LeakyReLU)
        {
            _tape.InPlace(current, new[] { current }, new[] { current }, shared: false);
            return current;
        }

        return Step(_tape.Compute(size, new[] { current }, new[] { current }), current, blockInput);
    }

    /// <summary>The residual addition: the (projected) input, centre-cropped, added in place, then the last activation.</summary>
    private int Residual(ConvBlockNode node, int input, int current, MemoryGrid inGrid)
    {
        var stack = node.Stack;
        var outSize = Map(_grids[node.Index], stack.OutChannels);
        var scoped = new List<int>();
        var identity = input;
        if (stack.HasProjection)
        {
            identity = Convolve(Map(inGrid, stack.OutChannels), input, ConvKind.Pointwise);
            scoped.Add(identity);
            if (_net.Normalization != NormKind.None)
            {
                identity = _tape.Compute(Map(inGrid, stack.OutChannels), new[] { identity }, new[] { identity });
                scoped.Add(identity);
            }
        }

        var cropped = Crop(identity, outSize, _net.Padding == PaddingKind.Valid);
        _tape.InPlace(current, new int[0], new[] { current, cropped }, shared: true);
        if (cropped != identity)
        {
            scoped.Add(cropped);
        }

        // ConvBlock.forward releases the pre-activation handle once the activation exists; in place, the activation's
        // result is another handle on the same memory, which lives on as the output.
        int output;
        if (_net.Activation is ActivationKind.ReLU or ActivationKind.LeakyReLU)
        {
            _tape.InPlace(current, new[] { current }, new[] { current }, shared: false);
            _tape.Handle(current);
            scoped.Add(current);
            output = current;
        }
        else
        {
            output = _tape.Compute(outSize, new[] { current }, new[] { current });
            scoped.Add(current);
        }

        _tape.Drop(scoped.ToArray());
        return output;
    }

    /// <summary>A centre crop to <paramref name="size"/>: a view when it cuts, the tensor itself otherwise.</summary>
    private int Crop(int tensor, int size, bool cuts) => cuts && _tape.Tensors[tensor].Size != size ? _tape.View(tensor, size) : tensor;

    private int ConvNeXt(ConvNeXtNode node, int input)
    {
        // ConvNeXtBlock.forward holds every intermediate in its dispose scope until it returns.
        var scoped = new List<int>();
        var grid = GridOf(node.Inputs[0]);
        var x = input;
        long channels = node.Stack.InChannels;
        for (var j = 0; j < node.Stack.Channels.Count; j++)
        {
            long width = node.Stack.Channels[j];
            if (channels != width)
            {
                x = Convolve(Map(grid, width), x, ConvKind.Pointwise);
                scoped.Add(x);
            }

            var after = After(node, grid, 0);
            var depthwise = Convolve(Map(after, width), x, ConvKind.Depthwise);
            var normed = _tape.Compute(Map(after, width), new[] { depthwise }, new[] { depthwise });

            // The layer norm runs on the map with its channels moved last and hands back a channels-last map, which
            // the convolutions, additions and joins after it keep: from here on the pass is channels-last.
            _channelsLast = true;
            var expanded = _tape.Compute(Map(after, ConvNeXtNode.Expansion * width), new[] { normed }, new[] { normed });
            var activated = _tape.Compute(Map(after, ConvNeXtNode.Expansion * width), new[] { expanded }, new[] { expanded });
            var reduced = _tape.Compute(Map(after, width), new[] { activated }, new[] { activated });
            scoped.AddRange(new[] { depthwise, normed, expanded, activated });
            var residual = Crop(x, Map(after, width), _net.Padding == PaddingKind.Valid);
            _tape.InPlace(reduced, new int[0], new[] { reduced, residual }, shared: true);
            if (residual != x)
            {
                scoped.Add(residual);
            }

            scoped.Add(reduced);
            (x, grid, channels) = (reduced, after, width);
        }

        scoped.Remove(x);
        _tape.Drop(scoped.ToArray());
        return x;
    }

    private int Pool(PoolNode node, int input)
    {
        var size = Map(_grids[node.Index], _graph.Network.Levels[node.Level - 1].Encoder.OutChannels);
        var pooled = _tape.Compute(size, new[] { input }, new[] { input }, parametric: false);
        var indices = _tape.Constant(_tape.Size(_grids[node.Index], _graph.Network.Levels[node.Level - 1].Encoder.OutChannels, kind: ActivationArithmetic.IndexKind));
        _tape.Drop(indices);
        if (_training)
        {
            // Saved with the pooling's own step, which is the gradient's way back.
            _tape.Ops[_tape.Ops.Count - 2].Saves.Add(indices);
        }

        return pooled;
    }

    private int Dropout(int input)
    {
        if (!_training)
        {
            // In evaluation mode dropout returns its input.
            _tape.Handle(input);
            return input;
        }

        var size = _tape.Tensors[input].Size;
        var mask = _tape.Constant(size);
        var output = _tape.Compute(size, new[] { mask }, new[] { input }, parametric: false);
        _tape.Drop(mask);
        return output;
    }

    private int Head(HeadNode head, int input)
    {
        if (head.Level > 0 && !_training)
        {
            // Deep-supervision heads run in ForwardWithHeads only: training.
            return -1;
        }

        var output = Convolve(Map(_grids[head.Index], head.Classes), input, ConvKind.Pointwise);
        if (head.Level > 0)
        {
            _tape.Outputs.Add(output);
        }

        return output;
    }

    /// <summary>The up-sampling alone (a level with no skip), or inside a join.</summary>
    private int Up(UpNode up, int coarse)
    {
        var grid = _grids[up.Index];
        if (up.UpSampling == UpSamplingKind.TransposedConv)
        {
            // oneDNN's transposed convolution on NCHW maps works through two output-sized buffers of its own.
            var buffers = _channelsLast ? -1 : _tape.Constant(Map(grid, 2L * up.Of.UpChannels));
            var upConv = _tape.Compute(Map(grid, up.Of.UpChannels), new[] { coarse }, new[] { coarse });
            if (buffers >= 0)
            {
                _tape.Drop(buffers);
            }

            return upConv;
        }

        // UpsampleConv: the interpolated map (saved by the 1x1 convolution), then the convolution.
        var interpolated = _tape.Compute(Map(grid, up.Of.UpInChannels), new int[0], new[] { coarse }, parametric: false);
        var output = Convolve(Map(grid, up.Of.UpChannels), interpolated, ConvKind.Pointwise);
        _tape.Drop(interpolated);
        return output;
    }

    /// <summary>DecoderJoin: up-sample, crop the skip, gate it, join; the temporaries released once the join exists.</summary>
    private int DecoderJoin(JoinNode join)
    {
        var level = _graph.Level(join.Level);
        var coarseNode = _graph[level.Up].Inputs[0];
        var coarse = _outputs[coarseNode];
        var skip = _outputs[_graph.Level(join.From).Skip];
        var up = Up((UpNode)_graph[level.Up], coarse);
        var grid = _grids[level.Up];
        var skipChannels = _net.Levels[join.Level - 1].SkipChannels;
        var cropped = _tape.Tensors[skip].Size == Map(grid, skipChannels) ? skip : _tape.View(skip, Map(grid, skipChannels));
        var temporaries = new List<int> { up };
        if (cropped != skip)
        {
            temporaries.Add(cropped);
        }

        var joined = cropped;
        if (join.Join == SkipJoin.AttentionGate)
        {
            joined = Gate((GateNode)_graph[level.Gate], cropped, coarse, GridOf(coarseNode), grid);
            temporaries.Add(joined);
        }

        var output = _tape.Compute(Map(_grids[join.Index], _graph.Network.Levels[join.Level - 1].Decoder.InChannels), new int[0], new[] { joined, up }, shared: true, parametric: false);
        _tape.Drop(temporaries.ToArray());
        return output;
    }

    /// <summary>AttentionGate: coefficients at the coarse size (their scope released on return), resampled, multiplied in.</summary>
    private int Gate(GateNode gate, int skip, int coarse, MemoryGrid coarseGrid, MemoryGrid grid)
    {
        var channels = gate.Of.GateChannels;
        var fromSkip = Convolve(Map(coarseGrid, channels), skip, gate.Of.Pool.All(p => p == 1) ? ConvKind.Pointwise : ConvKind.Spatial);
        var fromCoarse = Convolve(Map(coarseGrid, channels), coarse, ConvKind.Pointwise);
        _tape.InPlace(fromSkip, new int[0], new[] { fromSkip, fromCoarse }, shared: true);
        var rectified = _tape.Compute(Map(coarseGrid, channels), new[] { -1 }, new[] { fromSkip }, parametric: false);
        var psi = Convolve(Map(coarseGrid, 1), rectified, ConvKind.Pointwise);
        var sigmoid = _tape.Compute(Map(coarseGrid, 1), new[] { -1 }, new[] { psi }, parametric: false);
        var alpha = _tape.Compute(Map(grid, 1), new int[0], new[] { sigmoid }, parametric: false);
        _tape.Drop(fromSkip, fromCoarse, rectified, psi, sigmoid);
        var gated = _tape.Compute(Map(grid, gate.Of.SkipChannels), new[] { skip, alpha }, new[] { skip, alpha }, parametric: false);
        _tape.Drop(alpha);
        return gated;
    }

    /// <summary>TimeConditionedBlock: every intermediate held until it returns; the time shift is per sample.</summary>
    private int TimeConditioned(ConvBlockNode node, int input)
    {
        var stack = node.Stack;
        var grid = _grids[node.Index];
        var scoped = new List<int>();
        var h = input;
        for (var j = 0; j < stack.Channels.Count; j++)
        {
            var size = Map(grid, stack.Channels[j]);
            var conv = Convolve(size, h);
            h = _tape.Compute(size, new[] { conv }, new[] { conv });
            scoped.Add(conv);
            scoped.Add(h);
            if (j == 0)
            {
                var shift = _tape.Compute(_tape.Size(grid, stack.Channels[0], power: 0), new[] { _time }, new[] { _time });
                h = _tape.Compute(size, new int[0], new[] { h, shift }, shared: true);
                scoped.Add(shift);
                scoped.Add(h);
            }

            if (j == stack.Channels.Count - 1)
            {
                var identity = input;
                if (stack.HasProjection)
                {
                    identity = Convolve(size, input, ConvKind.Pointwise);
                    scoped.Add(identity);
                }

                h = _tape.Compute(size, new int[0], new[] { h, identity }, shared: true);
                scoped.Add(h);
            }

            var activated = _tape.Compute(size, new[] { _net.Activation is ActivationKind.ReLU or ActivationKind.LeakyReLU ? -1 : h }, new[] { h });
            scoped.Add(activated);
            h = activated;
        }

        scoped.Remove(h);
        _tape.Drop(scoped.ToArray());
        return h;
    }

    /// <summary>
    /// SpatialTransformer, one token per pixel, every intermediate held until it returns: the maps and token tensors of
    /// width C, the feed-forward's of 4C, self-attention's heads x pixels x pixels scores. Cross-attention's scores and
    /// the context's keys and values grow with the context's tokens, which the declaration does not fix: not counted.
    /// </summary>
    private int Transformer(TransformerNode node, int input)
    {
        var grid = _grids[node.Index];
        var width = Map(grid, node.Channels);
        var wide = Map(grid, 4L * node.Channels);
        var scores = _tape.Size(grid, node.Conditioning.Heads, power: 2);
        var scoped = new List<int>();
        int Next(int size, int from, int save)
        {
            var t = _tape.Compute(size, save == NoSave ? new int[0] : new[] { save }, new[] { from });
            scoped.Add(t);
            return t;
        }

        var normed = Next(width, input, input);
        var tokens = Next(width, normed, normed);
        foreach (var cross in new[] { false, true })
        {
            var layerNormed = Next(width, tokens, tokens);
            var q = Next(width, layerNormed, layerNormed);
            var attended = q;
            if (!cross)
            {
                var k = Next(width, layerNormed, layerNormed);
                var v = Next(width, layerNormed, layerNormed);
                var raw = Next(scores, q, q);
                _tape.SaveForLast(k);
                var scaled = Next(scores, raw, raw);
                var weights = Next(scores, scaled, -1);
                attended = Next(width, weights, weights);
                _tape.SaveForLast(v);
            }

            var merged = Next(width, attended, attended);
            var projected = Next(width, merged, merged);
            tokens = _tape.Compute(width, new int[0], new[] { tokens, projected }, shared: true);
            scoped.Add(tokens);
        }

        var ffNormed = Next(width, tokens, tokens);
        var ff1 = Next(wide, ffNormed, ffNormed);
        var gelu = Next(wide, ff1, ff1);
        var ff2 = Next(width, gelu, gelu);
        tokens = _tape.Compute(width, new int[0], new[] { tokens, ff2 }, shared: true);
        scoped.Add(tokens);
        var outTokens = Next(width, tokens, tokens);
        var map = Next(width, outTokens, NoSave);
        var output = _tape.Compute(width, new int[0], new[] { map, input }, shared: true);
        _tape.Drop(scoped.ToArray());
        return output;
    }
}
