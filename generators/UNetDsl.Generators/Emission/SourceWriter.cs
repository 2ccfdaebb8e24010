using System;
using System.Collections.Generic;
using System.Text;

namespace UNetDsl.Generators.Emission;

/// <summary>An indented writer over a <see cref="StringBuilder"/>; lines end with \n whatever the platform.</summary>
/// <remarks>
/// A writer takes its thread's cached builder when one is free and <see cref="ToStringAndFree"/> hands it back: every
/// declaration writes three files, and growing a fresh builder chunk by chunk for each cost as much as the text itself.
/// The cache is per thread, so generators running side by side in the IDE never share a builder.
/// </remarks>
internal sealed class SourceWriter
{
    /// <summary>Larger builders (a file of more than 128K characters) are left to the GC rather than kept.</summary>
    private const int MaxCachedCapacity = 128 * 1024;

    [ThreadStatic]
    private static StringBuilder? t_cached;

    private StringBuilder _text;
    private int _indent;

    public SourceWriter()
    {
        _text = t_cached ?? new StringBuilder(16 * 1024);
        t_cached = null;
    }

    public SourceWriter Line(string line = "")
    {
        if (line.Length > 0)
        {
            _text.Append(' ', _indent * 4);
            _text.Append(line);
        }

        _text.Append('\n');
        return this;
    }

    public SourceWriter Open(string line)
    {
        Line(line);
        Line("{");
        _indent++;
        return this;
    }

    public SourceWriter Indent()
    {
        _indent++;
        return this;
    }

    /// <summary>Ends an <see cref="Indent"/> without writing anything.</summary>
    public SourceWriter Dedent()
    {
        _indent--;
        return this;
    }

    public SourceWriter Close(string suffix = "")
    {
        _indent--;
        return Line("}" + suffix);
    }

    /// <summary>Writes each line of <paramref name="text"/> as a <c>///</c> doc comment line.</summary>
    public SourceWriter Doc(string text)
    {
        foreach (var line in text.Split(new[] { '\n' }, StringSplitOptions.None))
        {
            Line(line.Length == 0 ? "///" : "/// " + line);
        }

        return this;
    }

    /// <summary>
    /// Writes the right-hand side of a string constant holding <paramref name="lines"/>, each followed by \n: one
    /// literal per line, one step further in, joined with <c>+</c> and ended with <c>;</c>.
    /// </summary>
    public SourceWriter StringLines(IReadOnlyList<string> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            StringLine(lines[i], 0, lines[i].Length, last: i == lines.Count - 1);
        }

        return this;
    }

    /// <summary>As <see cref="StringLines(IReadOnlyList{string})"/> for the lines of <paramref name="text"/>, each ending in \n (text after the last \n is left out).</summary>
    public SourceWriter StringLines(string text)
    {
        var end = text.LastIndexOf('\n');
        for (var start = 0; start <= end;)
        {
            var next = text.IndexOf('\n', start);
            StringLine(text, start, next - start, last: next == end);
            start = next + 1;
        }

        return this;
    }

    /// <summary>The text written; the builder goes back to the thread's cache, and the writer must not be used again.</summary>
    public string ToStringAndFree()
    {
        var text = _text.ToString();
        if (_text.Capacity <= MaxCachedCapacity)
        {
            _text.Clear();
            t_cached = _text;
        }

        _text = null!;
        return text;
    }

    public override string ToString() => _text.ToString();

    /// <summary><c>    "line\n" +</c>, escaped as a C# literal, straight into the builder.</summary>
    private void StringLine(string text, int start, int length, bool last)
    {
        _text.Append(' ', (_indent + 1) * 4).Append('"');
        var run = start;
        for (var i = start; i < start + length; i++)
        {
            var escaped = text[i] switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\n' => "\\n",
                _ => null,
            };
            if (escaped is not null)
            {
                _text.Append(text, run, i - run).Append(escaped);
                run = i + 1;
            }
        }

        _text.Append(text, run, start + length - run);
        _text.Append(last ? "\\n\";\n" : "\\n\" +\n");
    }
}
