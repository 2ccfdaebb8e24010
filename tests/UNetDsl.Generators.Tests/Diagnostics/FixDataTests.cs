using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using UNetDsl.Generators.Model;
using Xunit;

namespace UNetDsl.Generators.Tests.Diagnostics;

/// <summary>The data the generator hands to the code fixes: value-equal in the pipeline, and carried into Diagnostic.Properties.</summary>
public class FixDataTests
{
    private static readonly SyntaxTree s_tree = CSharpSyntaxTree.ParseText("class C { }");

    private static DiagnosticInfo Info(string suggestions) => new(
        "UNET1002",
        new LocationInfo(s_tree, new TextSpan(0, 5)),
        EquatableArray.Create("a"),
        EquatableArray.Create(FixData.Axis(1), FixData.Value(570), new DiagnosticProperty("SuggestedValues", suggestions)));

    [Fact]
    public void Diagnostic_infos_with_equal_properties_are_equal_and_differ_when_a_property_does()
    {
        Assert.Equal(Info("556,572"), Info("556,572"));
        Assert.Equal(Info("556,572").GetHashCode(), Info("556,572").GetHashCode());
        Assert.NotEqual(Info("556,572"), Info("572"));
    }

    [Fact]
    public void Properties_reach_the_diagnostic()
    {
        var diagnostic = Info("556,572").ToDiagnostic();

        Assert.Equal("1", diagnostic.Properties["Axis"]);
        Assert.Equal("570", diagnostic.Properties["Value"]);
        Assert.Equal("556,572", diagnostic.Properties["SuggestedValues"]);
    }

    [Theory]
    [InlineData(64, 3, 2, 4)]
    [InlineData(32, 48, 32, null)]
    [InlineData(12, 8, 6, 12)]
    [InlineData(16, 1, null, 2)]
    public void Nearest_divisors_sit_on_either_side_of_the_count(int common, int count, int? below, int? above)
    {
        Assert.Equal((below, above), FixData.NearestDivisors(common, count));
    }

    [Theory]
    [InlineData(2, 556, 572, "556,572")]
    [InlineData(1, null, 188, "188")]
    public void Suggestions_are_ascending_and_leave_out_a_missing_side(int count, int? below, int above, string expected)
    {
        var property = FixData.Suggestions(below, above);

        Assert.Equal("SuggestedValues", property.Key);
        Assert.Equal(expected, property.Value);
        Assert.Equal(count, property.Value.Split(',').Length);
    }
}
