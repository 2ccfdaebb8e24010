using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace UNetDsl.CodeFixes;

/// <summary>
/// What every UNetDsl fix does: for each diagnostic the provider finds the syntax node the fix changes, registers
/// one action per fix it offers there, and an action replaces that node in the document. Fix All batches the
/// actions of one equivalence key. A provider says only which fixes it offers for a diagnostic (<see cref="FixesFor"/>).
/// </summary>
public abstract class UNetDslCodeFixProvider : CodeFixProvider
{
    private protected UNetDslCodeFixProvider()
    {
    }

    /// <inheritdoc />
    public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        var document = context.Document;
        foreach (var diagnostic in context.Diagnostics)
        {
            foreach (var fix in FixesFor(root, diagnostic))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(fix.Title, cancellationToken => ReplaceAsync(document, fix, cancellationToken), fix.EquivalenceKey),
                    diagnostic);
            }
        }
    }

    /// <summary>
    /// The fixes for <paramref name="diagnostic"/>, in the order the IDE lists them; none when the diagnostic is not
    /// where the provider expects it or lacks the data the fix needs.
    /// </summary>
    private protected abstract IEnumerable<NodeFix> FixesFor(SyntaxNode root, Diagnostic diagnostic);

    private static async Task<Document> ReplaceAsync(Document document, NodeFix fix, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        return document.WithSyntaxRoot(root.ReplaceNode(fix.Node, fix.Replace(fix.Node)));
    }
}

/// <summary>One action: its title and equivalence key, the node it changes, and what that node becomes (built when the action is applied).</summary>
internal sealed class NodeFix(string title, string equivalenceKey, SyntaxNode node, Func<SyntaxNode, SyntaxNode> replace)
{
    public string Title { get; } = title;

    public string EquivalenceKey { get; } = equivalenceKey;

    public SyntaxNode Node { get; } = node;

    public Func<SyntaxNode, SyntaxNode> Replace { get; } = replace;
}
