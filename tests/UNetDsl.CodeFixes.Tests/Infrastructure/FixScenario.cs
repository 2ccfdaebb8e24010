using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Text;
using UNetDsl.Testing;
using Xunit;

namespace UNetDsl.CodeFixes.Tests.Infrastructure;

/// <summary>
/// One source file in an <see cref="AdhocWorkspace"/>, the way the IDE holds it (the project has the references and
/// options of <see cref="GeneratorCompilation"/>): the generator runs over the project's compilation to report its
/// diagnostics, a provider offers its actions for one of them, and an action's operations are applied to give the
/// fixed document.
/// </summary>
public sealed class FixScenario : IDisposable
{
    private readonly AdhocWorkspace _workspace;

    private FixScenario(AdhocWorkspace workspace, Document document)
    {
        _workspace = workspace;
        Document = document;
    }

    /// <summary>The document holding the declaration.</summary>
    public Document Document { get; }

    public static FixScenario Create(string source)
    {
        var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        var project = ProjectInfo.Create(
            projectId,
            VersionStamp.Default,
            "UNetDslFixTests",
            "UNetDslFixTests",
            LanguageNames.CSharp,
            compilationOptions: GeneratorCompilation.Options(),
            parseOptions: GeneratorCompilation.ParseOptions,
            metadataReferences: GeneratorCompilation.References);
        var documentId = DocumentId.CreateNewId(projectId);
        var solution = workspace.CurrentSolution
            .AddProject(project)
            .AddDocument(documentId, "Net.cs", SourceText.From(source));
        return new FixScenario(workspace, solution.GetDocument(documentId)!);
    }

    /// <summary>What the generator reports for <paramref name="document"/>'s project, located in its syntax trees.</summary>
    public static async Task<ImmutableArray<Diagnostic>> GeneratorDiagnosticsAsync(Document document)
    {
        var compilation = await document.Project.GetCompilationAsync().ConfigureAwait(false) ?? throw new InvalidOperationException("no compilation");
        return GeneratorCompilation.Run(compilation).Diagnostics;
    }

    /// <summary>The single diagnostic with <paramref name="id"/> the generator reports for the scenario's document.</summary>
    public async Task<Diagnostic> DiagnosticAsync(string id)
    {
        var diagnostics = await GeneratorDiagnosticsAsync(Document).ConfigureAwait(false);
        return Assert.Single(diagnostics, d => d.Id == id);
    }

    /// <summary>The actions <paramref name="provider"/> registers for <paramref name="diagnostic"/>, in order.</summary>
    public async Task<IReadOnlyList<CodeAction>> ActionsAsync(CodeFixProvider provider, Diagnostic diagnostic)
    {
        Assert.Contains(diagnostic.Id, provider.FixableDiagnosticIds);
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(Document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        await provider.RegisterCodeFixesAsync(context).ConfigureAwait(false);
        return actions;
    }

    /// <summary>Applies the action's operations and returns the changed document.</summary>
    public async Task<Document> ApplyAsync(CodeAction action)
    {
        var operations = await action.GetOperationsAsync(CancellationToken.None).ConfigureAwait(false);
        var change = Assert.Single(operations.OfType<ApplyChangesOperation>());
        return change.ChangedSolution.GetDocument(Document.Id)!;
    }

    /// <summary>
    /// Runs the provider's Fix All over the document for every <paramref name="id"/> diagnostic the generator reports,
    /// choosing the actions with <paramref name="equivalenceKey"/>, and returns the changed document.
    /// </summary>
    public async Task<Document> FixAllInDocumentAsync(CodeFixProvider provider, string id, string equivalenceKey)
    {
        var diagnostics = await GeneratorDiagnosticsAsync(Document).ConfigureAwait(false);
        var fixAll = provider.GetFixAllProvider();
        Assert.NotNull(fixAll);
        var context = new FixAllContext(Document, provider, FixAllScope.Document, equivalenceKey, new[] { id }, new KnownDiagnostics(diagnostics), CancellationToken.None);
        var action = await fixAll.GetFixAsync(context).ConfigureAwait(false);
        Assert.NotNull(action);
        return await ApplyAsync(action).ConfigureAwait(false);
    }

    /// <summary>The text of <paramref name="document"/>.</summary>
    public static async Task<string> TextAsync(Document document) => (await document.GetTextAsync().ConfigureAwait(false)).ToString();

    public void Dispose() => _workspace.Dispose();

    /// <summary>Hands Fix All the generator's diagnostics, as the IDE would from its diagnostic service.</summary>
    private sealed class KnownDiagnostics(ImmutableArray<Diagnostic> diagnostics) : FixAllContext.DiagnosticProvider
    {
        public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
        {
            var tree = await document.GetSyntaxTreeAsync(cancellationToken).ConfigureAwait(false);
            return diagnostics.Where(d => d.Location.SourceTree == tree);
        }

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult(diagnostics.Where(d => !d.Location.IsInSource));

        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);
    }
}
