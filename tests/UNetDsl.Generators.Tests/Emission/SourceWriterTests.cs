using UNetDsl.Generators.Emission;
using Xunit;

namespace UNetDsl.Generators.Tests.Emission;

/// <summary>The writer behind every generated file: string constants written straight from text, and builder reuse.</summary>
public class SourceWriterTests
{
    [Fact]
    public void String_lines_escape_as_literals_and_end_with_a_semicolon()
    {
        var w = new SourceWriter();
        w.Open("class C");
        w.Line("const string S =");
        w.StringLines("say \"hi\"\nC:\\path\n\nleft out");
        w.Close();

        Assert.Equal(
            "class C\n{\n    const string S =\n        \"say \\\"hi\\\"\\n\" +\n        \"C:\\\\path\\n\" +\n        \"\\n\";\n}\n",
            w.ToStringAndFree());
    }

    [Fact]
    public void String_lines_from_a_list_match_the_same_text()
    {
        var fromList = new SourceWriter().StringLines(new[] { "a\"", "b\\" }).ToStringAndFree();
        var fromText = new SourceWriter().StringLines("a\"\nb\\\n").ToStringAndFree();

        Assert.Equal("    \"a\\\"\\n\" +\n    \"b\\\\\\n\";\n", fromList);
        Assert.Equal(fromList, fromText);
    }

    [Fact]
    public void A_writer_after_a_freed_one_starts_empty_and_unindented()
    {
        var first = new SourceWriter();
        first.Open("namespace N").Line("class C { }");
        Assert.Equal("namespace N\n{\n    class C { }\n", first.ToStringAndFree());

        var second = new SourceWriter();
        second.Line("x");
        Assert.Equal("x\n", second.ToStringAndFree());
    }
}
