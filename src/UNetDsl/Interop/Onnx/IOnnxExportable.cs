namespace UNetDsl
{
    /// <summary>
    /// A generated network that can write itself to an ONNX model: every declared U-Net except the conditional one,
    /// so code that handles any network (an app, a serving pipeline) can export without knowing its class.
    /// </summary>
    public interface IOnnxExportable
    {
        /// <summary>Writes the network with its current weights to an ONNX model at <paramref name="path"/>.</summary>
        /// <param name="path">The .onnx file to write (atomically).</param>
        /// <param name="size">A fixed valid size, <see cref="OnnxInputSize.Symbolic"/>, or null for the reference size.</param>
        void ExportOnnx(string path, OnnxInputSize? size = null);
    }
}
