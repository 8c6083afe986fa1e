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
using Microsoft.CodeAnalysis.Formatting;

namespace CallbackGen.CodeFixes
{
    /// <summary>
    /// CBG0015: holds a number in a disposed Scalar declared before the statement
    /// (<c>t.add_(x, alpha: 0.5)</c> becomes <c>using var alpha = 0.5.ToScalar(); t.add_(x, alpha: alpha);</c>),
    /// or replaces a read through a Scalar with <c>item&lt;T&gt;()</c>.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(HoldScalarCodeFixProvider)), Shared]
    public sealed class HoldScalarCodeFixProvider : CodeFixProvider
    {
        // The number types TorchSharp's ToScalar() extensions take.
        private static readonly ImmutableHashSet<SpecialType> Convertible = ImmutableHashSet.Create(
            SpecialType.System_Byte, SpecialType.System_SByte, SpecialType.System_Int16, SpecialType.System_Int32,
            SpecialType.System_Int64, SpecialType.System_Single, SpecialType.System_Double, SpecialType.System_Boolean);

        /// <inheritdoc/>
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.ScalarNotHeld.Id);

        /// <inheritdoc/>
        public override FixAllProvider? GetFixAllProvider() => null;

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
                diagnostic.Properties.TryGetValue(DiagnosticProperties.ScalarFix, out string? fix);
                SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                if (fix == DiagnosticProperties.HoldScalar && node is ExpressionSyntax number)
                {
                    diagnostic.Properties.TryGetValue(DiagnosticProperties.ScalarName, out string? name);
                    context.RegisterCodeFix(
                        CodeAction.Create("Hold the number in a disposed Scalar", ct => HoldAsync(context.Document, number, name ?? "scalar", ct), "CallbackGen.HoldScalar"),
                        diagnostic);
                }
                else if (fix == DiagnosticProperties.ReadWithItem && diagnostic.Properties.TryGetValue(DiagnosticProperties.ItemType, out string? type) && type is not null
                    && Receiver(node) is { } receiver)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create($"Read with item<{type}>()", _ => Task.FromResult(ReadWithItem(context.Document, root, node, receiver, type)), "CallbackGen.ReadWithItem"),
                        diagnostic);
                }
            }
        }

        private static ExpressionSyntax? Receiver(SyntaxNode node) => node switch
        {
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } => access.Expression,
            CastExpressionSyntax cast => cast.Expression,
            _ => null,
        };

        private static Document ReadWithItem(Document document, SyntaxNode root, SyntaxNode read, ExpressionSyntax receiver, string type)
        {
            ExpressionSyntax target = receiver is IdentifierNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ElementAccessExpressionSyntax
                ? receiver.WithoutTrivia()
                : SyntaxFactory.ParenthesizedExpression(receiver.WithoutTrivia());
            ExpressionSyntax item = SyntaxFactory.ParseExpression($"{target}.item<{type}>()").WithTriviaFrom(read);
            return document.WithSyntaxRoot(root.ReplaceNode(read, item));
        }

        private static async Task<Document> HoldAsync(Document document, ExpressionSyntax number, string baseName, CancellationToken ct)
        {
            SyntaxNode root = (await document.GetSyntaxRootAsync(ct).ConfigureAwait(false))!;
            SemanticModel model = (await document.GetSemanticModelAsync(ct).ConfigureAwait(false))!;
            if (model.GetTypeInfo(number, ct).Type is not { } type || !Convertible.Contains(type.SpecialType))
            {
                return document;
            }

            StatementSyntax? statement = number.Ancestors().OfType<StatementSyntax>().FirstOrDefault(s => s.Parent is BlockSyntax);
            ArrowExpressionClauseSyntax? arrow = statement is null ? number.Ancestors().OfType<ArrowExpressionClauseSyntax>().FirstOrDefault() : null;
            int position = statement?.SpanStart ?? arrow?.SpanStart ?? -1;
            if (position < 0 || (arrow is not null && arrow.Parent is not MethodDeclarationSyntax))
            {
                return document;
            }

            string name = UniqueName(model, position, baseName);
            string text = number.WithoutTrivia().ToString();
            string receiver = ScalarAnalyzer.Receiver(text);
            StatementSyntax hold = SyntaxFactory.ParseStatement($"using var {name} = {receiver}.ToScalar();")
                .WithAdditionalAnnotations(Formatter.Annotation);
            IdentifierNameSyntax local = SyntaxFactory.IdentifierName(name).WithTriviaFrom(number);

            SyntaxNode newRoot;
            if (statement is not null)
            {
                SyntaxNode tracked = root.TrackNodes(statement, number);
                StatementSyntax current = tracked.GetCurrentNode(statement)!;
                tracked = tracked.InsertNodesBefore(current, new[] { hold.WithLeadingTrivia(current.GetLeadingTrivia()).WithTrailingTrivia(SyntaxFactory.ElasticCarriageReturnLineFeed) });
                newRoot = tracked.ReplaceNode(tracked.GetCurrentNode(number)!, local);
            }
            else
            {
                var method = (MethodDeclarationSyntax)arrow!.Parent!;
                ExpressionSyntax body = arrow.Expression.ReplaceNode(number, local);
                bool returnsVoid = method.ReturnType is PredefinedTypeSyntax p && p.Keyword.IsKind(SyntaxKind.VoidKeyword);
                StatementSyntax last = returnsVoid ? SyntaxFactory.ExpressionStatement(body) : SyntaxFactory.ReturnStatement(body);
                MethodDeclarationSyntax blockBodied = method
                    .WithExpressionBody(null)
                    .WithSemicolonToken(default)
                    .WithBody(SyntaxFactory.Block(hold, last))
                    .WithAdditionalAnnotations(Formatter.Annotation);
                newRoot = root.ReplaceNode(method, blockBodied);
            }

            if (newRoot is CompilationUnitSyntax unit && !unit.Usings.Any(u => u.Name?.ToString() == "TorchSharp"))
            {
                newRoot = unit.AddUsings(SyntaxFactory.UsingDirective(SyntaxFactory.ParseName("TorchSharp")).WithTrailingTrivia(SyntaxFactory.ElasticCarriageReturnLineFeed));
            }

            Document updated = document.WithSyntaxRoot(newRoot);
            return await Formatter.FormatAsync(updated, Formatter.Annotation, cancellationToken: ct).ConfigureAwait(false);
        }

        private static string UniqueName(SemanticModel model, int position, string baseName)
        {
            var taken = new HashSet<string>(model.LookupSymbols(position).Select(s => s.Name));
            string name = baseName;
            for (int i = 2; taken.Contains(name) || SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None; i++)
            {
                name = baseName + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return name;
        }
    }
}
