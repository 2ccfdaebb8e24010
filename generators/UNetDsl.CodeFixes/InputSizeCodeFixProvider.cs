using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
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
public sealed class InputSizeCodeFixProvider : CodeFixProvider
{
    /// <summary>The equivalence key of "use the nearest valid size below".</summary>
    public const string NearestBelowKey = "UNetDsl.InputSize.NearestBelow";

    /// <summary>The equivalence key of "use the nearest valid size above".</summary>
    public const string NearestAboveKey = "UNetDsl.InputSize.NearestAbove";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(FixableDiagnostics.PoolingNotExactId, FixableDiagnostics.FeatureMapVanishesId);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (!FixProperties.TryRead(diagnostic, out _, out var suggestions)
                || !FixProperties.TryInt(diagnostic, FixableDiagnostics.AxisKey, out var axis)
                || FindElement(root, diagnostic, axis) is not { } element)
            {
                continue;
            }

            foreach (var suggestion in suggestions)
            {
                var value = suggestion.Value;
                var direction = FixProperties.Direction(suggestion);
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Use input size " + value.ToString(CultureInfo.InvariantCulture) + " (nearest valid " + direction + ")",
                        cancellationToken => ReplaceAsync(context.Document, element, value, cancellationToken),
                        suggestion.IsBelow ? NearestBelowKey : NearestAboveKey),
                    diagnostic);
            }
        }
    }

    /// <summary>
    /// The element the diagnostic is on, provided it is element <paramref name="axis"/> of an <c>InputSize</c> array
    /// (array creation or collection expression); a diagnostic on the whole attribute (no InputSize written) has none.
    /// </summary>
    private static ExpressionSyntax? FindElement(SyntaxNode root, Diagnostic diagnostic, int axis)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax element)
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

    private static async Task<Document> ReplaceAsync(Document document, ExpressionSyntax element, int value, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var literal = SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(value)).WithTriviaFrom(element);
        return document.WithSyntaxRoot(root.ReplaceNode(element, literal));
    }
}
