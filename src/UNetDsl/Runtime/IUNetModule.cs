namespace UNetDsl;

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

    /// <summary>
    /// Evaluation mode with batch norms folded, computing in <paramref name="precision"/>: a bfloat16 copy of the
    /// network where that is the precision, float32 scores either way. Parameters and state_dict do not change.
    /// Generated networks implement it; a network written by hand gets evaluation mode, as it is.
    /// </summary>
    /// <param name="precision">Auto: bfloat16 where the CPU has it natively, else float32 (see <see cref="PrecisionChoice"/>).</param>
    /// <returns>The number of batch norms folded.</returns>
    int PrepareForInference(ComputePrecision precision = ComputePrecision.Auto)
    {
        (this as TorchSharp.torch.nn.Module)?.eval();
        return 0;
    }

    /// <summary>The precision evaluation-mode forward computes in, as the last <see cref="PrepareForInference"/> chose it.</summary>
    ComputePrecision InferencePrecision => ComputePrecision.Float32;

    /// <summary>A new network of the same declaration with freshly initialised parameters (generated networks only).</summary>
    /// <param name="device">Where its parameters live; null for the default device.</param>
    /// <param name="dtype">Its parameters' type; null for float32.</param>
    /// <exception cref="System.NotSupportedException">The network was written by hand, not generated.</exception>
    TorchSharp.torch.nn.Module CreateSibling(TorchSharp.torch.Device? device = null, TorchSharp.torch.ScalarType? dtype = null) =>
        throw new System.NotSupportedException($"{Geometry.Name} was not generated from a [UNet] declaration: it cannot build a copy of itself (bfloat16 mixed precision needs one). Declare it with [UNet], or train it in float32.");
}
