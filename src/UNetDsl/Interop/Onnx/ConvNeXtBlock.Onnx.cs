using UNetDsl.Interop.Onnx;

namespace UNetDsl.Layers;

// The ONNX form of ConvNeXtBlock, kept with the rest of the ONNX export so that the layer's own file is about
// TorchSharp only.
public sealed partial class ConvNeXtBlock
{
    /// <summary>
    /// Adds the block's ONNX nodes to <paramref name="graph"/>: per step the projection (where channels change), the
    /// depthwise Conv, LayerNormalization over the channels (between two Transposes that move them last and back),
    /// the expanding Conv, exact GELU, the reducing Conv, and the sum with the residual, centre-cropped from the
    /// shapes at run time where unpadded convolutions shrink the map. Weights are copied from the live parameters;
    /// initializers take the block's state_dict names (<c>enc1.depthwise0.weight</c>).
    /// </summary>
    /// <param name="graph">The graph to add to.</param>
    /// <param name="input">The name of the block's input value.</param>
    /// <returns>The name of the block's output value.</returns>
    public string AppendTo(OnnxGraphBuilder graph, string input)
    {
        var prefix = GetName();
        var current = input;
        for (var j = 0; j < _steps.Length; j++)
        {
            var step = _steps[j];
            string Key(string submodule) => prefix + "." + submodule + j;
            if (step.Proj is not null)
            {
                current = OnnxModules.Append(graph, step.Proj, current, Key("proj"));
            }

            var branch = OnnxModules.Append(graph, step.Depthwise, current, Key("depthwise"));
            branch = ChannelLayerNorm(graph, step.Norm, branch, Key("norm"));
            branch = OnnxModules.Append(graph, step.Expand, branch, Key("expand"));
            branch = OnnxModules.Append(graph, _gelu, branch, Key("act"));
            branch = OnnxModules.Append(graph, step.Reduce, branch, Key("reduce"));
            var residual = _shrinks ? graph.CenterCrop(current, branch, _dimensions, prefix + "/residual_crop" + j) : current;
            current = graph.Add(branch, residual, prefix + "/residual" + j);
        }

        return current;
    }

    /// <summary>
    /// Layer norm over the channel axis: Transpose (channels last), LayerNormalization on the last axis (opset 17) with
    /// the norm's weight and bias, Transpose back.
    /// </summary>
    private string ChannelLayerNorm(OnnxGraphBuilder graph, TorchSharp.Modules.LayerNorm norm, string input, string name)
    {
        var channelsLast = graph.AddNode("Transpose", name + "/channels_last", new[] { input }, OnnxAttribute.Ints("perm", _channelsLast));
        var normalized = graph.AddNode(
            "LayerNormalization",
            name,
            new[] { channelsLast, graph.AddInitializer(name + ".weight", norm.weight!), graph.AddInitializer(name + ".bias", norm.bias!) },
            OnnxAttribute.Int("axis", -1),
            OnnxAttribute.Float("epsilon", (float)norm.eps));
        return graph.AddNode("Transpose", name + "/channels_first", new[] { normalized }, OnnxAttribute.Ints("perm", _channelsFirst));
    }
}
