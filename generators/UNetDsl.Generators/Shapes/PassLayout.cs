namespace UNetDsl.Generators.Shapes;

/// <summary>How a pass lays out its maps, as far as memory goes: what oneDNN copies around each convolution.</summary>
internal enum PassLayout
{
    /// <summary>Channels-last maps, which oneDNN reads and writes as they are on every CPU.</summary>
    ChannelsLast,

    /// <summary>NCHW maps on a CPU without AVX-512 (oneDNN's AVX2 kernels, 8-channel blocks).</summary>
    NchwAvx2,

    /// <summary>NCHW maps on a CPU with AVX-512 (oneDNN's AVX-512 kernels, 16-channel blocks).</summary>
    NchwAvx512,
}
