using System;
using System.Text;

namespace UNetDsl.Generators.Emission;

/// <summary>An indented writer over a <see cref="StringBuilder"/>; lines end with \n whatever the platform.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

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

    public override string ToString() => _text.ToString();
}
