namespace UNetDsl.Generators.Tests.Infrastructure;

/// <summary>Declarations shared by the tests.</summary>
public static class Declarations
{
    /// <summary>The network of the U-Net paper: 572x572 in, 388x388 out, 31,030,658 parameters.</summary>
    public const string Paper = """
        using UNetDsl;

        namespace Samples;

        [UNet(inChannels: 1, classes: 2, Padding = ConvPadding.Valid, InputSize = new[] { 572, 572 })]
        [Level(64)]
        [Level(128)]
        [Level(256)]
        [Level(512)]
        [Bottleneck(1024, Dropout = 0.5)]
        public partial class PaperUNet
        {
        }
        """;

    /// <summary>A small 'Same' padded network with group norm and bilinear up-sampling, no input size declared.</summary>
    public const string SmallSame = """
        using UNetDsl;

        namespace Samples.Small;

        [UNet(3, 4, Normalization = Normalization.Group, NormGroups = 4, Activation = Activation.SiLU, UpSampling = UpSampling.Bilinear)]
        [Level(8)]
        [Level(16, 16, 16)]
        [Bottleneck(32)]
        internal partial class SmallNet
        {
        }
        """;

    /// <summary>The 3D U-Net of Cicek et al. 2016: 132x132x116 in, 44x44x28 out; up-convolutions keep their channels.</summary>
    public const string Cicek3D = """
        using UNetDsl;

        namespace Samples.Volumes;

        [UNet(3, 3, Dimensions = 3, Padding = ConvPadding.Valid, Normalization = Normalization.Batch, InputSize = new[] { 116, 132, 132 })]
        [Level(32, 64, UpChannels = 128)]
        [Level(64, 128, UpChannels = 256)]
        [Level(128, 256, UpChannels = 512)]
        [Bottleneck(256, 512)]
        public partial class Cicek3DUNet
        {
        }
        """;

    /// <summary>Attention-gated skips, residual blocks, deep supervision and an anisotropic first level, in 3D.</summary>
    public const string Variants = """
        using UNetDsl;

        namespace Samples.Variants;

        [UNet(1, 2, Dimensions = 3, Block = BlockKind.Residual, Normalization = Normalization.Instance, Activation = Activation.LeakyReLU)]
        [Level(8, Kernel = new[] { 1, 3, 3 }, Pool = new[] { 1, 2, 2 }, Skip = SkipKind.AttentionGate)]
        [Level(16, Skip = SkipKind.AttentionGate, GateChannels = 4, DeepSupervision = true)]
        [Level(32, DeepSupervision = true)]
        [Bottleneck(64)]
        public partial class VariantNet
        {
        }
        """;

    /// <summary>A small conditional denoiser: timestep embedding, attention at level 2 and the bottleneck.</summary>
    public const string Denoiser = """
        using UNetDsl;

        namespace Samples.Diffusion;

        [UNet(1, 1, Normalization = Normalization.Group, NormGroups = 8, Activation = Activation.SiLU)]
        [Conditioning(TimeChannels = 64, ContextChannels = 16, Heads = 4, AttentionLevels = new[] { 2 })]
        [Level(16)]
        [Level(32)]
        [Bottleneck(64)]
        public partial class Denoiser
        {
        }
        """;

    /// <summary>Builds a one-file declaration with the given attribute lines.</summary>
    public static string With(string unetArguments, params string[] otherAttributes) =>
        "using UNetDsl;\n\nnamespace Test;\n\n[UNet(" + unetArguments + ")]\n" + string.Join("\n", otherAttributes) + "\npublic partial class Net\n{\n}\n";
}
