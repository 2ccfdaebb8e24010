using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace UNetDsl.Generators.Diagnostics;

// The one catalogue of UNetDsl's build-time diagnostics.
// IDs are stable and never reused: 0xxx usage, 1xxx shapes (2xxx are the run-time errors, see docs/diagnostics).
// When you add or change a descriptor, update docs/diagnostics/UNETxxxx.md, docs/diagnostics/README.md and
// AnalyzerReleases.Unshipped.md.
// IDs with a code fix (UNetDsl.CodeFixes) take their ID from FixableDiagnostics, which also names the properties
// their diagnostics carry for the fix.
internal static class DiagnosticDescriptors
{
    private const string Usage = "UNetDsl.Usage";
    private const string Shapes = "UNetDsl.Shapes";
    private const string HelpBase = "https://github.com/unetdsl/unetdsl/blob/main/docs/diagnostics/";

    /// <summary>UNET0001: "'{0}' must be declared partial so that UNetDsl can add its U-Net; add the 'partial' modifier".</summary>
    public static readonly DiagnosticDescriptor NotPartial = Create(
        FixableDiagnostics.NotPartialId, "U-Net class must be partial",
        "'{0}' must be declared partial so that UNetDsl can add its U-Net; add the 'partial' modifier",
        Usage, "The generator adds the module's members to the declared class, which is only possible for a partial class.");

    /// <summary>UNET0002: "'{0}' is nested inside '{1}'; declare U-Net classes directly in a namespace".</summary>
    public static readonly DiagnosticDescriptor NestedType = Create(
        "UNET0002", "U-Net class must not be nested",
        "'{0}' is nested inside '{1}'; declare U-Net classes directly in a namespace",
        Usage, "Generated modules are top-level types; a nested class would need every enclosing type to be partial too.");

    /// <summary>UNET0003: "'{0}' is generic; a U-Net class cannot have type parameters".</summary>
    public static readonly DiagnosticDescriptor GenericType = Create(
        "UNET0003", "U-Net class must not be generic",
        "'{0}' is generic; a U-Net class cannot have type parameters",
        Usage, "The generated module derives from Module<Tensor, Tensor>; type parameters would have no meaning in it.");

    /// <summary>UNET0004: "'{0}' is {1}; a U-Net must be a plain class (not static, not a record) without a base class".</summary>
    public static readonly DiagnosticDescriptor UnsupportedType = Create(
        "UNET0004", "U-Net class has an unsupported form",
        "'{0}' is {1}; a U-Net must be a plain class (not static, not a record) without a base class",
        Usage, "The generator gives the class TorchSharp's Module<Tensor, Tensor> as its base, so it must be free to do so.");

    /// <summary>UNET0005: "'{0}' declares no {1}; add {2}".</summary>
    public static readonly DiagnosticDescriptor MissingPart = Create(
        "UNET0005", "U-Net declaration is incomplete",
        "'{0}' declares no {1}; add {2}",
        Usage, "A U-Net needs at least one [Level] and exactly one [Bottleneck].");

    /// <summary>UNET0006: "{0} must be positive; got {1}".</summary>
    public static readonly DiagnosticDescriptor NotPositive = Create(
        "UNET0006", "Channel count or size must be positive",
        "{0} must be positive; got {1}",
        Usage, "Channels, classes and input sizes count things; zero or fewer make no network.");

    /// <summary>UNET0007: "Kernel size {0} of {1} is not allowed: {2}".</summary>
    public static readonly DiagnosticDescriptor KernelSizeInvalid = Create(
        "UNET0007", "Kernel size is not allowed",
        "Kernel size {0} of {1} is not allowed: {2}",
        Usage, "A kernel must be at least 1; with 'Same' padding it must be odd, or the padding cannot keep the size on both sides.");

    /// <summary>UNET0008: "NormGroups = {0} does not divide the {1} channels of {2}; use a divisor of every convolution's channels, such as {3}".</summary>
    public static readonly DiagnosticDescriptor GroupsDoNotDivide = Create(
        FixableDiagnostics.GroupsDoNotDivideId, "Group count does not divide the channels",
        "NormGroups = {0} does not divide the {1} channels of {2}; use a divisor of every convolution's channels, such as {3}",
        Usage, "Group normalisation splits the channels into equal groups, so the group count must divide each convolution's channels.");

    /// <summary>UNET0009: "Dimensions must be 2 or 3; got {0}".</summary>
    public static readonly DiagnosticDescriptor DimensionsInvalid = Create(
        "UNET0009", "Spatial dimensions must be 2 or 3",
        "Dimensions must be 2 or 3; got {0}",
        Usage, "UNetDsl builds 2D (images) and 3D (volumes) U-Nets.");

    /// <summary>UNET0010: "InputSize has {0} values; a {1}D U-Net needs one value per axis ({1}) or one for all axes".</summary>
    public static readonly DiagnosticDescriptor InputSizeArity = Create(
        "UNET0010", "InputSize has the wrong number of values",
        "InputSize has {0} values; a {1}D U-Net needs one value per axis ({1}) or one for all axes",
        Usage, "InputSize gives the spatial size per axis (H, W or D, H, W), or a single value for every axis.");

    /// <summary>UNET0011: "Dropout must be at least 0 and below 1; got {0}".</summary>
    public static readonly DiagnosticDescriptor DropoutOutOfRange = Create(
        "UNET0011", "Dropout probability out of range",
        "Dropout must be at least 0 and below 1; got {0}",
        Usage, "Dropout is a probability of dropping a unit; 1 would drop everything.");

    /// <summary>UNET0012: "{0} is not a valid value for {1}: {2}".</summary>
    public static readonly DiagnosticDescriptor InvalidArgument = Create(
        "UNET0012", "Attribute argument is not valid",
        "{0} is not a valid value for {1}: {2}",
        Usage, "An attribute argument that is not a constant of the expected kind, names an unknown enum value, or refers to a level that does not exist.");

    /// <summary>UNET0013: "{0} has {1} values; a {2}D U-Net needs one per axis ({2})".</summary>
    public static readonly DiagnosticDescriptor PerAxisArity = Create(
        "UNET0013", "Per-axis value has the wrong number of values",
        "{0} has {1} values; a {2}D U-Net needs one per axis ({2})",
        Usage, "Per-axis kernels and pooling factors give one value for each spatial axis (H, W or D, H, W).");

    /// <summary>UNET0014: "{0}; a conditional U-Net ([Conditioning]) needs {1}".</summary>
    public static readonly DiagnosticDescriptor ConditioningRequirement = Create(
        "UNET0014", "Conditional U-Net requirement not met",
        "{0}; a conditional U-Net ([Conditioning]) needs {1}",
        Usage, "The denoising U-Net's residual and transformer blocks use group norm and keep sizes with 'Same' padding; its forward takes (x, timestep, context), which deep-supervision heads do not support.");

    /// <summary>UNET0015: "{0} has {1} channels, which {2} attention heads cannot split evenly; use a head count that divides {1}, such as {3}".</summary>
    public static readonly DiagnosticDescriptor HeadsDoNotDivide = Create(
        FixableDiagnostics.HeadsDoNotDivideId, "Head count does not divide the channels",
        "{0} has {1} channels, which {2} attention heads cannot split evenly; use a head count that divides {1}, such as {3}",
        Usage, "Multi-head attention splits the channels into equal heads, so the head count must divide the channels of every level with attention.");

    /// <summary>UNET0016: "'{0}' declares {1} on another partial declaration than its first [Level]; declare every [Level] on one declaration, finest first, since C# gives partial declarations no order".</summary>
    public static readonly DiagnosticDescriptor LevelsOnSeveralDeclarations = Create(
        "UNET0016", "Levels are spread over partial declarations",
        "'{0}' declares {1} on another partial declaration than its first [Level]; declare every [Level] on one declaration, finest first, since C# gives partial declarations no order",
        Usage, "The order of the [Level] attributes is the order of the levels; across partial declarations it would follow the order in which the compiler receives the files.");

    /// <summary>UNET0017: "{0} on '{1}' has no effect: '{1}' has no [UNet] attribute; add [UNet(inChannels, classes)] to the class or remove {0}".</summary>
    public static readonly DiagnosticDescriptor AttributeWithoutUNet = Create(
        "UNET0017", "Attribute has no effect without [UNet]",
        "{0} on '{1}' has no effect: '{1}' has no [UNet] attribute; add [UNet(inChannels, classes)] to the class or remove {0}",
        Usage, "[Level], [Bottleneck] and [Conditioning] describe a U-Net declared with [UNet]; on any other class nothing is generated from them.",
        DiagnosticSeverity.Warning);

    /// <summary>UNET0018: "'{0}' is the name of a member UNetDsl generates in the class, and C# forbids a member named like its class; rename the class".</summary>
    public static readonly DiagnosticDescriptor NamedLikeGeneratedMember = Create(
        "UNET0018", "U-Net class is named like a generated member",
        "'{0}' is the name of a member UNetDsl generates in the class, and C# forbids a member named like its class; rename the class",
        Usage, "The generated module declares members such as Summary, Geometry, forward and its submodule fields (enc1, head, ...); a class of one of these names cannot hold them (CS0542).");

    /// <summary>UNET0019: "Block = BlockKind.ConvNeXt cannot be used with [Conditioning]: a conditional U-Net adds the timestep embedding inside each block, and a ConvNeXt block takes none; leave Block out (a conditional U-Net uses residual blocks) or remove [Conditioning]".</summary>
    public static readonly DiagnosticDescriptor ConvNeXtConditioned = Create(
        "UNET0019", "ConvNeXt blocks cannot be conditioned",
        "Block = BlockKind.ConvNeXt cannot be used with [Conditioning]: a conditional U-Net adds the timestep embedding inside each block, and a ConvNeXt block takes none; leave Block out (a conditional U-Net uses residual blocks) or remove [Conditioning]",
        Usage, "The denoising U-Net declared with [Conditioning] feeds the timestep embedding into every level's residual block; a ConvNeXt block has no input for it.");

    /// <summary>UNET0020: "{0} has no effect with Block = BlockKind.ConvNeXt: {1}; remove {0}".</summary>
    public static readonly DiagnosticDescriptor ConvNeXtIgnoresArgument = Create(
        "UNET0020", "Argument has no effect on ConvNeXt blocks",
        "{0} has no effect with Block = BlockKind.ConvNeXt: {1}; remove {0}",
        Usage, "A ConvNeXt block normalises with its own layer norm over the channels and uses GELU, so the network's Normalization, NormGroups and Activation do not apply to it.",
        DiagnosticSeverity.Warning);

    /// <summary>UNET0900: "UNetDsl could not generate '{0}' ({1}: {2}); this is a bug in UNetDsl, please report it with the declaration".</summary>
    public static readonly DiagnosticDescriptor GeneratorFailure = Create(
        "UNET0900", "The generator failed",
        "UNetDsl could not generate '{0}' ({1}: {2}); this is a bug in UNetDsl, please report it with the declaration",
        Usage, "The generator caught an internal failure instead of crashing the compiler. No code was generated for the class.");

    /// <summary>UNET1001: "The feature map shrinks to nothing at {0}: axis {1} would be {2}; the smallest valid input size on axis {1} is {3} (valid sizes: {4})".</summary>
    public static readonly DiagnosticDescriptor FeatureMapVanishes = Create(
        FixableDiagnostics.FeatureMapVanishesId, "Feature map shrinks to nothing",
        "The feature map shrinks to nothing at {0}: axis {1} would be {2}; the smallest valid input size on axis {1} is {3} (valid sizes: {4})",
        Shapes, "Each 'Valid' convolution loses kernel - 1 pixels per axis and each pooling halves the size: a small input runs out of pixels.");

    /// <summary>UNET1002: "Max-pooling after level {0} cannot {7} {1} exactly ({2}), so the skip {1} cannot line up with the up-sampled {4}; nearest valid input sizes on axis {3}: {5} (valid sizes: {6})".</summary>
    public static readonly DiagnosticDescriptor PoolingNotExact = Create(
        FixableDiagnostics.PoolingNotExactId, "Pooling cannot halve the size exactly",
        "Max-pooling after level {0} cannot {7} {1} exactly ({2}), so the skip {1} cannot line up with the up-sampled {4}; nearest valid input sizes on axis {3}: {5} (valid sizes: {6})",
        Shapes, "2x2 max-pooling of an odd size drops a row; up-sampling cannot bring it back, so the skip and the decoder map differ by a pixel.");

    /// <summary>UNET1003: "Level {0} adds its skip {1} to the up-sampled {2}, but element-wise addition needs equal channels; set UpChannels = {3} or use Skip = SkipKind.Concat".</summary>
    public static readonly DiagnosticDescriptor SkipChannelMismatch = Create(
        "UNET1003", "Skip channels do not match",
        "Level {0} adds its skip {1} to the up-sampled {2}, but element-wise addition needs equal channels; set UpChannels = {3} or use Skip = SkipKind.Concat",
        Shapes, "An additive skip needs the up-sampled decoder map and the encoder map to have the same channels.");

    /// <summary>UNET1004: "Level {0} joins the skip from level {1} {2} to the up-sampled {3}, but {4}; {5}".</summary>
    public static readonly DiagnosticDescriptor SkipSpatialMismatch = Create(
        "UNET1004", "Skip spatial size does not match",
        "Level {0} joins the skip from level {1} {2} to the up-sampled {3}, but {4}; {5}",
        Shapes, "A skip is joined to the decoder map of the same size ('Same' padding) or centre-cropped to it ('Valid' padding); a skip smaller than the decoder map, or one from another resolution, cannot be.");

    /// <summary>UNET1005: "No input size works for '{0}': {1}".</summary>
    public static readonly DiagnosticDescriptor NoValidInputSize = Create(
        "UNET1005", "No input size works",
        "No input size works for '{0}': {1}",
        Shapes, "The declared levels and skips line up for no input size, or only for finitely many, so there is no rule of valid sizes that repeat.");

    /// <summary>UNET1006: "{0} does not fit in {1} (at most {2}) with {3} = {4}; use a smaller {3}".</summary>
    public static readonly DiagnosticDescriptor ValueOutOfRange = Create(
        "UNET1006", "Computed size or count out of range",
        "{0} does not fit in {1} (at most {2}) with {3} = {4}; use a smaller {3}",
        Shapes, "Sizes (input and output sizes, valid-size rules, receptive field) are emitted as int and counts (parameters, multiply-accumulates) as long; a declaration that makes one larger would get a wrapped-around, negative constant.");

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = new()
    {
        [NotPartial.Id] = NotPartial,
        [NestedType.Id] = NestedType,
        [GenericType.Id] = GenericType,
        [UnsupportedType.Id] = UnsupportedType,
        [MissingPart.Id] = MissingPart,
        [NotPositive.Id] = NotPositive,
        [KernelSizeInvalid.Id] = KernelSizeInvalid,
        [GroupsDoNotDivide.Id] = GroupsDoNotDivide,
        [DimensionsInvalid.Id] = DimensionsInvalid,
        [InputSizeArity.Id] = InputSizeArity,
        [DropoutOutOfRange.Id] = DropoutOutOfRange,
        [InvalidArgument.Id] = InvalidArgument,
        [PerAxisArity.Id] = PerAxisArity,
        [ConditioningRequirement.Id] = ConditioningRequirement,
        [HeadsDoNotDivide.Id] = HeadsDoNotDivide,
        [LevelsOnSeveralDeclarations.Id] = LevelsOnSeveralDeclarations,
        [AttributeWithoutUNet.Id] = AttributeWithoutUNet,
        [NamedLikeGeneratedMember.Id] = NamedLikeGeneratedMember,
        [ConvNeXtConditioned.Id] = ConvNeXtConditioned,
        [ConvNeXtIgnoresArgument.Id] = ConvNeXtIgnoresArgument,
        [GeneratorFailure.Id] = GeneratorFailure,
        [FeatureMapVanishes.Id] = FeatureMapVanishes,
        [PoolingNotExact.Id] = PoolingNotExact,
        [SkipChannelMismatch.Id] = SkipChannelMismatch,
        [SkipSpatialMismatch.Id] = SkipSpatialMismatch,
        [NoValidInputSize.Id] = NoValidInputSize,
        [ValueOutOfRange.Id] = ValueOutOfRange,
    };

    /// <summary>Every descriptor, in ID order.</summary>
    public static IEnumerable<DiagnosticDescriptor> All
    {
        get
        {
            var ids = new List<string>(s_byId.Keys);
            ids.Sort(System.StringComparer.Ordinal);
            foreach (var id in ids)
            {
                yield return s_byId[id];
            }
        }
    }

    public static DiagnosticDescriptor ById(string id) => s_byId[id];

    private static DiagnosticDescriptor Create(string id, string title, string message, string category, string description, DiagnosticSeverity severity = DiagnosticSeverity.Error) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, description, HelpBase + id + ".md");
}
