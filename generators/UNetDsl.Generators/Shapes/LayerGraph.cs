using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>The layers of one level, by role: what the emitters and the level table read instead of looking layers up by name.</summary>
/// <remarks>Indices into <see cref="LayerGraph.Nodes"/>; -1 where the level has no such layer.</remarks>
internal sealed record LevelNodes(int Number, int Encoder, int Skip, int Pool, int Up, int Crop, int Gate, int Join, int Decoder, int Output, int Head);

/// <summary>
/// The network as one typed graph of layers in the order the forward pass runs them, built once from the resolved
/// declaration. The shape trace, the parameter and multiply-accumulate counts, the valid-size rule, the receptive
/// field, the summary, the TorchSharp module, its ONNX export and its PyTorch twin are all folds over it.
/// </summary>
/// <remarks>Immutable and value-equal: part of <see cref="NetworkReport"/>.</remarks>
/// <param name="LastUses">Per node, the last node that reads its output (-1 for none): after it runs, the output is no longer needed.</param>
/// <param name="Skips">Per node, true when a decoder layer reads its output: a skip, kept across the bottleneck.</param>
internal sealed record LayerGraph(
    ResolvedNetwork Network,
    EquatableArray<LayerNode> Nodes,
    EquatableArray<LevelNodes> Levels,
    int Bottleneck,
    int Output,
    EquatableArray<int> LastUses,
    EquatableArray<bool> Skips)
{
    /// <summary>The index that stands for the network's input among a node's <see cref="LayerNode.Inputs"/>.</summary>
    public const int NetworkInput = -1;

    public LayerNode this[int index] => Nodes[index];

    /// <summary>The level's layers, level 1 first.</summary>
    public LevelNodes Level(int number) => Levels[number - 1];

    /// <summary>The last node that reads <paramref name="index"/>'s output: after it runs, the output is no longer needed.</summary>
    public int LastUse(int index) => LastUses[index];

    /// <summary>True when a decoder layer reads <paramref name="index"/>'s output: it is a skip, kept across the bottleneck.</summary>
    public bool IsSkip(int index) => index >= 0 && Skips[index];

    public static LayerGraph Build(ResolvedNetwork network) => new Builder(network).Build();

    private sealed class Builder(ResolvedNetwork network)
    {
        private readonly List<LayerNode> _nodes = new();
        private int _current = NetworkInput;

        public LayerGraph Build()
        {
            var conditioning = network.Conditioning;
            if (conditioning is not null)
            {
                Add(new TimeEmbeddingNode(conditioning), chain: false);
            }

            var levels = network.Levels;
            var encoders = new int[levels.Count];
            var levelSkips = new int[levels.Count];
            var pools = new int[levels.Count];
            foreach (var level in levels)
            {
                var n = level.Number;
                encoders[n - 1] = Add(Stack("enc" + Number(n), n, Stage.Encoder, level.Encoder, "encoder level " + Number(n)));
                levelSkips[n - 1] = Attention(conditioning?.AttentionAt(n) == true, "attn_enc" + Number(n), n, Stage.Encoder, level.Encoder.OutChannels) ?? encoders[n - 1];
                pools[n - 1] = Add(new PoolNode(n, level.Pool, network.UniformPooling));
            }

            var bottleneck = Add(Stack("bottleneck", 0, Stage.Bottleneck, network.Bottleneck, "the bottleneck"));
            Attention(conditioning?.BottleneckAttention == true, "attn_bottleneck", 0, Stage.Bottleneck, network.Bottleneck.OutChannels);
            if (network.Dropout > 0)
            {
                Add(new DropoutNode(network.Dropout));
            }

            var rows = new LevelNodes[levels.Count];
            var supervised = network.SupervisedLevels.Select(l => l.Number).ToList();
            foreach (var level in levels.Reverse())
            {
                rows[level.Number - 1] = Decoder(level, encoders[level.Number - 1], levelSkips, pools[level.Number - 1], supervised);
            }

            var output = Add(new HeadNode(0, network.HeadInChannels, network.Classes, -1));
            var lastUses = Enumerable.Repeat(-1, _nodes.Count).ToArray();
            var skips = new bool[_nodes.Count];
            foreach (var node in _nodes)
            {
                foreach (var input in node.Inputs.Where(i => i >= 0))
                {
                    lastUses[input] = node.Index;
                    skips[input] |= node.Stage == Stage.Decoder && _nodes[input].Stage == Stage.Encoder;
                }
            }

            return new LayerGraph(network, _nodes.ToEquatableArray(), rows.ToEquatableArray(), bottleneck, output, lastUses.ToEquatableArray(), skips.ToEquatableArray());
        }

        private LevelNodes Decoder(ResolvedLevel level, int encoder, int[] skips, int pool, List<int> supervised)
        {
            var n = level.Number;
            var coarse = _current;
            var up = Add(new UpNode(level, network.UpSampling));
            int crop = -1, gate = -1, join = -1;
            if (level.Skip != SkipJoin.None)
            {
                var skip = skips[level.SkipFrom - 1];
                crop = Add(new CropNode(n, level.SkipFrom), chain: false, skip, up);
                var joined = crop;
                if (level.Skip == SkipJoin.AttentionGate)
                {
                    gate = joined = Add(new GateNode(level), chain: false, crop, coarse);
                }

                join = Add(new JoinNode(n, level.SkipFrom, level.Skip), chain: true, joined, up);
            }

            var decoder = Add(Stack("dec" + Number(n), n, Stage.Decoder, level.Decoder, "decoder level " + Number(n)));
            var output = Attention(network.Conditioning?.AttentionAt(n) == true, "attn_dec" + Number(n), n, Stage.Decoder, level.Decoder.OutChannels) ?? decoder;
            var head = level.DeepSupervision
                ? Add(new HeadNode(n, level.Decoder.OutChannels, network.Classes, supervised.IndexOf(n)), chain: false, output)
                : -1;
            return new LevelNodes(n, encoder, skips[n - 1], pool, up, crop, gate, join, decoder, output, head);
        }

        private StackNode Stack(string name, int level, Stage stage, ConvStack stack, string where) =>
            network.Block == BlockKind.ConvNeXt && network.Conditioning is null
                ? new ConvNeXtNode(name, level, stage, stack, where)
                : new ConvBlockNode(name, level, stage, stack, where);

        private int? Attention(bool present, string name, int level, Stage stage, int channels) =>
            present && network.Conditioning is { } conditioning ? Add(new TransformerNode(name, level, stage, channels, conditioning)) : null;

        /// <summary>Appends a node reading <paramref name="inputs"/> (by default the running map) and, when it <paramref name="chain"/>s, makes it the running map.</summary>
        private int Add(LayerNode node, bool chain = true, params int[] inputs)
        {
            var index = _nodes.Count;
            var reads = inputs.Length > 0 ? inputs : node is TimeEmbeddingNode ? System.Array.Empty<int>() : new[] { _current };
            _nodes.Add(node with { Index = index, Inputs = reads.ToEquatableArray() });
            if (chain)
            {
                _current = index;
            }

            return index;
        }

        private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);
    }
}
