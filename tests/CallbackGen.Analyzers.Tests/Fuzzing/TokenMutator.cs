using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CallbackGen.Analyzers.Tests.Fuzzing;

/// <summary>
/// Makes broken variants of one source file by deleting, duplicating and swapping its tokens (each
/// token with its trivia). Most edits land on declaration tokens (attributes, modifiers, names,
/// parameter lists, base lists): member bodies are not what the generator and analyzers read.
/// </summary>
/// <remarks>
/// Four mutants in five are made from the file's skeleton (member bodies emptied, which changes no
/// declaration): binding bodies is what a compilation with analyzers spends its time on, and it is
/// none of the tools' work. The fifth is made from the whole file, so edits inside bodies (a brace
/// deleted inside a method, which ends the class early) are tried too.
/// </remarks>
public sealed class TokenMutator
{
    private readonly SyntaxNode root;
    private readonly Variant whole;
    private readonly Variant skeleton;

    /// <summary>Splits <paramref name="text"/> into tokens.</summary>
    public TokenMutator(string path, string text, CSharpParseOptions options)
    {
        Path = path;
        Text = text;
        root = CSharpSyntaxTree.ParseText(text, options).GetRoot();
        whole = new Variant(root);
        skeleton = new Variant(new BodyEmptier().Visit(root));
    }

    /// <summary>The file's path relative to the repository root.</summary>
    public string Path { get; }

    /// <summary>The unmutated text.</summary>
    public string Text { get; }

    /// <summary>
    /// The whole text once without each of its attribute lists, in order: the edit that leaves valid
    /// declarations without their [Callback], [Checkpointed] or [Transient] (the write of an unmarked
    /// field in a handler body, an event-named method no longer attributed), which random token
    /// edits rarely make.
    /// </summary>
    public IEnumerable<string> WithoutEachAttributeList() =>
        root.DescendantNodes().OfType<AttributeListSyntax>()
            .Select(list => root.RemoveNode(list, SyntaxRemoveOptions.KeepExteriorTrivia)!.ToFullString());

    /// <summary>The text (or its skeleton) with one to four random token edits.</summary>
    public string Mutate(Random random)
    {
        Variant source = random.Next(5) == 0 ? whole : skeleton;
        var edited = new List<string>(source.Tokens);
        int edits = random.Next(1, 5);
        for (int e = 0; e < edits && edited.Count > 1; e++)
        {
            int i = source.Pick(random, edited.Count);
            switch (random.Next(3))
            {
                case 0:
                    edited.RemoveAt(i);
                    break;
                case 1:
                    edited.Insert(i, edited[i]);
                    break;
                default:
                    // Half the swaps are with the next token (local reorderings), half with any token.
                    int j = random.Next(2) == 0 ? Math.Min(i + 1, edited.Count - 1) : source.Pick(random, edited.Count);
                    (edited[i], edited[j]) = (edited[j], edited[i]);
                    break;
            }
        }

        return string.Concat(edited);
    }

    private sealed class Variant
    {
        private readonly int[] declarationTokens;

        public Variant(SyntaxNode root)
        {
            SyntaxToken[] all = root.DescendantTokens().ToArray();
            Tokens = all.Select(t => t.ToFullString()).ToArray();
            declarationTokens = Enumerable.Range(0, all.Length).Where(i => IsDeclarationToken(all[i])).ToArray();
        }

        public string[] Tokens { get; }

        // Three edits in four on a declaration token (its index shifts a little after earlier edits: harmless).
        public int Pick(Random random, int count) =>
            declarationTokens.Length > 0 && random.Next(4) != 0
                ? Math.Min(declarationTokens[random.Next(declarationTokens.Length)], count - 1)
                : random.Next(count);

        private static bool IsDeclarationToken(SyntaxToken token) =>
            !token.IsKind(SyntaxKind.EndOfFileToken)
            && token.Parent is not null
            && !token.Parent.AncestorsAndSelf().Any(n => n is BlockSyntax or ArrowExpressionClauseSyntax or EqualsValueClauseSyntax);
    }

    // Member bodies become `{ }` and expression bodies `=> default`; braces and trivia stay.
    private sealed class BodyEmptier : CSharpSyntaxRewriter
    {
        public override SyntaxNode? VisitBlock(BlockSyntax node) =>
            node.Parent is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or GlobalStatementSyntax
                ? node.WithStatements(default)
                : base.VisitBlock(node);

        public override SyntaxNode? VisitArrowExpressionClause(ArrowExpressionClauseSyntax node) =>
            node.WithExpression(SyntaxFactory.LiteralExpression(SyntaxKind.DefaultLiteralExpression)
                .WithTriviaFrom(node.Expression));
    }
}
