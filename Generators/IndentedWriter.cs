using System.Text;

namespace CallbackGen.Generators
{
    /// <summary>A minimal indented text writer for generated sources ("\n" line endings, 4 spaces).</summary>
    internal sealed class IndentedWriter
    {
        private readonly StringBuilder sb = new StringBuilder();
        private int depth;

        public IndentedWriter Line(string text = "")
        {
            if (text.Length > 0)
            {
                sb.Append(' ', depth * 4).Append(text);
            }

            sb.Append('\n');
            return this;
        }

        public IndentedWriter Open(string header)
        {
            Line(header);
            Line("{");
            depth++;
            return this;
        }

        public IndentedWriter Close(string suffix = "")
        {
            depth--;
            Line("}" + suffix);
            return this;
        }

        public IndentedWriter Indent()
        {
            depth++;
            return this;
        }

        public IndentedWriter Unindent()
        {
            depth--;
            return this;
        }

        public override string ToString() => sb.ToString();
    }
}
