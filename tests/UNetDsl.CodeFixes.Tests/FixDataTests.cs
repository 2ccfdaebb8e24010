using System.Threading.Tasks;
using UNetDsl.CodeFixes.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.CodeFixes.Tests;

/// <summary>The generator hands the fixes their data in Diagnostic.Properties, where the diagnostic is created.</summary>
public class FixDataTests
{
    [Fact]
    public async Task Pooling_diagnostic_names_the_axis_its_value_and_both_neighbours()
    {
        using var scenario = FixScenario.Create(
            "using UNetDsl;\n[UNet(1, 2, Padding = ConvPadding.Valid, InputSize = new[] { 572, 570 })]\n"
            + "[Level(64)] [Level(128)] [Level(256)] [Level(512)]\n[Bottleneck(1024)]\npublic partial class Net { }\n");
        var diagnostic = await scenario.DiagnosticAsync("UNET1002");

        Assert.Equal("1", diagnostic.Properties["Axis"]);
        Assert.Equal("570", diagnostic.Properties["Value"]);
        Assert.Equal("556,572", diagnostic.Properties["SuggestedValues"]);
        Assert.Contains("nearest valid input sizes on axis W: 556 or 572", diagnostic.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public async Task Group_diagnostic_names_the_argument_its_value_and_the_divisors_around_it()
    {
        using var scenario = FixScenario.Create(
            "using UNetDsl;\n[UNet(1, 2, Normalization = Normalization.Group, NormGroups = 5)]\n[Level(24)]\n[Bottleneck(48)]\npublic partial class Net { }\n");
        var diagnostic = await scenario.DiagnosticAsync("UNET0008");

        // Divisors of 24 (the common divisor of 24, 48 and 24): 4 below 5, 6 above.
        Assert.Equal("NormGroups", diagnostic.Properties["Argument"]);
        Assert.Equal("5", diagnostic.Properties["Value"]);
        Assert.Equal("4,6", diagnostic.Properties["SuggestedValues"]);
    }

    [Fact]
    public async Task Not_partial_carries_no_properties()
    {
        using var scenario = FixScenario.Create("using UNetDsl;\n[UNet(1, 2)]\n[Level(8)]\n[Bottleneck(16)]\npublic class Net { }\n");
        var diagnostic = await scenario.DiagnosticAsync("UNET0001");

        Assert.Empty(diagnostic.Properties);
    }
}
