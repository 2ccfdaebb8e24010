using System;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Diagnostics;

/// <summary>
/// Sizes are emitted as int and counts as long: a declaration that makes one larger gets UNET1006 on the argument
/// to blame, never a wrapped-around constant that compiles.
/// </summary>
public class OverflowTests
{
    [Theory]
    [InlineData("1, 2", "[Level(int.MaxValue)]", "[Bottleneck(16)]", "int.MaxValue",
        "The parameter count does not fit in long (at most 9223372036854775807) with Level 1 Channels[0] = 2147483647; use a smaller Level 1 Channels[0]")]
    [InlineData("1, 2, KernelSize = int.MaxValue", "[Level(64)]", "[Bottleneck(128)]", "KernelSize = int.MaxValue",
        "The parameter count does not fit in long (at most 9223372036854775807) with KernelSize = 2147483647; use a smaller KernelSize")]
    [InlineData("1, 2, Padding = ConvPadding.Valid, KernelSize = int.MaxValue", "[Level(1)]", "[Bottleneck(1)]", "KernelSize = int.MaxValue",
        "The parameter count does not fit in long (at most 9223372036854775807) with KernelSize = 2147483647; use a smaller KernelSize")]
    [InlineData("1, 2, Padding = ConvPadding.Valid, Kernel = new[] { 3, int.MaxValue }", "[Level(1)]", "[Bottleneck(1)]", "int.MaxValue",
        "The smallest valid input size on axis W does not fit in int (at most 2147483647) with Kernel[1] = 2147483647; use a smaller Kernel[1]")]
    [InlineData("1, 2, InputSize = new[] { 1 << 30, 1 << 30 }", "[Level(64)]", "[Bottleneck(128)]", "1 << 30",
        "The multiply-accumulate count at the input size does not fit in long (at most 9223372036854775807) with InputSize[0] = 1073741824; use a smaller InputSize[0]")]
    [InlineData("1, 2, Dimensions = 3, Kernel = new[] { 3, 3, int.MaxValue }", "[Level(8)]", "[Bottleneck(16)]", "int.MaxValue",
        "The receptive field on axis W does not fit in int (at most 2147483647) with Kernel[2] = 2147483647; use a smaller Kernel[2]")]
    [InlineData("1, 2", "[Level(8, Pool = new[] { 65536, 2 })]\n[Level(8, Pool = new[] { 65536, 2 })]", "[Bottleneck(16)]", "65536",
        "The pooling period on axis H does not fit in int (at most 2147483647) with Level 1 Pool[0] = 65536; use a smaller Level 1 Pool[0]")]
    public void A_value_beyond_its_type_is_UNET1006_on_the_argument(string unet, string levels, string bottleneck, string located, string? message)
    {
        var outcome = GeneratorHarness.Run(Declarations.With(unet, levels, bottleneck));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET1006", diagnostic.Id);
        Assert.Equal(located, GeneratorHarness.LocatedText(diagnostic));
        if (message is not null)
        {
            Assert.Equal(message, diagnostic.GetMessage(CultureInfo.InvariantCulture));
        }

        Assert.Empty(outcome.HintNames);
    }

    [Fact]
    public void Thirty_one_levels_of_default_pooling_are_UNET1006_on_the_deepest_level()
    {
        var outcome = GeneratorHarness.Run(Declarations.With("1, 2", string.Join("\n", Enumerable.Repeat("[Level(1)]", 31)), "[Bottleneck(1)]"));

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET1006", diagnostic.Id);
        Assert.Equal("Level(1)", GeneratorHarness.LocatedText(diagnostic));
        Assert.Equal(31, diagnostic.Location.GetLineSpan().StartLinePosition.Line - 4);
        Assert.Equal(
            "The pooling period on axis H does not fit in int (at most 2147483647) with the number of levels = 31; use a smaller the number of levels",
            diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// A sweep of large values in every numeric argument: either a UNET error, or generated constants that are all
    /// in range (no negative count or size) and compile.
    /// </summary>
    [Fact]
    public void Large_values_anywhere_give_an_error_or_constants_in_range()
    {
        var random = new Random(1006);
        string Big() => new[] { "int.MaxValue", "1 << 30", "1 << 24", "65535", "46341", "3037000499" == "" ? "" : "1 << 20" }[random.Next(6)];
        var generated = 0;
        var overflowed = 0;
        for (var n = 0; n < 60; n++)
        {
            var dimensions = random.Next(2, 4);
            var padding = random.Next(2) == 0 ? "Valid" : "Same";
            var unet = new System.Collections.Generic.List<string> { random.Next(4) == 0 ? Big() : "1", random.Next(6) == 0 ? Big() : "2", "Dimensions = " + dimensions, "Padding = ConvPadding." + padding };
            var level = new System.Collections.Generic.List<string> { random.Next(3) == 0 ? Big() : "8" };
            var bottleneck = random.Next(4) == 0 ? Big() : "16";
            switch (random.Next(5))
            {
                case 0: unet.Add("KernelSize = " + (padding == "Same" ? "int.MaxValue" : Big())); break;
                case 1: unet.Add("InputSize = new[] { " + Big() + " }"); break;
                case 2: level.Add("Pool = new[] { " + string.Join(", ", Enumerable.Repeat(Big(), dimensions)) + " }"); break;
                case 3: level.Add("DecoderChannels = new[] { " + Big() + " }"); break;
                default: level.Add("UpChannels = " + Big()); break;
            }

            var source = Declarations.With(string.Join(", ", unet), "[Level(" + string.Join(", ", level) + ")]", "[Bottleneck(" + bottleneck + ")]");
            var outcome = GeneratorHarness.Run(source);
            Assert.Null(outcome.GeneratorException);
            Assert.DoesNotContain(outcome.GeneratorDiagnostics, d => d.Id == "UNET0900");
            if (outcome.GeneratorDiagnostics.Any(d => d.Id == "UNET1006"))
            {
                overflowed++;
            }

            if (outcome.GeneratorDiagnostics.Length > 0)
            {
                continue;
            }

            generated++;
            var generatedSource = outcome.GeneratedSource("Test.Net.g.cs");
            foreach (Match constant in Regex.Matches(generatedSource, @"(?:const (?:long|int) \w+ = |new int\[\] \{ |ValidSizeRule\()(?<values>-?[0-9][0-9, L-]*)"))
            {
                foreach (var value in constant.Groups["values"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    Assert.True(long.Parse(value.TrimEnd('L'), CultureInfo.InvariantCulture) >= 0, "negative constant " + constant.Value + " in\n" + source);
                }
            }
        }

        Assert.True(overflowed >= 5, overflowed + " overflowing declarations");
    }
}
