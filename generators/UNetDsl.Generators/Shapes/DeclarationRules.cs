using System;
using System.Collections.Generic;
using System.Linq;
using UNetDsl.Generators.Diagnostics;
using UNetDsl.Generators.Model;

namespace UNetDsl.Generators.Shapes;

/// <summary>The argument checks that need no shape propagation: ranges, arities, enum values. Pure.</summary>
internal static class DeclarationRules
{
    public static List<Finding> Check(UNetSpec spec)
    {
        var findings = new List<Finding>();
        CheckNetwork(findings, spec);
        foreach (var path in spec.EmptyArrays)
        {
            findings.Add(EmptyArray(spec, path));
        }

        CheckInputSize(findings, spec);
        for (var i = 0; i < spec.Levels.Count; i++)
        {
            CheckLevel(findings, spec, spec.Levels[i], i + 1);
        }

        CheckBottleneck(findings, spec);
        if (spec.Conditioning is { } conditioning)
        {
            Conditioning(findings, spec, conditioning);
        }

        if (spec.Block == BlockKind.ConvNeXt && spec.Conditioning is not null)
        {
            findings.Add(Finding.Create(DiagnosticDescriptors.ConvNeXtConditioned.Id, ArgumentPath.Argument(ArgumentPath.UNet, nameof(UNetAttribute.Block))));
        }

        if (findings.Count == 0 && spec.Normalization == NormKind.Group)
        {
            Groups(findings, spec);
        }

        if (findings.Count == 0 && spec.Conditioning is { } withHeads)
        {
            Heads(findings, spec, withHeads);
        }

        return findings;
    }

    /// <summary>The [UNet] attribute's own arguments.</summary>
    private static void CheckNetwork(List<Finding> findings, UNetSpec spec)
    {
        var unet = ArgumentPath.UNet;
        if (spec.Dimensions is not (2 or 3))
        {
            findings.Add(Finding.Create(DiagnosticDescriptors.DimensionsInvalid.Id, ArgumentPath.Argument(unet, "Dimensions"), spec.Dimensions));
        }

        Positive(findings, spec.InChannels, "InChannels", ArgumentPath.Argument(unet, "InChannels"));
        Positive(findings, spec.Classes, "Classes", ArgumentPath.Argument(unet, "Classes"));
        Kernel(findings, spec, spec.KernelSize, "the network", ArgumentPath.Argument(unet, "KernelSize"), allowZero: false);
        KernelArray(findings, spec, spec.Kernel, "the network", ArgumentPath.Argument(unet, "Kernel"));
        EnumValue<BlockKind>(findings, (int)spec.Block, nameof(UNetAttribute.Block), ArgumentPath.Argument(unet, nameof(UNetAttribute.Block)));
        EnumValue<PaddingKind>(findings, (int)spec.Padding, nameof(UNetAttribute.Padding), ArgumentPath.Argument(unet, nameof(UNetAttribute.Padding)));
        EnumValue<UpSamplingKind>(findings, (int)spec.UpSampling, nameof(UNetAttribute.UpSampling), ArgumentPath.Argument(unet, nameof(UNetAttribute.UpSampling)));
        EnumValue<NormKind>(findings, (int)spec.Normalization, nameof(UNetAttribute.Normalization), ArgumentPath.Argument(unet, nameof(UNetAttribute.Normalization)));
        EnumValue<ActivationKind>(findings, (int)spec.Activation, nameof(UNetAttribute.Activation), ArgumentPath.Argument(unet, nameof(UNetAttribute.Activation)));
    }

    private static void CheckInputSize(List<Finding> findings, UNetSpec spec)
    {
        var unet = ArgumentPath.UNet;
        var inputPath = ArgumentPath.Argument(unet, "InputSize");
        if (spec.HasInputSize && spec.Dimensions is 2 or 3 && spec.InputSize.Count != 1 && spec.InputSize.Count != spec.Dimensions)
        {
            findings.Add(Finding.Create(DiagnosticDescriptors.InputSizeArity.Id, inputPath, spec.InputSize.Count, spec.Dimensions));
        }

        for (var i = 0; i < spec.InputSize.Count; i++)
        {
            Positive(findings, spec.InputSize[i], "InputSize[" + i + "]", ArgumentPath.Element(inputPath, i));
        }
    }

    private static void CheckLevel(List<Finding> findings, UNetSpec spec, LevelSpec level, int number)
    {
        var path = ArgumentPath.Level(number);
        Channels(findings, level.Channels, "Level " + number, ArgumentPath.Argument(path, "Channels"));
        Kernel(findings, spec, level.KernelSize, "level " + number, ArgumentPath.Argument(path, "KernelSize"), allowZero: true);
        KernelArray(findings, spec, level.Kernel, "level " + number, ArgumentPath.Argument(path, "Kernel"));
        if (PerAxis(findings, spec, level.Pool, "Level " + number + " Pool", ArgumentPath.Argument(path, "Pool")))
        {
            for (var axis = 0; axis < level.Pool.Count; axis++)
            {
                Positive(findings, level.Pool[axis], "Level " + number + " pooling factor " + (axis + 1), ArgumentPath.Element(ArgumentPath.Argument(path, "Pool"), axis));
            }
        }

        if (level.GateChannels < 0)
        {
            findings.Add(Finding.Create(DiagnosticDescriptors.NotPositive.Id, ArgumentPath.Argument(path, "GateChannels"), "Level " + number + " GateChannels", level.GateChannels));
        }
        else if (level.GateChannels > 0 && level.Skip != SkipJoin.AttentionGate)
        {
            findings.Add(Finding.Create(
                DiagnosticDescriptors.InvalidArgument.Id, ArgumentPath.Argument(path, "GateChannels"), level.GateChannels, "GateChannels",
                "level " + number + " has no attention gate; add Skip = SkipKind.AttentionGate or remove GateChannels"));
        }

        if (level.DeepSupervision && number == 1)
        {
            findings.Add(Finding.Create(
                DiagnosticDescriptors.InvalidArgument.Id, ArgumentPath.Argument(path, "DeepSupervision"), "true", "DeepSupervision",
                "level 1 already has the main head; deep supervision adds heads at levels 2 and deeper"));
        }
        for (var j = 0; j < level.DecoderChannels.Count; j++)
        {
            Positive(findings, level.DecoderChannels[j], "Level " + number + " decoder channel " + (j + 1), ArgumentPath.Element(ArgumentPath.Argument(path, "DecoderChannels"), j));
        }

        if (level.UpChannels < 0)
        {
            findings.Add(Finding.Create(DiagnosticDescriptors.NotPositive.Id, ArgumentPath.Argument(path, "UpChannels"), "Level " + number + " UpChannels", level.UpChannels));
        }

        EnumValue<SkipJoin>(findings, (int)level.Skip, nameof(LevelAttribute.Skip), ArgumentPath.Argument(path, nameof(LevelAttribute.Skip)));
        if (level.SkipFrom < 0 || level.SkipFrom > spec.Levels.Count)
        {
            findings.Add(Finding.Create(
                DiagnosticDescriptors.InvalidArgument.Id, ArgumentPath.Argument(path, "SkipFrom"), level.SkipFrom, "SkipFrom",
                "there are levels 1 to " + spec.Levels.Count + " (0 means the level itself)"));
        }
        else if (level.SkipFrom != 0 && level.Skip == SkipJoin.None)
        {
            findings.Add(Finding.Create(
                DiagnosticDescriptors.InvalidArgument.Id, ArgumentPath.Argument(path, "SkipFrom"), level.SkipFrom, "SkipFrom",
                "level " + number + " has no skip (Skip = SkipKind.None); remove SkipFrom or give the level a skip"));
        }
    }

    private static void CheckBottleneck(List<Finding> findings, UNetSpec spec)
    {
        Channels(findings, spec.Bottleneck.Channels, "Bottleneck", ArgumentPath.Argument(ArgumentPath.Bottleneck, "Channels"));
        Kernel(findings, spec, spec.Bottleneck.KernelSize, "the bottleneck", ArgumentPath.Argument(ArgumentPath.Bottleneck, "KernelSize"), allowZero: true);
        KernelArray(findings, spec, spec.Bottleneck.Kernel, "the bottleneck", ArgumentPath.Argument(ArgumentPath.Bottleneck, "Kernel"));
        if (double.IsNaN(spec.Bottleneck.Dropout) || spec.Bottleneck.Dropout < 0 || spec.Bottleneck.Dropout >= 1)
        {
            findings.Add(Finding.Create(DiagnosticDescriptors.DropoutOutOfRange.Id, ArgumentPath.Argument(ArgumentPath.Bottleneck, "Dropout"), spec.Bottleneck.Dropout.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>
    /// The warnings of a declaration: arguments that are valid but do nothing. They do not stop the checks that follow,
    /// so they are kept apart from <see cref="Check"/>'s errors.
    /// </summary>
    public static List<Finding> Warnings(UNetSpec spec)
    {
        var findings = new List<Finding>();

        // With [Conditioning], ConvNeXt is an error (UNET0019), and the conditional U-Net does use these arguments.
        if (spec.Block == BlockKind.ConvNeXt && spec.Conditioning is null)
        {
            const string norm = "the block normalises with its own layer norm over the channels";
            IgnoredByConvNeXt(findings, spec, nameof(UNetAttribute.Normalization), norm);
            IgnoredByConvNeXt(findings, spec, nameof(UNetAttribute.NormGroups), norm);
            IgnoredByConvNeXt(findings, spec, nameof(UNetAttribute.Activation), "the block uses GELU");
        }

        return findings;
    }

    private static void IgnoredByConvNeXt(List<Finding> findings, UNetSpec spec, string argument, string reason)
    {
        var path = ArgumentPath.Argument(ArgumentPath.UNet, argument);
        if (spec.Declares(path))
        {
            findings.Add(Finding.Create(DiagnosticDescriptors.ConvNeXtIgnoresArgument.Id, path, argument, reason));
        }
    }

    /// <summary>An array argument declared empty: the arity error of its kind, as for any other wrong count of values.</summary>
    private static Finding EmptyArray(UNetSpec spec, string path)
    {
        var dot = path.LastIndexOf('.');
        var owner = path.Substring(0, dot);
        var name = path.Substring(dot + 1);
        var level = owner.StartsWith("Level[", StringComparison.Ordinal) ? owner.Substring(6, owner.Length - 7) : null;
        var who = level is not null ? "level " + level : owner == ArgumentPath.Bottleneck ? "the bottleneck" : null;
        switch (name)
        {
            case "InputSize":
                return Finding.Create(DiagnosticDescriptors.InputSizeArity.Id, path, 0, spec.Dimensions);
            case "Kernel":
                return Finding.Create(DiagnosticDescriptors.PerAxisArity.Id, path, who is null ? "Kernel" : who + " Kernel", 0, spec.Dimensions);
            case "Pool":
                return Finding.Create(DiagnosticDescriptors.PerAxisArity.Id, path, "Level " + level + " Pool", 0, spec.Dimensions);
            default:
                return Finding.Create(
                    DiagnosticDescriptors.InvalidArgument.Id, path, "an empty list", (who is null ? string.Empty : who + " ") + name,
                    "give at least one value, or leave " + name + " out for its default");
        }
    }

    private static void Conditioning(List<Finding> findings, UNetSpec spec, ConditioningSpec conditioning)
    {
        var unet = ArgumentPath.UNet;
        var path = ArgumentPath.Conditioning;
        if (spec.Padding != PaddingKind.Same)
        {
            findings.Add(Finding.Create(DiagnosticDescriptors.ConditioningRequirement.Id, ArgumentPath.Argument(unet, "Padding"), "Padding is " + spec.Padding, "Padding = ConvPadding.Same"));
        }

        if (spec.Normalization != NormKind.Group)
        {
            findings.Add(Finding.Create(DiagnosticDescriptors.ConditioningRequirement.Id, ArgumentPath.Argument(unet, "Normalization"), "Normalization is " + spec.Normalization, "Normalization = Normalization.Group"));
        }

        for (var i = 0; i < spec.Levels.Count; i++)
        {
            if (spec.Levels[i].DeepSupervision)
            {
                findings.Add(Finding.Create(
                    DiagnosticDescriptors.ConditioningRequirement.Id, ArgumentPath.Argument(ArgumentPath.Level(i + 1), "DeepSupervision"),
                    "level " + (i + 1) + " asks for deep supervision", "a single output: remove DeepSupervision"));
            }
        }

        if (conditioning.TimeChannels <= 0 || conditioning.TimeChannels % 2 != 0)
        {
            findings.Add(Finding.Create(
                DiagnosticDescriptors.InvalidArgument.Id, ArgumentPath.Argument(path, "TimeChannels"), conditioning.TimeChannels, "TimeChannels",
                "the sinusoidal embedding pairs a cosine with a sine, so it needs an even, positive width such as 128"));
        }

        Positive(findings, conditioning.ContextChannels, "ContextChannels", ArgumentPath.Argument(path, "ContextChannels"));
        Positive(findings, conditioning.Heads, "Heads", ArgumentPath.Argument(path, "Heads"));
        var levels = ArgumentPath.Argument(path, "AttentionLevels");
        for (var i = 0; i < conditioning.AttentionLevels.Count; i++)
        {
            var level = conditioning.AttentionLevels[i];
            if (level < 1 || level > spec.Levels.Count)
            {
                findings.Add(Finding.Create(
                    DiagnosticDescriptors.InvalidArgument.Id, ArgumentPath.Element(levels, i), level, "AttentionLevels",
                    "there are levels 1 to " + spec.Levels.Count + " (set BottleneckAttention for the bottleneck)"));
            }
            else if (conditioning.AttentionLevels.Take(i).Contains(level))
            {
                findings.Add(Finding.Create(
                    DiagnosticDescriptors.InvalidArgument.Id, ArgumentPath.Element(levels, i), level, "AttentionLevels",
                    "level " + level + " is named twice; name each level once"));
            }
        }
    }

    private static void Heads(List<Finding> findings, UNetSpec spec, ConditioningSpec conditioning)
    {
        var network = ResolvedNetwork.From(spec);
        var attended = new List<(string Where, int Channels)>();
        foreach (var level in network.Levels)
        {
            if (conditioning.AttentionAt(level.Number))
            {
                attended.Add(("Encoder level " + level.Number, level.Encoder.OutChannels));
                attended.Add(("Decoder level " + level.Number, level.Decoder.OutChannels));
            }
        }

        if (conditioning.BottleneckAttention)
        {
            attended.Add(("The bottleneck", network.Bottleneck.OutChannels));
        }

        foreach (var (where, channels) in attended)
        {
            if (channels % conditioning.Heads != 0)
            {
                var divisor = attended.Aggregate(0, (g, a) => Gcd(g, a.Channels));
                var suggestion = Enumerable.Range(1, Math.Min(conditioning.Heads, divisor)).Last(d => divisor % d == 0);
                var (below, above) = FixData.NearestDivisors(divisor, conditioning.Heads);
                findings.Add(Finding.Create(
                    DiagnosticDescriptors.HeadsDoNotDivide.Id, ArgumentPath.Argument(ArgumentPath.Conditioning, "Heads"), where, channels, conditioning.Heads, suggestion)
                    .WithFixData(FixData.Argument("Heads"), FixData.Value(conditioning.Heads), FixData.Suggestions(below, above)));
                return;
            }
        }
    }

    private static void Groups(List<Finding> findings, UNetSpec spec)
    {
        var path = ArgumentPath.Argument(ArgumentPath.UNet, "NormGroups");
        if (spec.NormGroups <= 0)
        {
            findings.Add(Finding.Create(DiagnosticDescriptors.NotPositive.Id, path, "NormGroups", spec.NormGroups));
            return;
        }

        var network = ResolvedNetwork.From(spec);
        var convs = new List<(int Channels, string Where)>();
        foreach (var level in network.Levels)
        {
            convs.AddRange(level.Encoder.Channels.Select((c, j) => (c, "encoder level " + level.Number + " convolution " + (j + 1))));
        }

        convs.AddRange(network.Bottleneck.Channels.Select((c, j) => (c, "bottleneck convolution " + (j + 1))));
        foreach (var level in network.Levels.Reverse())
        {
            convs.AddRange(level.Decoder.Channels.Select((c, j) => (c, "decoder level " + level.Number + " convolution " + (j + 1))));
        }

        var divisor = convs.Aggregate(0, (g, conv) => Gcd(g, conv.Channels));
        var suggestion = Enumerable.Range(1, Math.Min(spec.NormGroups, divisor)).Last(d => divisor % d == 0);
        foreach (var (channels, where) in convs)
        {
            if (channels % spec.NormGroups != 0)
            {
                var (below, above) = FixData.NearestDivisors(divisor, spec.NormGroups);
                findings.Add(Finding.Create(DiagnosticDescriptors.GroupsDoNotDivide.Id, path, spec.NormGroups, channels, where, suggestion)
                    .WithFixData(FixData.Argument("NormGroups"), FixData.Value(spec.NormGroups), FixData.Suggestions(below, above)));
                return;
            }
        }
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);

    private static void Channels(List<Finding> findings, EquatableArray<int> channels, string owner, string path)
    {
        if (channels.IsEmpty)
        {
            findings.Add(Finding.Create(DiagnosticDescriptors.InvalidArgument.Id, path, "an empty list", owner + " channels", "give at least one channel count, e.g. 64"));
            return;
        }

        for (var j = 0; j < channels.Count; j++)
        {
            Positive(findings, channels[j], owner + " channel " + (j + 1), ArgumentPath.Element(path, j));
        }
    }

    private static void Positive(List<Finding> findings, int value, string what, string path)
    {
        if (value <= 0)
        {
            findings.Add(Finding.Create(DiagnosticDescriptors.NotPositive.Id, path, what, value));
        }
    }

    private static void Kernel(List<Finding> findings, UNetSpec spec, int kernel, string owner, string path, bool allowZero)
    {
        if (allowZero && kernel == 0)
        {
            return;
        }

        if (kernel < 1)
        {
            findings.Add(Finding.Create(DiagnosticDescriptors.KernelSizeInvalid.Id, path, kernel, owner, "it must be at least 1"));
        }
        else if (spec.Padding == PaddingKind.Same && kernel % 2 == 0)
        {
            findings.Add(Finding.Create(
                DiagnosticDescriptors.KernelSizeInvalid.Id, path, kernel, owner,
                "'Same' padding needs an odd kernel to keep the size; use " + (kernel - 1) + " or " + (kernel + 1)));
        }
    }

    private static void KernelArray(List<Finding> findings, UNetSpec spec, EquatableArray<int> kernel, string owner, string path)
    {
        if (!PerAxis(findings, spec, kernel, owner == "the network" ? "Kernel" : owner + " Kernel", path))
        {
            return;
        }

        for (var axis = 0; axis < kernel.Count; axis++)
        {
            Kernel(findings, spec, kernel[axis], owner + " (axis " + (axis + 1) + ")", ArgumentPath.Element(path, axis), allowZero: false);
        }
    }

    /// <summary>True when a per-axis array is set with one value per axis; reports a wrong arity.</summary>
    private static bool PerAxis(List<Finding> findings, UNetSpec spec, EquatableArray<int> values, string what, string path)
    {
        if (values.IsEmpty)
        {
            return false;
        }

        if (spec.Dimensions is (2 or 3) && values.Count != spec.Dimensions)
        {
            findings.Add(Finding.Create(DiagnosticDescriptors.PerAxisArity.Id, path, what, values.Count, spec.Dimensions));
            return false;
        }

        return spec.Dimensions is 2 or 3;
    }

    /// <summary>UNET0012 for a number that names no member of <typeparamref name="TEnum"/> (the runtime's enum, shared as source).</summary>
    private static void EnumValue<TEnum>(List<Finding> findings, int value, string name, string path)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(typeof(TEnum), value))
        {
            findings.Add(Finding.Create(DiagnosticDescriptors.InvalidArgument.Id, path, value, name, "it is not a defined " + name + " value"));
        }
    }
}
