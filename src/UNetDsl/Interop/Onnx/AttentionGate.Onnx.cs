using UNetDsl.Interop.Onnx;

namespace UNetDsl.Layers;

// The ONNX form of AttentionGate, kept with the rest of the ONNX export so that the layer's own file is about TorchSharp only.
public sealed partial class AttentionGate
{
    /// <summary>
    /// Adds the gate's ONNX nodes to <paramref name="graph"/>: alpha = Sigmoid(psi(Relu(W_x x + W_g g))), resized
    /// (linear, half-pixel) to x's spatial size taken from x's shape at run time, then x * alpha.
    /// </summary>
    /// <param name="graph">The graph to add to.</param>
    /// <param name="x">The name of the encoder map (the skip, cropped to the decoder's size).</param>
    /// <param name="g">The name of the coarser decoder map.</param>
    /// <returns>The name of the gated skip.</returns>
    public string AppendTo(OnnxGraphBuilder graph, string x, string g)
    {
        var prefix = GetName();
        var sum = graph.Add(OnnxModules.Append(graph, w_x, x, prefix + ".w_x"), OnnxModules.Append(graph, w_g, g, prefix + ".w_g"), prefix + "/sum");
        var relu = graph.AddNode("Relu", prefix + "/relu", new[] { sum });
        var coarse = graph.AddNode("Sigmoid", prefix + "/alpha_coarse", new[] { OnnxModules.Append(graph, psi, relu, prefix + ".psi") });
        var alpha = graph.ResizeLinearLike(coarse, x, _dimensions, prefix + "/alpha");
        return graph.Mul(x, alpha, prefix + "/gated");
    }
}
