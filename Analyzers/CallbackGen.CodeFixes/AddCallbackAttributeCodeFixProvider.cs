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
    /// <summary>CBG0006: puts <c>[Callback]</c> on an event-named method so that it runs.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddCallbackAttributeCodeFixProvider)), Shared]
    public sealed class AddCallbackAttributeCodeFixProvider : CodeFixProvider
    {
        private const string EquivalenceKey = "CallbackGen.AddCallbackAttribute";

        private static readonly FixAllProvider FixAll = new DocumentFixAllProvider(FixAsync);

        /// <inheritdoc/>
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.EventNamedMethodWithoutAttribute.Id);

        /// <inheritdoc/>
        public override FixAllProvider GetFixAllProvider() => FixAll;

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
                if (MethodAt(root, diagnostic) is null)
                {
                    continue;
                }

                Document document = context.Document;
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Add [Callback]",
                        async ct => document.WithSyntaxRoot(await FixAsync(document, root, ImmutableArray.Create(diagnostic), ct).ConfigureAwait(false)),
                        EquivalenceKey),
                    diagnostic);
            }
        }

        private static async Task<SyntaxNode> FixAsync(Document document, SyntaxNode root, ImmutableArray<Diagnostic> diagnostics, CancellationToken ct)
        {
            SemanticModel? model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
            var methods = new HashSet<MethodDeclarationSyntax>();
            foreach (Diagnostic diagnostic in diagnostics)
            {
                if (MethodAt(root, diagnostic) is { } method)
                {
                    methods.Add(method);
                }
            }

            string newLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)).ToFullString();
            if (newLine.Length == 0)
            {
                newLine = "\n";
            }

            return root.ReplaceNodes(methods, (original, rewritten) =>
                AddAttribute(rewritten, AttributeName(model, original.SpanStart), newLine));
        }

        // "[Callback]" where it binds to CallbackGen.CallbackAttribute (a 'using CallbackGen;' is in
        // scope); otherwise the qualified name, which binds the same way without a new using.
        internal static string AttributeName(SemanticModel? model, int position)
        {
            if (model is null)
            {
                return "CallbackGen.Callback";
            }

            INamedTypeSymbol? attribute = model.Compilation.GetTypeByMetadataName("CallbackGen.CallbackAttribute");
            SymbolInfo info = model.GetSpeculativeSymbolInfo(position, SyntaxFactory.Attribute(SyntaxFactory.IdentifierName("Callback")));
            return info.Symbol?.ContainingType is { } bound && SymbolEqualityComparer.Default.Equals(bound, attribute)
                ? "Callback"
                : "CallbackGen.Callback";
        }

        // The attribute goes on its own line above the method (before any other attribute), at the
        // method's indentation; the method's leading trivia (comments, doc comments) stays above it.
        internal static MethodDeclarationSyntax AddAttribute(MethodDeclarationSyntax method, string name, string newLine)
        {
            SyntaxToken first = method.GetFirstToken();
            SyntaxTriviaList leading = first.LeadingTrivia;
            SyntaxTriviaList indentation = leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia)
                ? SyntaxFactory.TriviaList(leading[leading.Count - 1])
                : SyntaxFactory.TriviaList();

            AttributeListSyntax list = SyntaxFactory.AttributeList(
                    SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.ParseName(name))))
                .WithLeadingTrivia(leading)
                .WithTrailingTrivia(SyntaxFactory.EndOfLine(newLine));

            MethodDeclarationSyntax moved = method.ReplaceToken(first, first.WithLeadingTrivia(indentation));
            return moved.WithAttributeLists(moved.AttributeLists.Insert(0, list));
        }

        private static MethodDeclarationSyntax? MethodAt(SyntaxNode root, Diagnostic diagnostic) =>
            root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault();
    }
}
