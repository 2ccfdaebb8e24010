using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>Trainable parameters of each kind of layer, as TorchSharp counts them: weights and biases, affine norms.</summary>
/// <remarks>Checked: a count beyond <c>long</c> throws <see cref="System.OverflowException"/>, which the engine reports as UNET1006.</remarks>
internal static class ParameterCount
{
    public static long ConvBlock(ResolvedNetwork network, ConvStack stack)
    {
        checked
        {
            long total = 0;
            long inChannels = stack.InChannels;
            var volume = ShapeEngine.Product(stack.Kernel);
            foreach (var channels in stack.Channels)
            {
                total += Conv(network, inChannels, channels, volume);
                inChannels = channels;
            }

            if (stack.TimeConditioned)
            {
                // The timestep projection into the first convolution's channels, and a plain 1x1 projection with bias.
                total += ((long)stack.TimeChannels * stack.Channels[0]) + stack.Channels[0];
                return total + (stack.HasProjection ? ((long)stack.InChannels * stack.OutChannels) + stack.OutChannels : 0);
            }

            // The residual path's 1x1 projection, with its own norm like every other convolution.
            return total + (stack.HasProjection ? Conv(network, stack.InChannels, stack.OutChannels, 1) : 0);
        }
    }

    /// <summary>
    /// Per channel entry c after an input of i channels: the projection (i c + c, only where i != c), the depthwise
    /// convolution (c k + c), the layer norm (2 c), the expansion (4 c^2 + 4 c) and the reduction (4 c^2 + c).
    /// </summary>
    public static long ConvNeXt(ConvStack stack)
    {
        checked
        {
            long total = 0;
            long inChannels = stack.InChannels;
            var volume = ShapeEngine.Product(stack.Kernel);
            foreach (var channels in stack.Channels)
            {
                long c = channels;
                long wide = c * ConvNeXtNode.Expansion;
                total += (inChannels != c ? (inChannels * c) + c : 0) + (c * volume) + c + (2 * c) + (c * wide) + wide + (wide * c) + c;
                inChannels = c;
            }

            return total;
        }
    }

    private static long Conv(ResolvedNetwork network, long inChannels, long outChannels, long volume) => checked(
        (inChannels * outChannels * volume) + (network.ConvBias ? outChannels : 0) + (network.Normalization == NormKind.None ? 0 : 2 * outChannels));

    public static long Up(ResolvedNetwork network, ResolvedLevel level)
    {
        // Transposed conv: kernel = stride = the pooling factors; bilinear: interpolation, then a 1x1 conv to set the channels.
        var volume = network.UpSampling == UpSamplingKind.TransposedConv ? ShapeEngine.Product(level.Pool) : 1;
        return checked(((long)level.UpInChannels * level.UpChannels * volume) + level.UpChannels);
    }

    /// <summary>
    /// The attention gate: W_x (kernel = stride = the pooling factors, so x meets g's resolution; no bias, as W_g's
    /// bias serves both), W_g (1x1 with bias), psi (1x1 to one channel, with bias).
    /// </summary>
    public static long Gate(ResolvedLevel level) =>
        checked(((long)level.SkipChannels * level.GateChannels * ShapeEngine.Product(level.Pool)) + (((long)level.UpInChannels + 1) * level.GateChannels) + level.GateChannels + 1);

    /// <summary>Sinusoidal features of width T through two T x T linear layers with bias.</summary>
    public static long TimeEmbedding(ConditioningSpec conditioning) => checked(2L * (((long)conditioning.TimeChannels * conditioning.TimeChannels) + conditioning.TimeChannels));

    /// <summary>
    /// A transformer block on C channels: group norm (2C), proj_in and proj_out (C^2 + C each), three layer norms
    /// (2C each), self-attention q, k, v (C^2 each, no bias) and out (C^2 + C), cross-attention q (C^2), k and v from
    /// the context (context x C each) and out (C^2 + C), feed-forward C to 4C to C (8C^2 + 5C).
    /// </summary>
    public static long Transformer(int channels, ConditioningSpec conditioning)
    {
        long c = channels;
        return checked((16 * c * c) + (2L * conditioning.ContextChannels * c) + (17 * c));
    }

    public static long Head(int inChannels, int classes) => checked(((long)inChannels * classes) + classes);
}
