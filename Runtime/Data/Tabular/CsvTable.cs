namespace CallbackGen.Data;

/// <summary>
/// A CSV file read into strings: a header row and data rows, each remembering its line in the file
/// (RFC 4180: comma-separated, fields may be quoted with <c>"</c>, a quote inside a quoted field is
/// doubled, a quoted field may span lines). Every malformed row is an <see cref="InvalidDataException"/>
/// naming the file, the line and the column.
/// </summary>
public sealed class CsvTable
{
    private CsvTable(string path, string[] header, List<string[]> rows, List<int> lines)
    {
        Path = path;
        Header = header;
        Rows = rows;
        Lines = lines;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The column names.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>The data rows, one string per column.</summary>
    public IReadOnlyList<string[]> Rows { get; }

    /// <summary>The line (1-based, the header is line 1) each row starts on.</summary>
    public IReadOnlyList<int> Lines { get; }

    /// <summary>Reads <paramref name="path"/>; blank lines are skipped.</summary>
    /// <param name="path">The CSV file, UTF-8.</param>
    /// <exception cref="InvalidDataException">No header, a duplicate or empty column name, or a malformed row (line and column named).</exception>
    public static CsvTable Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var reader = new StreamReader(path);
        return Parse(reader, path);
    }

    /// <summary>Reads CSV text from <paramref name="reader"/>; <paramref name="name"/> is used in messages.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="name">What to call it in messages (usually the file's path).</param>
    public static CsvTable Parse(TextReader reader, string name)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(name);
        string[]? header = null;
        var rows = new List<string[]>();
        var lines = new List<int>();
        int line = 0;
        while (ReadRecord(reader, name, ref line) is (int start, List<string> fields))
        {
            if (fields.Count == 1 && fields[0].Length == 0)
            {
                continue; // a blank line
            }

            if (header is null)
            {
                header = [.. fields.Select(f => f.Trim())];
                for (int c = 0; c < header.Length; c++)
                {
                    if (header[c].Length == 0)
                    {
                        throw new InvalidDataException($"{name}, line {start}, column {c + 1}: the header has an empty column name.");
                    }

                    int first = Array.IndexOf(header, header[c]);
                    if (first < c)
                    {
                        throw new InvalidDataException($"{name}, line {start}, column {c + 1}: the column name '{header[c]}' is also column {first + 1}'s.");
                    }
                }

                continue;
            }

            if (fields.Count != header.Length)
            {
                throw new InvalidDataException(fields.Count < header.Length
                    ? $"{name}, line {start}, column {fields.Count + 1} ('{header[fields.Count]}'): missing; the row has {fields.Count} fields but the header has {header.Length}."
                    : $"{name}, line {start}, column {header.Length + 1}: the row has {fields.Count} fields but the header has {header.Length}.");
            }

            rows.Add([.. fields]);
            lines.Add(start);
        }

        if (header is null)
        {
            throw new InvalidDataException($"{name}: the file is empty; expected a header row.");
        }

        return new CsvTable(name, header, rows, lines);
    }

    /// <summary>The index of the column named <paramref name="column"/>, or an error listing the columns.</summary>
    /// <param name="column">The column's name.</param>
    public int IndexOf(string column)
    {
        int index = Array.IndexOf((string[])Header, column);
        return index >= 0 ? index : throw new ArgumentException($"{Path} has no column '{column}'; its columns are {string.Join(", ", Header)}.", nameof(column));
    }

    // One record (which may span lines); null at the end of the text.
    private static (int Start, List<string> Fields)? ReadRecord(TextReader reader, string name, ref int line)
    {
        string? text = reader.ReadLine();
        if (text is null)
        {
            return null;
        }

        line++;
        int start = line;
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        int i = 0;
        while (true)
        {
            // At the start of a field.
            field.Clear();
            if (i < text.Length && text[i] == '"')
            {
                int column = fields.Count + 1;
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        string? next = reader.ReadLine();
                        if (next is null)
                        {
                            throw new InvalidDataException($"{name}, line {start}, column {column}: a quoted field is not closed before the end of the file.");
                        }

                        line++;
                        field.Append('\n');
                        text = next;
                        i = 0;
                        continue;
                    }

                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    field.Append(text[i++]);
                }

                if (i < text.Length && text[i] != ',')
                {
                    throw new InvalidDataException($"{name}, line {line}, column {column}: text after the closing quote of a quoted field.");
                }
            }
            else
            {
                int end = text.IndexOf(',', i);
                string raw = end < 0 ? text[i..] : text[i..end];
                if (raw.Contains('"', StringComparison.Ordinal))
                {
                    throw new InvalidDataException($"{name}, line {line}, column {fields.Count + 1}: a quote inside an unquoted field (quote the whole field and double the quote).");
                }

                field.Append(raw);
                i = end < 0 ? text.Length : end;
            }

            fields.Add(field.ToString());
            if (i >= text.Length)
            {
                return (start, fields);
            }

            i++; // the comma
        }
    }
}
