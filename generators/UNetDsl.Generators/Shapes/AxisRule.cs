namespace UNetDsl.Generators.Shapes;

/// <summary>
/// The valid input sizes of one axis: <c>MinInput + Step * k</c> for k = 0, 1, 2, ...; each gives an output of
/// <c>input - Shrink</c>. The compiler's side of the runtime's <c>UNetDsl.ValidSizeRule</c>: both compute with
/// <see cref="ValidSizeArithmetic"/>, one source file compiled into each.
/// </summary>
internal readonly record struct AxisRule(int MinInput, int Step, int Shrink)
{
    public bool IsValid(int size) => ValidSizeArithmetic.IsValid(size, MinInput, Step);

    /// <summary>The largest valid size an <c>int</c> holds.</summary>
    public int MaxInput => ValidSizeArithmetic.MaxInput(MinInput, Step);

    /// <summary>
    /// The largest valid size at or below <paramref name="size"/> and the smallest at or above it; null where there is
    /// none (below the smallest, or above the largest an <c>int</c> holds).
    /// </summary>
    public (int? Below, int? Above) Nearest(int size) => ValidSizeArithmetic.Nearest(size, MinInput, Step);

    /// <summary>"188 + 16k".</summary>
    public string Describe() => ValidSizeArithmetic.Describe(MinInput, Step);

    /// <summary>"556 or 572", or "572" when the size is valid.</summary>
    public string DescribeNearest(int size)
    {
        var (below, above) = Nearest(size);
        return ValidSizeArithmetic.DescribeNearest(below, above);
    }
}
