using UNetDsl.Layers;
using UNetDsl.Tests.Core;
using UNetDsl.Tests.Variants;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Memory;

/// <summary>
/// The generated tables carry inference for CPUs with and without AVX-512 and a training step in each layout; the
/// public figure is the one of this CPU and of the layout <c>PrepareForTraining</c> picks for the number format.
/// </summary>
public sealed class ActivationMemoryLayoutTests
{
    [Fact]
    public void The_figure_follows_this_CPU_and_the_layout_PrepareForTraining_picks()
    {
        var memory = GatedNet.ActivationMemory;
        var avx512 = CpuFeatures.Has("avx512f");
        Assert.Equal(memory.BytesPerSample(false, 4, null, avx512, channelsLast: false), memory.BytesPerSample());
        foreach (var (bytes, type) in new[] { (4, ScalarType.Float32), (2, ScalarType.BFloat16) })
        {
            var channelsLast = Layer.ChannelsLastTrainsFaster(type);
            Assert.Equal(channelsLast, memory.TrainsChannelsLast(bytes));
            Assert.Equal(memory.BytesPerSample(true, bytes, null, avx512, channelsLast), memory.BytesPerSample(true, bytes));
        }
    }

    [Fact]
    public void A_network_with_instance_norm_never_trains_channels_last()
    {
        Assert.False(SkipKindsNet.ActivationMemory.TrainsChannelsLast(2));
        Assert.False(SkipKindsNet.ActivationMemory.TrainsChannelsLast(4));
    }

    [Fact]
    public void One_channel_inference_runs_NCHW_and_takes_more_with_AVX512s_16_channel_blocks()
    {
        // GatedNet's first convolutions write 4 channels, which oneDNN's AVX-512 kernels write as 16 before the copy.
        var memory = GatedNet.ActivationMemory;
        Assert.True(memory.BytesPerSample(false, 4, null, avx512: true, channelsLast: false) > memory.BytesPerSample(false, 4, null, avx512: false, channelsLast: false));
    }

    [Fact]
    public void Channels_last_inference_is_the_same_on_both_CPU_kinds()
    {
        // Three input channels: Predict's channels-last input keeps every layer channels-last, with no blocked copies.
        var memory = OverriddenNet.ActivationMemory;
        Assert.Equal(memory.BytesPerSample(false, 4, null, avx512: true, channelsLast: false), memory.BytesPerSample(false, 4, null, avx512: false, channelsLast: false));
    }
}
