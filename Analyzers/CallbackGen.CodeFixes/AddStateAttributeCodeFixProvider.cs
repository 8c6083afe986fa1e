using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CallbackGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CallbackGen.CodeFixes
{
    /// <summary>CBG0013: marks the member <c>[Checkpointed]</c> (it survives a resume) or <c>[Transient]</c> (it is rebuilt each fit).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddStateAttributeCodeFixProvider)), Shared]
    public sealed class AddStateAttributeCodeFixProvider : CodeFixProvider
    {
        /// <summary>Equivalence key of the [Checkpointed] fix.</summary>
        public const string CheckpointedKey = "CallbackGen.AddCheckpointed";

        /// <summary>Equivalence key of the [Transient] fix.</summary>
        public const string TransientKey = "CallbackGen.AddTransient";

        /// <inheritdoc/>
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.StateWillNotSurviveResume.Id);

        /// <inheritdoc/>
        public override FixAllProvider GetFixAllProvider() => new FixAll();

        /// <inheritdoc/>
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return;
            }

            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                if (MemberAt(root, diagnostic) is null)
                {
                    continue;
                }

                Document document = context.Document;
                foreach (string key in new[] { CheckpointedKey, TransientKey })
                {
                    context.RegisterCodeFix(
                        CodeAction.Create(
                            key == CheckpointedKey ? "Add [Checkpointed] (keep it in checkpoints)" : "Add [Transient] (rebuilt each fit)",
                            async ct => document.WithSyntaxRoot(await FixAsync(document, root, ImmutableArray.Create(diagnostic), key, ct).ConfigureAwait(false)),
                            key),
                        diagnostic);
                }
            }
        }

        private static async Task<SyntaxNode> FixAsync(Document document, SyntaxNode root, ImmutableArray<Diagnostic> diagnostics, string key, CancellationToken ct)
        {
            SemanticModel? model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
            var members = new HashSet<MemberDeclarationSyntax>();
            foreach (Diagnostic diagnostic in diagnostics)
            {
                if (MemberAt(root, diagnostic) is { } member)
                {
                    members.Add(member);
                }
            }

            string shortName = key == CheckpointedKey ? "Checkpointed" : "Transient";
            string newLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)).ToFullString();
            if (newLine.Length == 0)
            {
                newLine = "\n";
            }

            return root.ReplaceNodes(members, (original, rewritten) =>
                AddAttribute(rewritten, AttributeName(model, original.SpanStart, shortName), newLine));
        }

        // The short name where it binds to CallbackGen's attribute (a 'using CallbackGen;' is in scope),
        // the qualified one otherwise.
        private static string AttributeName(SemanticModel? model, int position, string shortName)
        {
            string qualified = "CallbackGen." + shortName;
            if (model is null)
            {
                return qualified;
            }

            INamedTypeSymbol? attribute = model.Compilation.GetTypeByMetadataName(qualified + "Attribute");
            SymbolInfo info = model.GetSpeculativeSymbolInfo(position, SyntaxFactory.Attribute(SyntaxFactory.IdentifierName(shortName)));
            return info.Symbol?.ContainingType is { } bound && SymbolEqualityComparer.Default.Equals(bound, attribute) ? shortName : qualified;
        }

        // On its own line above the member, at the member's indentation, below its comments.
        private static MemberDeclarationSyntax AddAttribute(MemberDeclarationSyntax member, string name, string newLine)
        {
            SyntaxToken first = member.GetFirstToken();
            SyntaxTriviaList leading = first.LeadingTrivia;
            SyntaxTriviaList indentation = leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia)
                ? SyntaxFactory.TriviaList(leading[leading.Count - 1])
                : SyntaxFactory.TriviaList();

            AttributeListSyntax list = SyntaxFactory.AttributeList(
                    SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.ParseName(name))))
                .WithLeadingTrivia(leading)
                .WithTrailingTrivia(SyntaxFactory.EndOfLine(newLine));

            MemberDeclarationSyntax moved = member.ReplaceToken(first, first.WithLeadingTrivia(indentation));
            return moved.WithAttributeLists(moved.AttributeLists.Insert(0, list));
        }

        // The field declaration (for a variable) or the property declaration the diagnostic is on.
        private static MemberDeclarationSyntax? MemberAt(SyntaxNode root, Diagnostic diagnostic) =>
            root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf()
                .FirstOrDefault(n => n is FieldDeclarationSyntax or PropertyDeclarationSyntax) as MemberDeclarationSyntax;

        // Fix-all keeps the chosen attribute: each document is edited once with all of its diagnostics.
        private sealed class FixAll : DocumentBasedFixAllProvider
        {
            protected override async Task<Document?> FixAllAsync(FixAllContext fixAllContext, Document document, ImmutableArray<Diagnostic> diagnostics)
            {
                SyntaxNode? root = await document.GetSyntaxRootAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
                if (root is null || diagnostics.IsEmpty)
                {
                    return document;
                }

                string key = fixAllContext.CodeActionEquivalenceKey == TransientKey ? TransientKey : CheckpointedKey;
                return document.WithSyntaxRoot(await FixAsync(document, root, diagnostics, key, fixAllContext.CancellationToken).ConfigureAwait(false));
            }
        }
    }
}
