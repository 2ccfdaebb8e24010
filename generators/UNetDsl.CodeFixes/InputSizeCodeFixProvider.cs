using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using UNetDsl.Generators.Diagnostics;

namespace UNetDsl.CodeFixes;

/// <summary>
/// UNET1002 (pooling cannot divide the input size exactly) and UNET1001 (the input is too small): replaces the
/// offending element of <c>InputSize = new[] { ... }</c> with the nearest valid size, one action for the nearest
/// below and one for the nearest above. The sizes come from the diagnostic's properties; nothing is recomputed.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InputSizeCodeFixProvider))]
[Shared]
public sealed class InputSizeCodeFixProvider : SuggestedValueCodeFixProvider
{
    /// <summary>The equivalence key of "use the nearest valid size below".</summary>
    public const string NearestBelowKey = "UNetDsl.InputSize.NearestBelow";

    /// <summary>The equivalence key of "use the nearest valid size above".</summary>
    public const string NearestAboveKey = "UNetDsl.InputSize.NearestAbove";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(FixableDiagnostics.PoolingNotExactId, FixableDiagnostics.FeatureMapVanishesId);

    /// <summary>
    /// The element the diagnostic is on, provided it is element <see cref="FixableDiagnostics.AxisKey"/> of an
    /// <c>InputSize</c> array (array creation or collection expression); a diagnostic on the whole attribute (no
    /// InputSize written) or without the axis has none.
    /// </summary>
    private protected override SyntaxNode? FindTarget(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!FixProperties.TryInt(diagnostic, FixableDiagnostics.AxisKey, out var axis)
            || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax element)
        {
            return null;
        }

        int index;
        SyntaxNode? array;
        switch (element.Parent)
        {
            case InitializerExpressionSyntax initializer:
                index = initializer.Expressions.IndexOf(element);
                array = initializer.Parent;
                break;
            case ExpressionElementSyntax { Parent: CollectionExpressionSyntax collection } item:
                index = collection.Elements.IndexOf(item);
                array = collection;
                break;
            default:
                return null;
        }

        var isInputSize = array?.Parent is AttributeArgumentSyntax { NameEquals.Name.Identifier.ValueText: "InputSize" };
        return isInputSize && index == axis ? element : null;
    }

    private protected override string Title(Diagnostic diagnostic, Suggestion suggestion) =>
        "Use input size " + suggestion.Value.ToString(CultureInfo.InvariantCulture) + " (nearest valid " + FixProperties.Direction(suggestion) + ")";

    private protected override string EquivalenceKey(Diagnostic diagnostic, Suggestion suggestion) =>
        suggestion.IsBelow ? NearestBelowKey : NearestAboveKey;

    private protected override SyntaxNode WithValue(SyntaxNode target, Diagnostic diagnostic, int value) =>
        SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(value)).WithTriviaFrom(target);
}
