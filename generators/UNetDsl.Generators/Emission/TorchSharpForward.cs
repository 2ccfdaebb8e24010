using System.Collections.Generic;
using System.Linq;
using UNetDsl.Generators.Model;
using UNetDsl.Generators.Shapes;
using static UNetDsl.Generators.Emission.TorchSharpLayers;

namespace UNetDsl.Generators.Emission;

/// <summary>
/// Writes the generated <c>forward</c>: a fold over the graph, one statement per layer, each tensor released after
/// the last layer that reads it (<see cref="LayerGraph.LastUse"/>). The running map is <c>x</c>, a skip kept across
/// the bottleneck <c>skipN</c>, the timestep embedding <c>t</c>. A decoder level's up-sampling, crop, gate and join
/// are one call of the runtime's <c>DecoderJoin</c>, which owns their temporaries. A level declared with
/// <c>Checkpoint</c> runs as one recomputed segment.
/// </summary>
internal sealed class TorchSharpForward(SourceWriter writer, NetworkReport report)
{
    private const string Join = "global::UNetDsl.Layers.DecoderJoin";
    private const string Checkpoint = "global::UNetDsl.Layers.ActivationCheckpoint.Run";

    private readonly SourceWriter _writer = writer;
    private readonly NetworkReport _report = report;
    private readonly LayerGraph _graph = report.Graph;
    private readonly ResolvedNetwork _net = report.Network;

    /// <summary>The statements of the forward pass, from the input guard's scope to the return.</summary>
    public void WriteBody()
    {
        _writer.Line("using global::TorchSharp.DisposeScope scope = global::TorchSharp.torch.NewDisposeScope();");
        _writer.Line("// input " + TextFormat.ShapeText(_report.InputSize, _net.InChannels));
        _writer.Line(Tensor + " x;");
        foreach (var node in _graph.Nodes)
        {
            var level = node.Level > 0 ? _net.Levels[node.Level - 1] : null;
            if (level?.Checkpoint == true && node.Stage == Stage.Encoder)
            {
                if (node is PoolNode)
                {
                    new CheckpointedEncoder(this, _graph.Level(node.Level)).Write();
                }
            }
            else if (level?.Checkpoint == true && node.Stage == Stage.Decoder && node is not HeadNode)
            {
                if (node.Index == _graph.Level(node.Level).Output)
                {
                    WriteCheckpointedDecoder(_graph.Level(node.Level));
                }
            }
            else
            {
                Statement(node, inSegment: false);
            }
        }

        if (_net.SupervisedLevels.Length > 0)
        {
            _writer.Open("if (heads is not null)");
            _writer.Line("scope.MoveToOuter(heads);");
            _writer.Close();
            _writer.Line();
        }

        _writer.Line("return scope.MoveToOuter(x);");
    }

    /// <summary>The variable that holds <paramref name="index"/>'s output.</summary>
    private string Variable(int index) =>
        index == LayerGraph.NetworkInput ? "input"
        : _graph[index] is TimeEmbeddingNode ? "t"
        : _graph.IsSkip(index) ? "skip" + _graph[index].Level
        : "x";

    private string Shape(LayerNode node) => " // " + TextFormat.ShapeText(_report.Shape(node).Size, _report.Shape(node).Channels);

    private string Time(ConvStack stack) => stack.TimeConditioned ? ", t" : string.Empty;

    /// <summary>What runs the layer, reading its input variable; null for layers a decoder join runs.</summary>
    private string? Call(LayerNode node, string input) => node switch
    {
        TimeEmbeddingNode => "time_embed.call(timestep)",
        StackNode stack => Field(node) + ".call(" + input + Time(stack.Stack) + ")",
        TransformerNode => Field(node) + ".call(" + input + ", context)",
        UpNode up when up.Of.Skip != SkipJoin.None => null,
        CropNode or GateNode => null,
        JoinNode join => JoinCall(join),
        _ => Field(node) + ".call(" + input + ")",
    };

    private string JoinCall(JoinNode join)
    {
        var level = _graph.Level(join.Level);
        var up = _graph[level.Up];
        var coarse = Variable(up.Inputs[0]);
        var skip = Variable(_graph.Level(join.From).Skip);
        return join.Join switch
        {
            SkipJoin.Add => Join + ".Add(" + Field(up) + ", " + coarse + ", " + skip + ")",
            SkipJoin.AttentionGate => Join + ".Gated(" + Field(up) + ", " + Field(_graph[level.Gate]) + ", " + coarse + ", " + skip + ")",
            _ => Join + ".Concat(" + Field(up) + ", " + coarse + ", " + skip + ")",
        };
    }

    private void Statement(LayerNode node, bool inSegment)
    {
        if (node is HeadNode { Level: > 0 } head)
        {
            _writer.Open("if (heads is not null)");
            _writer.Line("heads[" + head.Supervised + "] = " + Field(node) + ".call(" + Variable(node.Inputs[0]) + ");" + Shape(node));
            _writer.Close();
            _writer.Line();
            return;
        }

        // A join reads the coarser map through its up-sampling: that is the variable it replaces.
        var input = node switch
        {
            TimeEmbeddingNode => "timestep",
            JoinNode join => Variable(_graph[_graph.Level(join.Level).Up].Inputs[0]),
            _ => Variable(node.Inputs[0]),
        };
        var output = Variable(node.Index);
        if (Call(node, input) is not { } call)
        {
            return;
        }

        if (output == input)
        {
            _writer.Line(output + " = Consume(" + output + ", " + call + ");" + Shape(node));
        }
        else
        {
            _writer.Line((output == "x" ? string.Empty : Tensor + " ") + output + " = " + call + ";" + Shape(node));
            if (input == "x" && !inSegment)
            {
                _writer.Line("x.Dispose();");
            }
        }

        if (node is JoinNode joined && !inSegment)
        {
            ReleaseSkip(joined);
        }
    }

    /// <summary>A skip is released right after the last decoder level that joins it.</summary>
    private void ReleaseSkip(JoinNode join)
    {
        var skip = _graph.Level(join.From).Skip;
        if (_graph.LastUse(skip) == _graph.Level(join.Level).Crop)
        {
            _writer.Line(Variable(skip) + ".Dispose();");
        }
    }

    /// <summary>
    /// A decoder level recomputed in backward from what enters it: the coarser map, the skip it joins and, in a
    /// conditional network, the timestep embedding and the context.
    /// </summary>
    private void WriteCheckpointedDecoder(LevelNodes level)
    {
        var inputs = new List<string> { "x" };
        var join = level.Join >= 0 ? (JoinNode)_graph[level.Join] : null;
        if (join is not null)
        {
            inputs.Add(Variable(_graph.Level(join.From).Skip));
        }

        if (_net.Conditioning is { } conditioning)
        {
            inputs.Add("t");
            if (conditioning.AttentionAt(level.Number))
            {
                inputs.Add("context");
            }
        }

        _writer.Line("x = Consume(x, " + Checkpoint + "(new " + Tensor + "[] { " + string.Join(", ", inputs) + " }, d =>");
        _writer.Line("{");
        _writer.Indent();
        for (var i = 0; i < inputs.Count; i++)
        {
            _writer.Line(Tensor + " " + inputs[i] + " = d[" + i + "];");
        }

        // The block convolves skip and up-sampled map without concatenating them where it can: the copy would be the
        // largest tensor the segment holds for backward (ConvBlock.ForwardConcatenated).
        var joinInBlock = join is { Join: SkipJoin.Concat } && _net.Conditioning is null && _graph[level.Decoder] is ConvBlockNode;
        for (var index = level.Up; index <= level.Output; index++)
        {
            if (joinInBlock && index == level.Join)
            {
                var skip = Variable(_graph.Level(join!.From).Skip);
                _writer.Line("x = Consume(x, " + Join + ".ConcatInto(" + Field(_graph[level.Decoder]) + ", " + Field(_graph[level.Up]) + ", x, " + skip + "));" + Shape(_graph[level.Decoder]));
            }
            else if (!(joinInBlock && index == level.Decoder))
            {
                Statement(_graph[index], inSegment: true);
            }
        }

        _writer.Line("return new[] { x };");
        _writer.Close(")[0]);");
        if (join is not null)
        {
            ReleaseSkip(join);
        }
    }

    /// <summary>
    /// One encoder level as a recomputed segment: its block, attention and pooling run inside, and only their input
    /// stays for backward. A skip joined only by this level's decoder leaves the segment already cut to what is joined
    /// (a copy), so the full-size map need not outlive the forward pass.
    /// </summary>
    private sealed class CheckpointedEncoder(TorchSharpForward forward, LevelNodes level)
    {
        private readonly SourceWriter _w = forward._writer;
        private readonly LayerGraph _graph = forward._graph;

        public void Write()
        {
            var n = level.Number;
            var conditioning = forward._net.Conditioning;
            var levelInput = forward.Variable(_graph[level.Encoder].Inputs[0]);
            var inputs = new List<string> { levelInput };
            var time = string.Empty;
            var context = string.Empty;
            if (conditioning is not null)
            {
                time = ", e[" + inputs.Count + "]";
                inputs.Add("t");
                if (conditioning.AttentionAt(n))
                {
                    context = "e[" + inputs.Count + "]";
                    inputs.Add("context");
                }
            }

            var joined = _graph.IsSkip(level.Skip);
            _w.Line(Tensor + "[] level" + n + " = " + Checkpoint + "(new " + Tensor + "[] { " + string.Join(", ", inputs) + " }, e =>");
            _w.Line("{");
            _w.Indent();
            _w.Line(Tensor + " skip = " + _graph[level.Encoder].Name + ".call(e[0]" + time + ");" + forward.Shape(_graph[level.Encoder]));
            if (context.Length > 0)
            {
                _w.Line("skip = Consume(skip, " + _graph[level.Skip].Name + ".call(skip, " + context + "));" + forward.Shape(_graph[level.Skip]));
            }

            WriteReturn(joined);
            _w.Close(");");
            if (joined)
            {
                _w.Line(Tensor + " skip" + n + " = level" + n + "[0];");
            }

            if (levelInput == "x")
            {
                _w.Line("x.Dispose();");
            }

            _w.Line("x = level" + n + "[" + (joined ? 1 : 0) + "];");
        }

        private void WriteReturn(bool joined)
        {
            var pool = (PoolNode)_graph[level.Pool];
            if (!joined)
            {
                _w.Line("return new[] { Consume(skip, " + pool.Module + ".call(skip)) };" + forward.Shape(pool));
                return;
            }

            _w.Line(Tensor + " pooled = " + pool.Module + ".call(skip);" + forward.Shape(pool));

            // A skip joined only by this level's own decoder can be cropped here, by the amount the shape engine
            // derived: skip and up-sampled map then shrink and grow alike with the input, so the amount is the same
            // for every valid size. A deeper level joining it scales differently, and gets the whole skip to crop itself.
            var joiners = _graph.Nodes.OfType<JoinNode>().Where(j => j.From == level.Number).ToList();
            var crop = joiners.Count == 1 && joiners[0].Level == level.Number ? forward._report.Shape(_graph[level.Crop]) : null;
            if (crop is { Cuts: true })
            {
                _w.Line(Tensor + " kept = Consume(skip, " + Layer + ".CenterCropCopy(skip, " + string.Join(", ", crop.Crop) + ")); // what decoder level " + level.Number + " joins");
                _w.Line("return new[] { kept, pooled };");
            }
            else
            {
                _w.Line("return new[] { skip, pooled };");
            }
        }
    }
}
