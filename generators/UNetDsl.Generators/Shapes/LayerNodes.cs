using System.Globalization;
using System.Linq;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>Where a layer sits in the U: what the summary and the emitted forward group it by.</summary>
internal enum Stage { Embedding, Encoder, Bottleneck, Decoder, Head }

/// <summary>
/// One layer of the network graph: its name (the generated field and the summary row), its kind, the layers whose
/// outputs it reads (<see cref="Inputs"/>, indices into <see cref="LayerGraph.Nodes"/>; the network's input is
/// <see cref="LayerGraph.NetworkInput"/>) and its constructor arguments as typed members of the derived record.
/// </summary>
/// <remarks>
/// Immutable and value-equal: part of <see cref="NetworkReport"/>, which the pipeline caches on. Everything about a
/// layer that does not depend on the input size lives here (parameters, description, the pixels it loses, its window
/// on the input); what does (output shape, multiply-accumulates) is the trace's (<see cref="ShapeTrace"/>).
/// </remarks>
internal abstract record LayerNode(string Name, int Level, Stage Stage)
{
    /// <summary>The node's position in <see cref="LayerGraph.Nodes"/>: the order the forward pass runs them in.</summary>
    public int Index { get; init; }

    public EquatableArray<int> Inputs { get; init; }

    public abstract LayerKind Kind { get; }

    /// <summary>Trainable parameters, as TorchSharp counts them.</summary>
    public virtual long Parameters(ResolvedNetwork network) => 0;

    /// <summary>The summary's "Kind" column.</summary>
    public abstract string Describe(ResolvedNetwork network);

    /// <summary>True when the layer is a generated field of its own (a pooling module shared by every level is one field).</summary>
    public virtual bool HasModule => true;

    protected static string Text(EquatableArray<int> values) => string.Join("x", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));

    protected static string Pointwise(ResolvedNetwork network) => network.Dimensions == 3 ? "1x1x1" : "1x1";
}

/// <summary>A stack of convolutions along one path: a block of every level, the bottleneck.</summary>
/// <param name="Where">"encoder level 2", "the bottleneck": where a feature map that vanishes vanished.</param>
internal abstract record StackNode(string Name, int Level, Stage Stage, ConvStack Stack, string Where) : LayerNode(Name, Level, Stage)
{
    /// <summary>Pixels the stack loses along <paramref name="axis"/>: each 'Valid' convolution k - 1, 'Same' ones none.</summary>
    public long Loss(ResolvedNetwork network, int axis) =>
        network.Padding == PaddingKind.Valid ? checked(Stack.Channels.Count * ((long)Stack.Kernel[axis] - 1)) : 0;

    /// <summary>The input positions output position p reads, as offsets from p: each convolution widens the window by k - 1.</summary>
    public (long First, long Last) Window(ResolvedNetwork network, int axis)
    {
        // A residual path reads a subset of what the convolutions read: it adds nothing here.
        long first = 0;
        long last = 0;
        for (var j = 0; j < Stack.Channels.Count; j++)
        {
            var kernel = (long)Stack.Kernel[axis];
            var half = network.Padding == PaddingKind.Same ? (kernel - 1) / 2 : 0;
            first = checked(first - half);
            last = checked(last - half + kernel - 1);
        }

        return (first, last);
    }

    /// <summary>Multiply-accumulates for an input of <paramref name="inputVolume"/> pixels whose convolutions output <paramref name="outputVolumes"/> pixels each.</summary>
    public abstract long MultiplyAccumulates(long inputVolume, long[] outputVolumes);
}

/// <summary>Convolution, normalisation, activation per channel entry; residual or time-conditioned as the stack says.</summary>
internal sealed record ConvBlockNode(string Name, int Level, Stage Stage, ConvStack Stack, string Where) : StackNode(Name, Level, Stage, Stack, Where)
{
    public override LayerKind Kind => LayerKind.ConvBlock;

    public override long Parameters(ResolvedNetwork network) => ParameterCount.ConvBlock(network, Stack);

    public override string Describe(ResolvedNetwork network) =>
        Stack.Channels.Count + " x Conv " + Text(Stack.Kernel) + (Stack.TimeConditioned ? " + time" : Stack.Residual ? " residual" : string.Empty);

    public override long MultiplyAccumulates(long inputVolume, long[] outputVolumes)
    {
        checked
        {
            var kernel = ShapeEngine.Product(Stack.Kernel);
            long macs = 0;
            long inChannels = Stack.InChannels;
            for (var j = 0; j < Stack.Channels.Count; j++)
            {
                macs += outputVolumes[j] * inChannels * Stack.Channels[j] * kernel;
                inChannels = Stack.Channels[j];
            }

            // The projection runs on the block's input, before the centre crop that 'Valid' padding needs.
            return macs + (Stack.HasProjection ? inputVolume * Stack.InChannels * Stack.OutChannels : 0);
        }
    }
}

/// <summary>
/// ConvNeXt blocks (Liu et al. 2022), one per channel entry: a 1x1 projection where the channels change, a depthwise
/// convolution, a layer norm, a 1x1 expansion to 4x the channels, GELU, a 1x1 reduction, added to the block's input.
/// </summary>
internal sealed record ConvNeXtNode(string Name, int Level, Stage Stage, ConvStack Stack, string Where) : StackNode(Name, Level, Stage, Stack, Where)
{
    /// <summary>The inverted bottleneck's width, in multiples of the block's channels.</summary>
    public const int Expansion = 4;

    public override LayerKind Kind => LayerKind.ConvNeXtBlock;

    public override long Parameters(ResolvedNetwork network) => ParameterCount.ConvNeXt(Stack);

    public override string Describe(ResolvedNetwork network) => Stack.Channels.Count + " x ConvNeXt " + Text(Stack.Kernel) + " depthwise";

    public override long MultiplyAccumulates(long inputVolume, long[] outputVolumes)
    {
        checked
        {
            var kernel = ShapeEngine.Product(Stack.Kernel);
            long macs = 0;
            long inChannels = Stack.InChannels;
            var volume = inputVolume;
            for (var j = 0; j < Stack.Channels.Count; j++)
            {
                long c = Stack.Channels[j];
                macs += (inChannels != c ? volume * inChannels * c : 0) + (outputVolumes[j] * c * kernel) + (2 * outputVolumes[j] * c * c * Expansion);
                inChannels = c;
                volume = outputVolumes[j];
            }

            return macs;
        }
    }
}

/// <summary>The sinusoidal timestep embedding and its MLP: per sample, not per pixel.</summary>
internal sealed record TimeEmbeddingNode(ConditioningSpec Conditioning) : LayerNode("time_embed", 0, Stage.Embedding)
{
    public override LayerKind Kind => LayerKind.TimeEmbedding;

    public override long Parameters(ResolvedNetwork network) => ParameterCount.TimeEmbedding(Conditioning);

    public override string Describe(ResolvedNetwork network) => "Sinusoidal + MLP";
}

/// <summary>A transformer block (self- and cross-attention) on a level's map.</summary>
internal sealed record TransformerNode(string Name, int Level, Stage Stage, int Channels, ConditioningSpec Conditioning) : LayerNode(Name, Level, Stage)
{
    public override LayerKind Kind => LayerKind.Transformer;

    public override long Parameters(ResolvedNetwork network) => ParameterCount.Transformer(Channels, Conditioning);

    public override string Describe(ResolvedNetwork network) => "Transformer " + Conditioning.Heads + " heads";
}

/// <summary>Max-pooling after an encoder level, kernel = stride = the factors.</summary>
/// <param name="Shared">Every level pools by 2: one module, <c>pool</c>, serves them all.</param>
internal sealed record PoolNode(int Level, EquatableArray<int> Factors, bool Shared) : LayerNode("pool" + Level.ToString(CultureInfo.InvariantCulture), Level, Stage.Encoder)
{
    public override LayerKind Kind => LayerKind.MaxPool;

    /// <summary>The module that runs this pooling: the shared one, or the level's own.</summary>
    public string Module => Shared ? "pool" : Name;

    public override bool HasModule => !Shared || Level == 1;

    public override string Describe(ResolvedNetwork network) => "MaxPool " + Text(Factors);
}

internal sealed record DropoutNode(double Probability) : LayerNode("dropout", 0, Stage.Bottleneck)
{
    public override LayerKind Kind => LayerKind.Dropout;

    public override string Describe(ResolvedNetwork network) => "Dropout p=" + Probability.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>The up-sampling into a decoder level: a transposed convolution, or interpolation and a 1x1 convolution.</summary>
internal sealed record UpNode(ResolvedLevel Of, UpSamplingKind UpSampling) : LayerNode("up" + Of.Number.ToString(CultureInfo.InvariantCulture), Of.Number, Stage.Decoder)
{
    public override LayerKind Kind => UpSampling == UpSamplingKind.TransposedConv ? LayerKind.UpConv : LayerKind.UpSample;

    public override long Parameters(ResolvedNetwork network) => ParameterCount.Up(network, Of);

    public override string Describe(ResolvedNetwork network) =>
        UpSampling == UpSamplingKind.TransposedConv
            ? "ConvTranspose " + Text(Of.Pool) + " stride " + Text(Of.Pool)
            : "Upsample x" + Text(Of.Pool) + " + Conv " + Pointwise(network);
}

/// <summary>The centre crop of a skip to the up-sampled map's size (inputs: skip, up-sampled map); no module.</summary>
internal sealed record CropNode(int Level, int From) : LayerNode("crop" + Level.ToString(CultureInfo.InvariantCulture), Level, Stage.Decoder)
{
    public override LayerKind Kind => LayerKind.Crop;

    public override bool HasModule => false;

    public override string Describe(ResolvedNetwork network) => "Crop enc" + From;
}

/// <summary>The attention gate on a skip (inputs: the skip at the up-sampled size, the coarser decoder map).</summary>
internal sealed record GateNode(ResolvedLevel Of) : LayerNode("gate" + Of.Number.ToString(CultureInfo.InvariantCulture), Of.Number, Stage.Decoder)
{
    public override LayerKind Kind => LayerKind.Gate;

    public override long Parameters(ResolvedNetwork network) => ParameterCount.Gate(Of);

    public override string Describe(ResolvedNetwork network) => "AttentionGate " + Of.GateChannels + " ch [enc" + Of.SkipFrom + ", dec below]";
}

/// <summary>The join of a skip and the up-sampled map (inputs: the skip as cropped or gated, the up-sampled map); no module.</summary>
internal sealed record JoinNode(int Level, int From, SkipJoin Join) : LayerNode((Join == SkipJoin.Add ? "add" : "cat") + Level.ToString(CultureInfo.InvariantCulture), Level, Stage.Decoder)
{
    public override LayerKind Kind => Join == SkipJoin.Add ? LayerKind.Add : LayerKind.Concat;

    public override bool HasModule => false;

    public override string Describe(ResolvedNetwork network) => (Join == SkipJoin.Add ? "Add" : "Concat") + " [enc" + From + ", up" + Level + "]";
}

/// <summary>A 1x1 convolution to the class scores: the main head (level 0) or a deep-supervision head.</summary>
/// <param name="Supervised">The head's position among the deep-supervision outputs, finest first; -1 for the main head.</param>
internal sealed record HeadNode(int Level, int InChannels, int Classes, int Supervised)
    : LayerNode(Level == 0 ? "head" : "head" + Level.ToString(CultureInfo.InvariantCulture), Level, Level == 0 ? Stage.Head : Stage.Decoder)
{
    public override LayerKind Kind => LayerKind.Head;

    public override long Parameters(ResolvedNetwork network) => ParameterCount.Head(InChannels, Classes);

    public override string Describe(ResolvedNetwork network) => "Conv " + Pointwise(network) + (Level == 0 ? string.Empty : " (deep supervision)");
}
