using UNetDsl.Interop.Onnx;

namespace UNetDsl.Layers;

// The ONNX form of ConvBlock, kept with the rest of the ONNX export so that the layer's own file is about TorchSharp only.
public sealed partial class ConvBlock
{
    /// <summary>
    /// Adds this block's ONNX nodes to <paramref name="graph"/> with evaluation-mode semantics: batch norm with its
    /// running statistics, or folded into the convolution when <see cref="FoldBatchNorm"/> has run (as the
    /// evaluation-mode forward does). Weights are copied from the live parameters; initializers take the block's
    /// state_dict names (<c>enc1.conv1.weight</c>).
    /// </summary>
    /// <param name="graph">The graph to add to.</param>
    /// <param name="input">The name of the block's input value.</param>
    /// <returns>The name of the block's output value.</returns>
    public string AppendTo(OnnxGraphBuilder graph, string input)
    {
        var prefix = GetName();
        var current = input;
        var index = 0;
        foreach (var step in _folded ?? _steps)
        {
            string name;
            if (step is TorchSharp.Modules.Convolution)
            {
                index++;
                name = "conv" + index;
            }
            else
            {
                name = (step is TorchSharp.Modules.BatchNorm or TorchSharp.Modules.InstanceNorm or TorchSharp.Modules.GroupNorm ? "norm" : "act") + index;
            }

            current = OnnxModules.Append(graph, step, current, prefix + "." + name);
        }

        if (_finalActivation is null)
        {
            return current;
        }

        var identity = input;
        if (proj is not null)
        {
            identity = OnnxModules.Append(graph, proj, identity, prefix + ".proj");
        }

        if (proj_norm is not null)
        {
            identity = OnnxModules.Append(graph, proj_norm, identity, prefix + ".proj_norm");
        }

        // Unpadded convolutions shrink the map: crop the identity to the output's centre, as forward does.
        var shrinks = false;
        for (var axis = 0; axis < _kernel.Length; axis++)
        {
            shrinks |= _kernel[axis] - 1 - (2 * _padding[axis]) != 0;
        }

        if (shrinks)
        {
            identity = graph.CenterCrop(identity, current, _dimensions, prefix + "/identity_crop");
        }

        var sum = graph.Add(current, identity, prefix + "/residual");
        return OnnxModules.Append(graph, _finalActivation, sum, prefix + ".act" + index);
    }
}
