using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using UNetDsl.Generators.Model;
using UNetDsl.Generators.Parsing;
using UNetDsl.Generators.Tests.Shapes;
using Xunit;

namespace UNetDsl.Generators.Tests.Diagnostics;

/// <summary>
/// UNET0900: no declaration triggers a failure of the generator on purpose, so the wrapping that turns an exception in
/// validation into the diagnostic (instead of the compiler's CS8785) is tested directly, with a spec no parser makes.
/// </summary>
public class GeneratorFailureTests
{
    [Fact]
    public void An_exception_in_validation_is_UNET0900_on_the_class_name_and_nothing_is_emitted()
    {
        var tree = CSharpSyntaxTree.ParseText("namespace Test;\n\npublic partial class Net { }\n");
        var identifier = tree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().Single().Identifier;
        var spec = ShapeEngineTests.Spec(PaddingKind.Same, new[] { new[] { 8 } }, new[] { 16 }) with
        {
            // A level the parser never leaves out: the checks dereference it.
            Levels = new EquatableArray<LevelSpec>(new LevelSpec[] { null! }),
        };
        var declaration = new ParsedDeclaration(
            spec,
            EquatableArray.Create(new ArgumentLocation(ArgumentPath.Class, new LocationInfo(tree, identifier.Span))),
            EquatableArray<DiagnosticInfo>.Empty);

        var outcome = UNetGenerator.Check(declaration);

        Assert.Null(outcome.EmitInput);
        var diagnostic = Assert.Single(outcome.Diagnostics).ToDiagnostic();
        Assert.Equal("UNET0900", diagnostic.Id);
        Assert.Equal("Net", tree.GetText().ToString(diagnostic.Location.SourceSpan));
        Assert.Equal(
            "UNetDsl could not generate 'Net' (NullReferenceException: Object reference not set to an instance of an object.); this is a bug in UNetDsl, please report it with the declaration",
            diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }
}
