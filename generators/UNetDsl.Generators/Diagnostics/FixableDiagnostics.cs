namespace UNetDsl.Generators.Diagnostics;

// The contract between the generator and UNetDsl.CodeFixes: the IDs that have a code fix and the keys of the
// Diagnostic.Properties the generator fills for them. This file is compiled into both assemblies (linked source), so
// the two cannot drift apart and the code fixes need no reference to the generator.
internal static class FixableDiagnostics
{
    /// <summary>UNET0001: the class is not partial. No properties; the fix adds the modifier.</summary>
    public const string NotPartialId = "UNET0001";

    /// <summary>UNET0008: NormGroups does not divide every convolution's channels.</summary>
    public const string GroupsDoNotDivideId = "UNET0008";

    /// <summary>UNET0015: Heads does not divide every attended level's channels.</summary>
    public const string HeadsDoNotDivideId = "UNET0015";

    /// <summary>UNET1001: an input size so small that a feature map vanishes.</summary>
    public const string FeatureMapVanishesId = "UNET1001";

    /// <summary>UNET1002: an input size that a pooling cannot divide exactly.</summary>
    public const string PoolingNotExactId = "UNET1002";

    /// <summary>The replacement values, ascending, comma-separated, invariant culture: "188,204". At most one below and one above <see cref="ValueKey"/>.</summary>
    public const string SuggestedValuesKey = "SuggestedValues";

    /// <summary>The value the declaration has now, so that a fix can tell a smaller suggestion from a larger one.</summary>
    public const string ValueKey = "Value";

    /// <summary>For input sizes: the index of the offending element in <c>InputSize</c> (0 when one value stands for every axis).</summary>
    public const string AxisKey = "Axis";

    /// <summary>For counts: the named attribute argument to set, <c>NormGroups</c> or <c>Heads</c>.</summary>
    public const string ArgumentKey = "Argument";
}
