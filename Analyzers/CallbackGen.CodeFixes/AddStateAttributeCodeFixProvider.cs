using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using CallbackGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CallbackGen.CodeFixes
{
    /// <summary>CBG0013: marks the member <c>[Checkpointed]</c> (it survives a resume) or <c>[Transient]</c> (it is rebuilt each fit).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddStateAttributeCodeFixProvider)), Shared]
    public sealed class AddStateAttributeCodeFixProvider : DeclarationCodeFixProvider<MemberDeclarationSyntax>
    {
        /// <summary>Equivalence key of the [Checkpointed] fix (fix-all's default).</summary>
        public const string CheckpointedKey = "CallbackGen.AddCheckpointed";

        /// <summary>Equivalence key of the [Transient] fix.</summary>
        public const string TransientKey = "CallbackGen.AddTransient";

        /// <inheritdoc/>
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.StateWillNotSurviveResume.Id);

        /// <inheritdoc/>
        protected override ImmutableArray<(string Title, string EquivalenceKey)> Actions { get; } = ImmutableArray.Create(
            ("Add [Checkpointed] (keep it in checkpoints)", CheckpointedKey),
            ("Add [Transient] (rebuilt each fit)", TransientKey));

        /// <inheritdoc/>
        protected override IEnumerable<MemberDeclarationSyntax> Targets(SyntaxNode root, Diagnostic diagnostic)
        {
            // The field declaration (for a variable) or the property declaration the diagnostic is on.
            if (root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf()
                .FirstOrDefault(n => n is FieldDeclarationSyntax or PropertyDeclarationSyntax) is MemberDeclarationSyntax member)
            {
                yield return member;
            }
        }

        /// <inheritdoc/>
        protected override MemberDeclarationSyntax Rewrite(MemberDeclarationSyntax original, MemberDeclarationSyntax current, DeclarationFix fix) =>
            fix.AddAttribute(current, fix.AttributeName(original.SpanStart, fix.EquivalenceKey == TransientKey ? "Transient" : "Checkpointed"));
    }
}
