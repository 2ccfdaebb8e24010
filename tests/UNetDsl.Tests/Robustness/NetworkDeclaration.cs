using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace UNetDsl.Tests.Robustness;

/// <summary>
/// One <c>[Level]</c> of a declaration written as source text: every property maps to the attribute argument of the
/// same name, and a property left at its default writes no argument, so the generator applies its own default.
/// </summary>
/// <param name="Channels">The constructor's channel list: one value means two convolutions of it.</param>
public sealed record LevelDeclaration(int[] Channels)
{
    public int KernelSize { get; init; }

    public int[]? Kernel { get; init; }

    public int[]? Pool { get; init; }

    public SkipKind Skip { get; init; } = SkipKind.Concat;

    public int GateChannels { get; init; }

    public bool DeepSupervision { get; init; }

    public int[]? DecoderChannels { get; init; }

    public int UpChannels { get; init; }

    public int SkipFrom { get; init; }

    public bool Checkpoint { get; init; }

    /// <summary>
    /// <paramref name="levels"/> with every skip taken from another level (<see cref="SkipFrom"/>) kept at one
    /// resolution: the levels between the two pool by 1, since a skip across resolutions is UNET1004.
    /// </summary>
    public static LevelDeclaration[] RewiredAtOneResolution(LevelDeclaration[] levels, int dimensions)
    {
        var result = levels.ToArray();
        for (var i = 0; i < result.Length; i++)
        {
            var from = result[i].SkipFrom;
            if (from == 0 || result[i].Skip == SkipKind.None)
            {
                continue;
            }

            for (var j = System.Math.Min(from, i + 1) - 1; j < System.Math.Max(from, i + 1) - 1; j++)
            {
                result[j] = result[j] with { Pool = Enumerable.Repeat(1, dimensions).ToArray() };
            }
        }

        return result;
    }

    public string Attribute()
    {
        var arguments = new List<string> { Ints(Channels) };
        if (KernelSize != 0)
        {
            arguments.Add("KernelSize = " + KernelSize.ToString(CultureInfo.InvariantCulture));
        }

        if (Kernel is not null)
        {
            arguments.Add("Kernel = " + IntArray(Kernel));
        }

        if (Pool is not null)
        {
            arguments.Add("Pool = " + IntArray(Pool));
        }

        if (Skip != SkipKind.Concat)
        {
            arguments.Add("Skip = SkipKind." + Skip);
        }

        if (GateChannels != 0)
        {
            arguments.Add("GateChannels = " + GateChannels.ToString(CultureInfo.InvariantCulture));
        }

        if (DeepSupervision)
        {
            arguments.Add("DeepSupervision = true");
        }

        if (DecoderChannels is not null)
        {
            arguments.Add("DecoderChannels = " + IntArray(DecoderChannels));
        }

        if (UpChannels != 0)
        {
            arguments.Add("UpChannels = " + UpChannels.ToString(CultureInfo.InvariantCulture));
        }

        if (SkipFrom != 0)
        {
            arguments.Add("SkipFrom = " + SkipFrom.ToString(CultureInfo.InvariantCulture));
        }

        if (Checkpoint)
        {
            arguments.Add("Checkpoint = true");
        }

        return "[Level(" + string.Join(", ", arguments) + ")]";
    }

    internal static string Ints(IEnumerable<int> values) => string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));

    internal static string IntArray(IEnumerable<int> values) => "new[] { " + Ints(values) + " }";
}

/// <summary>
/// A <c>[Conditioning]</c> attribute written as source text: the three widths always, the attention levels when there
/// are any, and <c>BottleneckAttention</c> only when it is turned off (its default is on).
/// </summary>
public sealed record ConditioningDeclaration(int TimeChannels, int ContextChannels, int Heads)
{
    public int[] AttentionLevels { get; init; } = System.Array.Empty<int>();

    public bool BottleneckAttention { get; init; } = true;

    public string Attribute()
    {
        var arguments = new List<string>
        {
            "TimeChannels = " + TimeChannels.ToString(CultureInfo.InvariantCulture),
            "ContextChannels = " + ContextChannels.ToString(CultureInfo.InvariantCulture),
            "Heads = " + Heads.ToString(CultureInfo.InvariantCulture),
        };
        if (AttentionLevels.Length > 0)
        {
            arguments.Add("AttentionLevels = " + LevelDeclaration.IntArray(AttentionLevels));
        }

        if (!BottleneckAttention)
        {
            arguments.Add("BottleneckAttention = false");
        }

        return "[Conditioning(" + string.Join(", ", arguments) + ")]";
    }
}

/// <summary>
/// A U-Net declaration written as the attribute language a user writes: <c>[UNet]</c>, one <c>[Level]</c> per
/// resolution, <c>[Bottleneck]</c>, on a <c>public partial class</c> in namespace <see cref="Namespace"/>. As with
/// <see cref="LevelDeclaration"/>, defaults write no argument.
/// </summary>
public sealed record NetworkDeclaration(string Name, int InChannels, int Classes, LevelDeclaration[] Levels, int[] Bottleneck)
{
    public const string Namespace = "RuntimeFuzz";

    public int Dimensions { get; init; } = 2;

    public ConvPadding Padding { get; init; } = ConvPadding.Same;

    public int KernelSize { get; init; }

    public int[]? Kernel { get; init; }

    public BlockKind Block { get; init; } = BlockKind.Plain;

    public UpSampling UpSampling { get; init; } = UpSampling.TransposedConv;

    public Normalization Normalization { get; init; } = Normalization.None;

    public int NormGroups { get; init; }

    public Activation Activation { get; init; } = Activation.ReLU;

    /// <summary>The declared input size: one value per axis, or one value for all; null declares none.</summary>
    public int[]? InputSize { get; init; }

    public double Dropout { get; init; }

    public int BottleneckKernelSize { get; init; }

    public int[]? BottleneckKernel { get; init; }

    /// <summary>Makes the network a conditional denoiser, <c>forward(input, timestep, context)</c>; null for none.</summary>
    public ConditioningDeclaration? Conditioning { get; init; }

    public string FullName => Namespace + "." + Name;

    public string Source()
    {
        var unet = new List<string>
        {
            InChannels.ToString(CultureInfo.InvariantCulture),
            Classes.ToString(CultureInfo.InvariantCulture),
        };
        if (Dimensions != 2)
        {
            unet.Add("Dimensions = " + Dimensions.ToString(CultureInfo.InvariantCulture));
        }

        unet.Add("Padding = ConvPadding." + Padding);
        if (KernelSize != 0)
        {
            unet.Add("KernelSize = " + KernelSize.ToString(CultureInfo.InvariantCulture));
        }

        if (Kernel is not null)
        {
            unet.Add("Kernel = " + LevelDeclaration.IntArray(Kernel));
        }

        if (Block != BlockKind.Plain)
        {
            unet.Add("Block = BlockKind." + Block);
        }

        if (UpSampling != UpSampling.TransposedConv)
        {
            unet.Add("UpSampling = UpSampling." + UpSampling);
        }

        if (Normalization != Normalization.None)
        {
            unet.Add("Normalization = Normalization." + Normalization);
        }

        if (NormGroups != 0)
        {
            unet.Add("NormGroups = " + NormGroups.ToString(CultureInfo.InvariantCulture));
        }

        if (Activation != Activation.ReLU)
        {
            unet.Add("Activation = Activation." + Activation);
        }

        if (InputSize is not null)
        {
            unet.Add("InputSize = " + LevelDeclaration.IntArray(InputSize));
        }

        var text = new StringBuilder("using UNetDsl;\n\nnamespace " + Namespace + ";\n\n");
        text.Append("[UNet(").Append(string.Join(", ", unet)).Append(")]\n");
        if (Conditioning is not null)
        {
            text.Append(Conditioning.Attribute()).Append('\n');
        }

        foreach (var level in Levels)
        {
            text.Append(level.Attribute()).Append('\n');
        }

        text.Append("[Bottleneck(").Append(LevelDeclaration.Ints(Bottleneck));
        if (BottleneckKernelSize != 0)
        {
            text.Append(", KernelSize = ").Append(BottleneckKernelSize.ToString(CultureInfo.InvariantCulture));
        }

        if (BottleneckKernel is not null)
        {
            text.Append(", Kernel = ").Append(LevelDeclaration.IntArray(BottleneckKernel));
        }

        if (Dropout > 0)
        {
            text.Append(", Dropout = ").Append(Dropout.ToString("R", CultureInfo.InvariantCulture));
        }

        text.Append(")]\n");
        text.Append("public partial class ").Append(Name).Append("\n{\n}\n");
        return text.ToString();
    }

    public override string ToString() => Source();
}
