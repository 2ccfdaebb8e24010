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

    /// <summary>Builds a one-file declaration with the given attribute lines.</summary>
    public static string With(string unetArguments, params string[] otherAttributes) =>
        "using UNetDsl;\n\nnamespace Test;\n\n[UNet(" + unetArguments + ")]\n" + string.Join("\n", otherAttributes) + "\npublic partial class Net\n{\n}\n";
}
