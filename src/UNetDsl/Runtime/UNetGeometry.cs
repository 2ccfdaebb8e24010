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
/// <param name="ActivationMemory">
/// The activation memory per sample at any valid input size, for inference and for a training step: what tiles and
/// batches are sized from under a memory budget. Null for a geometry not written by the generator.
/// </param>
public sealed record UNetGeometry(
    string Name,
    int Dimensions,
    int InputChannels,
    int OutputChannels,
    IReadOnlyList<ValidSizeRule> SizeRules,
    IReadOnlyList<int> InputSize,
    IReadOnlyList<int> OutputSize,
    long ParameterCount,
    ActivationMemory? ActivationMemory = null)
{
    /// <summary>
    /// How far the output's border lies inside the input's on each axis: (input - output) / 2, the margin that
    /// overlap-tile prediction mirrors around an image ('Valid' padding); 0 for 'Same'.
    /// </summary>
    public int Margin(int axis) => SizeRules[axis].Shrink / 2;
}
