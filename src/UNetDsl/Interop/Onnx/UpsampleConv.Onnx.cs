using UNetDsl.Interop.Onnx;

namespace UNetDsl.Layers;

// The ONNX form of UpsampleConv, kept with the rest of the ONNX export so that the layer's own file is about TorchSharp only.
public sealed partial class UpsampleConv
{
    /// <summary>Adds the block's ONNX nodes (Resize, then the 1x1 Conv) to <paramref name="graph"/>.</summary>
    /// <param name="graph">The graph to add to.</param>
    /// <param name="input">The name of the block's input value.</param>
    /// <returns>The name of the block's output value.</returns>
    public string AppendTo(OnnxGraphBuilder graph, string input)
    {
        var prefix = GetName();
        var upsampled = OnnxModules.Append(graph, upsample, input, prefix + ".upsample");
        return OnnxModules.Append(graph, conv, upsampled, prefix + ".conv");
    }
}
