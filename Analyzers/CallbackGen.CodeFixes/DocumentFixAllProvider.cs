using System;
using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace CallbackGen.CodeFixes
{
    /// <summary>
    /// Fix-all that edits each document once with all of its diagnostics, for fixes whose single edits
    /// may touch the same node (two nested callbacks both making their outer class partial).
    /// </summary>
    internal sealed class DocumentFixAllProvider : DocumentBasedFixAllProvider
    {
        private readonly Func<Document, SyntaxNode, ImmutableArray<Diagnostic>, CancellationToken, Task<SyntaxNode>> fix;

        public DocumentFixAllProvider(Func<Document, SyntaxNode, ImmutableArray<Diagnostic>, CancellationToken, Task<SyntaxNode>> fix) => this.fix = fix;

        protected override async Task<Document?> FixAllAsync(FixAllContext fixAllContext, Document document, ImmutableArray<Diagnostic> diagnostics)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
            if (root is null || diagnostics.IsEmpty)
            {
                return document;
            }

            SyntaxNode fixedRoot = await fix(document, root, diagnostics, fixAllContext.CancellationToken).ConfigureAwait(false);
            return document.WithSyntaxRoot(fixedRoot);
        }
    }
}
