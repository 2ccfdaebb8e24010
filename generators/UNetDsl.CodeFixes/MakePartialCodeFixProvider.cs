using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using UNetDsl.Generators.Diagnostics;

namespace UNetDsl.CodeFixes;

/// <summary>UNET0001: adds the <c>partial</c> modifier to the U-Net class the diagnostic is on.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFixProvider))]
[Shared]
public sealed class MakePartialCodeFixProvider : UNetDslCodeFixProvider
{
    /// <summary>The equivalence key of the action, shared by every class so that Fix All can batch them.</summary>
    public const string EquivalenceKey = "UNetDsl.MakePartial";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(FixableDiagnostics.NotPartialId);

    private protected override IEnumerable<NodeFix> FixesFor(SyntaxNode root, Diagnostic diagnostic)
    {
        // The diagnostic is on the class name; the declaration is its parent.
        var declaration = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().FirstOrDefault();
        if (declaration is null || declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            return Array.Empty<NodeFix>();
        }

        return new[]
        {
            new NodeFix("Make '" + declaration.Identifier.ValueText + "' partial", EquivalenceKey, declaration, node => WithPartial((TypeDeclarationSyntax)node)),
        };
    }

    /// <summary>
    /// C# wants <c>partial</c> right before <c>class</c>, so it goes last among the modifiers. It takes over the
    /// keyword's leading trivia (the indentation after the attributes when there are no modifiers), so the layout
    /// stays as it was.
    /// </summary>
    internal static TypeDeclarationSyntax WithPartial(TypeDeclarationSyntax declaration)
    {
        var keyword = declaration.Keyword;
        var partial = SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
        return declaration
            .WithKeyword(keyword.WithLeadingTrivia(SyntaxFactory.TriviaList()))
            .WithModifiers(declaration.Modifiers.Add(partial));
    }
}
