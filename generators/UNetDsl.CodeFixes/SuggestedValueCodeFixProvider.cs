using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace UNetDsl.CodeFixes;

/// <summary>
/// The fixes that replace a declared number with one the generator suggested in the diagnostic's properties
/// (<see cref="FixProperties"/>): one action per suggestion, in the generator's order (ascending). The fixes never
/// redo the analysis; without the data they offer nothing. A provider says where the number is written, how an
/// action is titled and keyed, and how the new value is written there.
/// </summary>
public abstract class SuggestedValueCodeFixProvider : UNetDslCodeFixProvider
{
    private protected SuggestedValueCodeFixProvider()
    {
    }

    private protected sealed override IEnumerable<NodeFix> FixesFor(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!FixProperties.TryRead(diagnostic, out _, out var suggestions) || FindTarget(root, diagnostic) is not { } target)
        {
            yield break;
        }

        foreach (var suggestion in suggestions)
        {
            var value = suggestion.Value;
            yield return new NodeFix(Title(diagnostic, suggestion), EquivalenceKey(diagnostic, suggestion), target, node => WithValue(node, diagnostic, value));
        }
    }

    /// <summary>The node that holds the number, or null when the diagnostic is not on a place the fix can change.</summary>
    private protected abstract SyntaxNode? FindTarget(SyntaxNode root, Diagnostic diagnostic);

    /// <summary>The title of the action that writes <paramref name="suggestion"/>.</summary>
    private protected abstract string Title(Diagnostic diagnostic, Suggestion suggestion);

    /// <summary>The equivalence key of that action, by which Fix All gathers the same kind of fix.</summary>
    private protected abstract string EquivalenceKey(Diagnostic diagnostic, Suggestion suggestion);

    /// <summary><paramref name="target"/> (found by <see cref="FindTarget"/>) with <paramref name="value"/> written in.</summary>
    private protected abstract SyntaxNode WithValue(SyntaxNode target, Diagnostic diagnostic, int value);
}
