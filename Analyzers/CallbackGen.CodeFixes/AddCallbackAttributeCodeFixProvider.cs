using System.Collections.Immutable;
using System.Composition;
using CallbackGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CallbackGen.CodeFixes
{
    /// <summary>CBG0006: puts <c>[Callback]</c> on an event-named method so that it runs.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddCallbackAttributeCodeFixProvider)), Shared]
    public sealed class AddCallbackAttributeCodeFixProvider : DeclarationCodeFixProvider<MethodDeclarationSyntax>
    {
        /// <inheritdoc/>
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.EventNamedMethodWithoutAttribute.Id);

        /// <inheritdoc/>
        protected override ImmutableArray<(string Title, string EquivalenceKey)> Actions { get; } =
            ImmutableArray.Create(("Add [Callback]", "CallbackGen.AddCallbackAttribute"));

        /// <inheritdoc/>
        protected override MethodDeclarationSyntax Rewrite(MethodDeclarationSyntax original, MethodDeclarationSyntax current, DeclarationFix fix) =>
            fix.AddAttribute(current, fix.AttributeName(original.SpanStart, "Callback"));
    }
}
