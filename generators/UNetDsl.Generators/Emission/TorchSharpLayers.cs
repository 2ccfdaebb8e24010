using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using UNetDsl.Generators.Model;
using UNetDsl.Generators.Shapes;

namespace UNetDsl.Generators.Emission;

/// <summary>
/// The TorchSharp mapping of each kind of layer: the field's type and the expression that builds it. The module's
/// fields, constructor and dispose are folds over the graph through this one table.
/// </summary>
internal static class TorchSharpLayers
{
    public const string Tensor = "global::TorchSharp.torch.Tensor";
    public const string Layer = "global::UNetDsl.Layers.Layer";
    private const string Module = "global::TorchSharp.torch.nn.Module<" + Tensor + ", " + Tensor + ">";
    private const string ConvBlockType = "global::UNetDsl.Layers.ConvBlock";

    /// <summary>The layers that are fields, in the order forward calls them.</summary>
    /// <remarks>Declared in call order: RegisterComponents names submodules after these fields, and named_children and state_dict follow declaration order.</remarks>
    public static IEnumerable<LayerNode> Modules(LayerGraph graph) => graph.Nodes.Where(n => n.HasModule);

    /// <summary>The field that runs <paramref name="node"/>: a shared pooling's, or the node's own.</summary>
    public static string Field(LayerNode node) => node is PoolNode pool ? pool.Module : node.Name;

    /// <summary>True for a plain convolution block, whose batch norms <c>PrepareForInference</c> folds.</summary>
    public static bool FoldsBatchNorm(LayerNode node) => node is ConvBlockNode { Stack.TimeConditioned: false };

    public static string FieldType(LayerNode node, ResolvedNetwork net) => node switch
    {
        TimeEmbeddingNode => "global::UNetDsl.Layers.Conditioning.TimestepEmbedding",
        ConvBlockNode block => block.Stack.TimeConditioned ? "global::UNetDsl.Layers.Conditioning.TimeConditionedBlock" : ConvBlockType,
        ConvNeXtNode => "global::UNetDsl.Layers.ConvNeXtBlock",
        TransformerNode => "global::UNetDsl.Layers.Conditioning.SpatialTransformer",
        DropoutNode => "global::TorchSharp.Modules.Dropout",
        UpNode up => up.UpSampling == UpSamplingKind.TransposedConv ? Module : "global::UNetDsl.Layers.UpsampleConv",
        GateNode => "global::UNetDsl.Layers.AttentionGate",
        HeadNode { Level: 0 } => "global::TorchSharp.Modules.Conv" + Int(net.Dimensions) + "d",
        _ => Module,
    };

    /// <summary>The expression the constructor assigns to the field (with <c>device</c> and <c>dtype</c> in scope).</summary>
    public static string Constructor(LayerNode node, ResolvedNetwork net)
    {
        var d = Int(net.Dimensions);
        var name = "\"" + node.Name + "\"";
        return node switch
        {
            TimeEmbeddingNode time => "new " + FieldType(node, net) + "(" + name + ", " + Int(time.Conditioning.TimeChannels) + ", device, dtype)",
            ConvBlockNode { Stack: var stack } when stack.TimeConditioned =>
                "new " + FieldType(node, net) + "(" + name + ", " + d + ", " + Int(stack.InChannels) + ", " + IntArray(stack.Channels) + ", " + IntArray(stack.Kernel) + ", "
                + Int(net.NormGroups) + ", global::UNetDsl.Activation." + net.Activation + ", " + Int(stack.TimeChannels) + ", device, dtype)",
            ConvBlockNode { Stack: var stack } =>
                "new " + ConvBlockType + "(" + name + ", " + d + ", " + Int(stack.InChannels) + ", " + IntArray(stack.Channels) + ", " + IntArray(stack.Kernel)
                + ", global::UNetDsl.ConvPadding." + net.Padding + ", global::UNetDsl.Normalization." + net.Normalization + ", " + Int(net.NormGroups)
                + ", global::UNetDsl.Activation." + net.Activation + ", " + (stack.Residual ? "true" : "false") + ", device, dtype)",
            ConvNeXtNode { Stack: var stack } =>
                "new " + FieldType(node, net) + "(" + name + ", " + d + ", " + Int(stack.InChannels) + ", " + IntArray(stack.Channels) + ", " + IntArray(stack.Kernel)
                + ", global::UNetDsl.ConvPadding." + net.Padding + ", device, dtype)",
            TransformerNode transformer =>
                "new " + FieldType(node, net) + "(" + name + ", " + Int(transformer.Channels) + ", " + Int(transformer.Conditioning.ContextChannels) + ", "
                + Int(transformer.Conditioning.Heads) + ", " + Int(net.NormGroups) + ", device, dtype)",
            PoolNode { Shared: true } => Layer + ".MaxPool(" + d + ")",
            PoolNode pool => Layer + ".MaxPool(" + d + ", " + IntArray(pool.Factors) + ")",
            DropoutNode dropout => "global::TorchSharp.torch.nn.Dropout(" + dropout.Probability.ToString("R", CultureInfo.InvariantCulture) + ")",
            UpNode { UpSampling: UpSamplingKind.TransposedConv, Of: var of } =>
                Layer + ".UpConv(" + d + ", " + Int(of.UpInChannels) + ", " + Int(of.UpChannels) + ", " + IntArray(of.Pool) + ", device, dtype)",
            UpNode { Of: var of } =>
                "new " + FieldType(node, net) + "(" + name + ", " + d + ", " + Int(of.UpInChannels) + ", " + Int(of.UpChannels) + ", " + IntArray(of.Pool) + ", device, dtype)",
            GateNode { Of: var of } =>
                "new " + FieldType(node, net) + "(" + name + ", " + d + ", " + Int(of.SkipChannels) + ", " + Int(of.UpInChannels) + ", " + Int(of.GateChannels) + ", "
                + IntArray(of.Pool) + ", device, dtype)",
            HeadNode { Level: 0 } head => "global::TorchSharp.torch.nn.Conv" + d + "d(" + Int(head.InChannels) + ", " + Int(head.Classes) + ", 1, device: device, dtype: dtype)",
            HeadNode head => Layer + ".Pointwise(" + d + ", " + Int(head.InChannels) + ", " + Int(head.Classes) + ", device, dtype)",
            _ => throw new System.InvalidOperationException("The layer " + node.Name + " has no module."),
        };
    }

    public static void WriteFields(SourceWriter w, LayerGraph graph)
    {
        foreach (var node in Modules(graph))
        {
            w.Line("private readonly " + FieldType(node, graph.Network) + " " + Field(node) + ";");
        }

        w.Line();
    }

    public static void WriteConstructor(SourceWriter w, UNetSpec spec, LayerGraph graph)
    {
        w.Line("/// <summary>Builds the network with freshly initialised parameters.</summary>");
        w.Line("/// <param name=\"device\">Where the parameters live; null for the default device (the CPU).</param>");
        w.Line("/// <param name=\"dtype\">The parameters' type; null for the default type (float32).</param>");
        w.Line("public " + Identifiers.TypeName(spec) + "(global::TorchSharp.torch.Device? device = null, global::TorchSharp.torch.ScalarType? dtype = null)");
        w.Open("    : base(" + Identifiers.StringLiteral(spec.TypeName) + ")");
        foreach (var node in Modules(graph))
        {
            w.Line(Field(node) + " = " + Constructor(node, graph.Network) + ";");
        }

        w.Line("RegisterComponents();");
        w.Close();
        w.Line();
    }

    public static void WriteDispose(SourceWriter w, LayerGraph graph)
    {
        w.Line("/// <inheritdoc />");
        w.Open("protected override void Dispose(bool disposing)");
        w.Open("if (disposing)");
        w.Line(InferenceEmitter.CopyField + "?.Dispose();");
        foreach (var node in Modules(graph))
        {
            w.Line(Field(node) + ".Dispose();");
        }

        w.Close();
        w.Line();
        w.Line("base.Dispose(disposing);");
        w.Close();
    }

    public static string IntArray(IReadOnlyList<int> values) => "new int[] { " + string.Join(", ", values.Select(Int)) + " }";

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
