using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Diagnostics;

/// <summary>
/// The forms of class a U-Net cannot be, attributes that would be ignored or depend on file order, and names the
/// module cannot take: each diagnostic with its ID, span and message arguments.
/// </summary>
public class DeclarationFormTests
{
    private const string Parts = "[UNet(1, 2)]\n[Level(8)]\n[Bottleneck(16)]\n";

    private static GeneratorOutcome Run(params string[] sources) =>
        GeneratorHarness.Run(sources.Select(s => "using UNetDsl;\n\nnamespace Test;\n\n" + s).ToArray());

    private static string Message(Diagnostic diagnostic) => diagnostic.GetMessage(CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("public abstract partial class Net { }", "abstract")]
    [InlineData("file partial class Net { }", "file-local")]
    [InlineData("public static partial class Net { }", "static")]
    [InlineData("public partial record Net;", "a record")]
    [InlineData("public sealed partial record class Net;", "a record")]
    [InlineData("public partial record struct Net;", "a record struct")]
    [InlineData("public partial struct Net { }", "a struct")]
    [InlineData("public readonly partial struct Net { }", "a struct")]
    [InlineData("public ref partial struct Net { }", "a ref struct")]
    [InlineData("public partial interface Net { }", "an interface")]
    public void Unsupported_forms_are_UNET0004_on_the_class_name(string declaration, string form)
    {
        var outcome = Run(Parts + declaration);

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET0004", diagnostic.Id);
        Assert.Equal("Net", GeneratorHarness.LocatedText(diagnostic));
        Assert.Equal("'Net' is " + form + "; a U-Net must be a plain class (not static, not a record) without a base class", Message(diagnostic));
        Assert.Null(outcome.GeneratorException);
        Assert.Empty(outcome.HintNames);
    }

    // The first value of a row says what the case is; the test does not read it.
    [Theory]
    [InlineData("a sealed class is a plain class", new[] { Parts + "public sealed partial class Net { }" })]
    [InlineData(
        "levels on one partial declaration, rest on others",
        new[] { "[Bottleneck(32)]\npublic partial class Net { }", "[Level(8)]\n[Level(16)]\npublic partial class Net { }", "[UNet(1, 2)]\npublic partial class Net { }" })]
    public void A_valid_form_is_generated(string _, string[] sources)
    {
        var outcome = Run(sources);

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompileErrors);
        Assert.Equal(3, outcome.HintNames.Count());
    }

    [Fact]
    public void Levels_on_two_partial_declarations_are_UNET0016_on_the_first_level_of_the_second()
    {
        var outcome = Run(
            "[UNet(1, 2)]\n[Level(8)]\n[Bottleneck(32)]\npublic partial class Net { }",
            "[Level(16)]\n[Level(24)]\npublic partial class Net { }");

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET0016", diagnostic.Id);
        Assert.Equal("Level(16)", GeneratorHarness.LocatedText(diagnostic));
        Assert.Equal("Source1.cs", diagnostic.Location.SourceTree!.FilePath);
        Assert.Equal(
            "'Net' declares [Level(16)] on another partial declaration than its first [Level]; declare every [Level] on one declaration, finest first, since C# gives partial declarations no order",
            Message(diagnostic));
        Assert.Empty(outcome.HintNames);
    }

    [Theory]
    [InlineData("[Level(8)]\npublic partial class Net { }", "Level(8)", "[Level]")]
    [InlineData("[Bottleneck(8)]\npublic class Net { }", "Bottleneck(8)", "[Bottleneck]")]
    [InlineData("[Conditioning(TimeChannels = 16)]\npublic class Net { }", "Conditioning(TimeChannels = 16)", "[Conditioning]")]
    public void An_attribute_without_UNet_is_the_warning_UNET0017_on_the_attribute(string declaration, string locatedText, string attribute)
    {
        var outcome = Run(declaration);

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET0017", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal(locatedText, GeneratorHarness.LocatedText(diagnostic));
        Assert.Equal(attribute + " on 'Net' has no effect: 'Net' has no [UNet] attribute; add [UNet(inChannels, classes)] to the class or remove " + attribute, Message(diagnostic));
        Assert.Empty(outcome.HintNames);
    }

    [Fact]
    public void Each_attribute_without_UNet_is_reported_once_and_UNet_on_another_partial_declaration_counts()
    {
        var stray = Run("[Level(8)]\n[Level(16)]\n[Bottleneck(8)]\npublic partial class Stray { }\n");
        Assert.Equal(new[] { "Bottleneck(8)", "Level(16)", "Level(8)" }, stray.GeneratorDiagnostics.Select(GeneratorHarness.LocatedText).OrderBy(t => t, System.StringComparer.Ordinal));
        Assert.All(stray.GeneratorDiagnostics, d => Assert.Equal("UNET0017", d.Id));

        var split = Run("[Level(8)]\n[Bottleneck(16)]\npublic partial class Net { }", "[UNet(1, 2)]\npublic partial class Net { }");
        Assert.Empty(split.GeneratorDiagnostics);
        Assert.Equal(3, split.HintNames.Count());
    }

    [Theory]
    [InlineData("Summary")]
    [InlineData("Geometry")]
    [InlineData("forward")]
    [InlineData("enc1")]
    [InlineData("head")]
    [InlineData("Consume")]
    public void A_class_named_like_a_generated_member_is_UNET0018_on_the_class_name(string name)
    {
        var outcome = Run(Parts + "public partial class " + name + " { }");

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("UNET0018", diagnostic.Id);
        Assert.Equal(name, GeneratorHarness.LocatedText(diagnostic));
        Assert.Equal("'" + name + "' is the name of a member UNetDsl generates in the class, and C# forbids a member named like its class; rename the class", Message(diagnostic));
        Assert.Empty(outcome.HintNames);
    }

    [Theory]
    [InlineData("[Level(8)]\n[Level(16)]\n[Bottleneck(16)]\npublic partial class HeadOutputs { }")]
    [InlineData("[Level(8)]\n[Bottleneck(16)]\npublic partial class enc2 { }")]
    [InlineData("[Level(8)]\n[Bottleneck(16)]\npublic partial class Forward { }")]
    public void A_name_the_network_does_not_generate_is_free(string declaration)
    {
        var outcome = Run("[UNet(1, 2)]\n" + declaration);

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompileErrors);
    }
}
