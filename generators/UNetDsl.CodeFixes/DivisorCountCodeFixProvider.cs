using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
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
public sealed class DivisorCountCodeFixProvider : SuggestedValueCodeFixProvider
{
    /// <summary>The equivalence key of "use the nearest divisor below" (the argument name is appended).</summary>
    public const string NearestBelowKey = "UNetDsl.Divisor.NearestBelow.";

    /// <summary>The equivalence key of "use the nearest divisor above" (the argument name is appended).</summary>
    public const string NearestAboveKey = "UNetDsl.Divisor.NearestAbove.";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(FixableDiagnostics.GroupsDoNotDivideId, FixableDiagnostics.HeadsDoNotDivideId);

    /// <summary>
    /// The named argument the diagnostic is on, provided it is the one the diagnostic names, or the attribute when
    /// the count was left at its default; a diagnostic without the argument's name has none.
    /// </summary>
    private protected override SyntaxNode? FindTarget(SyntaxNode root, Diagnostic diagnostic)
    {
        if (Argument(diagnostic) is not { Length: > 0 } name)
        {
            return null;
        }

        var target = root.FindNode(diagnostic.Location.SourceSpan);
        var fits = target switch
        {
            AttributeArgumentSyntax argument => argument.NameEquals?.Name.Identifier.ValueText == name,
            AttributeSyntax => true,
            _ => false,
        };
        return fits ? target : null;
    }

    private protected override string Title(Diagnostic diagnostic, Suggestion suggestion) =>
        "Use " + Argument(diagnostic) + " = " + suggestion.Value.ToString(CultureInfo.InvariantCulture) + " (nearest divisor " + FixProperties.Direction(suggestion) + ")";

    private protected override string EquivalenceKey(Diagnostic diagnostic, Suggestion suggestion) =>
        (suggestion.IsBelow ? NearestBelowKey : NearestAboveKey) + Argument(diagnostic);

    private protected override SyntaxNode WithValue(SyntaxNode target, Diagnostic diagnostic, int value)
    {
        var literal = SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(value));
        if (target is AttributeArgumentSyntax argument)
        {
            return argument.WithExpression(literal.WithTriviaFrom(argument.Expression));
        }

        // The count was left at its default: write it as a named argument at the end of the attribute.
        var attribute = (AttributeSyntax)target;
        var added = SyntaxFactory.AttributeArgument(
            SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName(Argument(diagnostic)!), SyntaxFactory.Token(SyntaxFactory.TriviaList(SyntaxFactory.Space), SyntaxKind.EqualsToken, SyntaxFactory.TriviaList(SyntaxFactory.Space))),
            nameColon: null,
            literal);
        var list = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
        var separators = list.Arguments.GetSeparators();
        var arguments = list.Arguments.Count == 0
            ? SyntaxFactory.SingletonSeparatedList(added)
            : SyntaxFactory.SeparatedList(
                list.Arguments.Add(added),
                separators.Concat(new[] { SyntaxFactory.Token(SyntaxFactory.TriviaList(), SyntaxKind.CommaToken, SyntaxFactory.TriviaList(SyntaxFactory.Space)) }));
        return attribute.WithArgumentList(list.WithArguments(arguments));
    }

    /// <summary>The named argument to set, <c>NormGroups</c> or <c>Heads</c>, as the generator names it.</summary>
    private static string? Argument(Diagnostic diagnostic) =>
        diagnostic.Properties.TryGetValue(FixableDiagnostics.ArgumentKey, out var name) ? name : null;
}
