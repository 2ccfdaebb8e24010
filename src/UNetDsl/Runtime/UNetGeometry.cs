using System.Collections.Generic;

namespace UNetDsl;

/// <summary>
/// What the compiler knows about a generated U-Net's input and output, at run time: enough for code that works with
/// any generated network (overlap-tile prediction, training loops) to size its tiles and check its data.
/// </summary>
/// <param name="Name">The class name.</param>
/// <param name="Dimensions">Spatial dimensions: 2 or 3.</param>
/// <param name="InputChannels">Channels the input must have.</param>
/// <param name="OutputChannels">Channels of the output (classes).</param>
/// <param name="SizeRules">The valid input sizes of each spatial axis.</param>
/// <param name="InputSize">The declared input size per axis, or the smallest valid one.</param>
/// <param name="OutputSize">The output size per axis for <paramref name="InputSize"/>.</param>
/// <param name="ParameterCount">Trainable parameters.</param>
public sealed record UNetGeometry(
    string Name,
    int Dimensions,
    int InputChannels,
    int OutputChannels,
    IReadOnlyList<ValidSizeRule> SizeRules,
    IReadOnlyList<int> InputSize,
    IReadOnlyList<int> OutputSize,
    long ParameterCount)
{
    /// <summary>
    /// How far the output's border lies inside the input's on each axis: (input - output) / 2, the margin that
    /// overlap-tile prediction mirrors around an image ('Valid' padding); 0 for 'Same'.
    /// </summary>
    public int Margin(int axis) => SizeRules[axis].Shrink / 2;
}

/// <summary>Implemented by every generated U-Net.</summary>
public interface IUNetModule
{
    /// <summary>The network's input and output geometry, as the compiler derived it.</summary>
    UNetGeometry Geometry { get; }

    /// <summary>
    /// The Python source of the network's PyTorch twin: a <c>torch.nn.Module</c> with the same <c>state_dict</c> keys
    /// and the same forward computation (see <see cref="Interop.PyTorchTwin"/>, which writes it to a folder).
    /// </summary>
    string PyTorchTwinSource { get; }

    /// <summary>
    /// Training mode, with the parameters laid out for the fastest training step this network was measured with
    /// (<see cref="Layers.Layer.UseChannelsLastForTraining"/>): call it once before the training loop, after building or
    /// loading the optimiser. Parameters, outputs and gradients stay the same.
    /// </summary>
    /// <param name="optimizer">The optimiser, when it exists already, so that its state is laid out too; or null.</param>
    /// <returns>True when the convolutions now train channels-last.</returns>
    bool PrepareForTraining(TorchSharp.torch.optim.Optimizer? optimizer = null);
}
