using System.IO;
using Xunit;

namespace UNetDsl.Generators.Tests.Documentation;

public class RuntimeDocsTests
{
    [Theory]
    [InlineData("UNET2001")]
    [InlineData("UNET2002")]
    [InlineData("UNET2003")]
    [InlineData("UNET2004")]
    [InlineData("UNET2005")]
    [InlineData("UNET2006")]
    [InlineData("UNET2007")]
    public void Every_run_time_error_has_a_page(string id)
    {
        var page = DocsText.RepositoryPath("docs", "diagnostics", id + ".md");

        Assert.True(File.Exists(page), "missing " + page);
        Assert.StartsWith("# " + id + ": ", File.ReadAllText(page), System.StringComparison.Ordinal);
    }
}
