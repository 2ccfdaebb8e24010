using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
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
/// UNET0008 (NormGroups) and UNET0015 (Heads): sets the count to the nearest divisor of the channels below it and,
/// where there is one, above it. The divisors come from the diagnostic's properties. When the count was left at its
/// default, the diagnostic is on the attribute and the fix adds the named argument.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DivisorCountCodeFixProvider))]
[Shared]
public sealed class DivisorCountCodeFixProvider : CodeFixProvider
{
    /// <summary>The equivalence key of "use the nearest divisor below" (the argument name is appended).</summary>
    public const string NearestBelowKey = "UNetDsl.Divisor.NearestBelow.";

    /// <summary>The equivalence key of "use the nearest divisor above" (the argument name is appended).</summary>
    public const string NearestAboveKey = "UNetDsl.Divisor.NearestAbove.";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(FixableDiagnostics.GroupsDoNotDivideId, FixableDiagnostics.HeadsDoNotDivideId);

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
                || !diagnostic.Properties.TryGetValue(FixableDiagnostics.ArgumentKey, out var name)
                || string.IsNullOrEmpty(name))
            {
                continue;
            }

            var target = root.FindNode(diagnostic.Location.SourceSpan);
            var fits = target switch
            {
                AttributeArgumentSyntax argument => argument.NameEquals?.Name.Identifier.ValueText == name,
                AttributeSyntax => true,
                _ => false,
            };
            if (!fits)
            {
                continue;
            }

            foreach (var suggestion in suggestions)
            {
                var value = suggestion.Value;
                var direction = FixProperties.Direction(suggestion);
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Use " + name + " = " + value.ToString(CultureInfo.InvariantCulture) + " (nearest divisor " + direction + ")",
                        cancellationToken => SetAsync(context.Document, target, name!, value, cancellationToken),
                        (suggestion.IsBelow ? NearestBelowKey : NearestAboveKey) + name),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> SetAsync(Document document, SyntaxNode target, string name, int value, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var literal = SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(value));
        SyntaxNode replacement;
        if (target is AttributeArgumentSyntax argument)
        {
            replacement = argument.WithExpression(literal.WithTriviaFrom(argument.Expression));
        }
        else
        {
            // The count was left at its default: write it as a named argument at the end of the attribute.
            var attribute = (AttributeSyntax)target;
            var added = SyntaxFactory.AttributeArgument(
                SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName(name), SyntaxFactory.Token(SyntaxFactory.TriviaList(SyntaxFactory.Space), SyntaxKind.EqualsToken, SyntaxFactory.TriviaList(SyntaxFactory.Space))),
                nameColon: null,
                literal);
            var list = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
            var separators = list.Arguments.GetSeparators();
            var arguments = list.Arguments.Count == 0
                ? SyntaxFactory.SingletonSeparatedList(added)
                : SyntaxFactory.SeparatedList(
                    list.Arguments.Add(added),
                    System.Linq.Enumerable.Concat(separators, new[] { SyntaxFactory.Token(SyntaxFactory.TriviaList(), SyntaxKind.CommaToken, SyntaxFactory.TriviaList(SyntaxFactory.Space)) }));
            replacement = attribute.WithArgumentList(list.WithArguments(arguments));
        }

        return document.WithSyntaxRoot(root.ReplaceNode(target, replacement));
    }
}
