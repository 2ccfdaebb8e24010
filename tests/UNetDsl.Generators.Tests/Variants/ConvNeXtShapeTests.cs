using System.Linq;
using UNetDsl.Generators.Shapes;
using UNetDsl.Generators.Tests.Infrastructure;
using Xunit;

namespace UNetDsl.Generators.Tests.Variants;

/// <summary>ConvNeXt blocks through the shape engine and the emitters: one node kind, its counts, shapes and code.</summary>
public class ConvNeXtShapeTests
{
    private static NetworkReport Report(string declaration) => VariantShapeTests.Report(declaration);

    private static string Declaration(string unet, string levels = "[Level(4)]", string bottleneck = "[Bottleneck(8)]") =>
        "using UNetDsl;\n\nnamespace Test;\n\n[UNet(" + unet + ")]\n" + levels + "\n" + bottleneck + "\npublic partial class Net\n{\n}\n";

    [Fact]
    public void Parameters_and_multiply_accumulates_of_a_block_are_counted_by_hand()
    {
        var report = Report(Declaration("1, 2, Block = BlockKind.ConvNeXt, InputSize = new[] { 8, 8 }"));

        var enc1 = report.Layer("enc1");
        Assert.Equal(LayerKind.ConvNeXtBlock, enc1.Kind);
        Assert.Equal("2 x ConvNeXt 7x7 depthwise", enc1.Description);

        // Entry 1 (1 -> 4 channels): projection 1*4 + 4, depthwise 4*49 + 4, layer norm 2*4, expansion 4*16 + 16,
        // reduction 16*4 + 4 = 364. Entry 2 (4 -> 4): no projection, 200 + 8 + 80 + 68 = 356.
        Assert.Equal(364 + 356, enc1.Parameters);

        // At 8x8 ('Same'): projection 64*1*4, depthwise 64*4*49 twice, expansion and reduction 2*64*4*16 twice.
        Assert.Equal((64 * 4) + (2 * 64 * 4 * 49) + (2 * 2 * 64 * 4 * 16), enc1.MultiplyAccumulates);
        Assert.Equal(report.Layers.Sum(l => l.Parameters), report.Parameters);
    }

    [Fact]
    public void Valid_blocks_lose_what_plain_blocks_of_their_kernel_lose()
    {
        // A depthwise k x k convolution per channel entry: the sizes, the rule and the receptive field are those of
        // plain k x k convolutions; only the counts differ.
        const string Levels = "[Level(4)]\n[Level(8)]";
        var convNeXt = Report(Declaration("1, 2, Padding = ConvPadding.Valid, Block = BlockKind.ConvNeXt", Levels));
        var plain = Report(Declaration("1, 2, Padding = ConvPadding.Valid, KernelSize = 7", Levels));

        Assert.Equal(plain.Axes, convNeXt.Axes);
        Assert.Equal(plain.InputSize, convNeXt.InputSize);
        Assert.Equal(plain.OutputSize, convNeXt.OutputSize);
        Assert.Equal(plain.ReceptiveField, convNeXt.ReceptiveField);
        Assert.Equal(plain.MinimumReceptiveField, convNeXt.MinimumReceptiveField);
        Assert.Equal(plain.Layers.Select(l => l.Size), convNeXt.Layers.Select(l => l.Size));
        Assert.NotEqual(plain.Parameters, convNeXt.Parameters);

        // Two 7x7 convolutions lose 12 pixels per level.
        Assert.Equal(convNeXt.InputSize[0] - 12, convNeXt.Layer("enc1").Size[0]);
        Assert.Equal(convNeXt.Layer("pool1").Size[0] - 12, convNeXt.Layer("enc2").Size[0]);
    }

    [Fact]
    public void The_3D_module_twin_and_export_build_ConvNeXt_blocks()
    {
        var declaration = Declaration("1, 2, Dimensions = 3, Block = BlockKind.ConvNeXt, Kernel = new[] { 1, 3, 3 }", "[Level(4, Pool = new[] { 1, 2, 2 })]");
        var outcome = GeneratorHarness.Run(declaration);

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompileErrors);
        var module = outcome.GeneratedSource("Test.Net.g.cs");
        Assert.Contains("private readonly global::UNetDsl.Layers.ConvNeXtBlock enc1;", module);
        Assert.Contains("enc1 = new global::UNetDsl.Layers.ConvNeXtBlock(\"enc1\", 3, 1, new int[] { 4, 4 }, new int[] { 1, 3, 3 }, global::UNetDsl.ConvPadding.Same, device, dtype);", module);
        Assert.Contains("return 0;", module); // no batch norm to fold in PrepareForInference
        Assert.Contains("self.enc1 = u.ConvNeXtBlock(3, 1, [4, 4], [1, 3, 3], \\\"Same\\\")", outcome.GeneratedSource("Test.Net.PyTorch.g.cs"));
        Assert.Contains("string skip1 = enc1.AppendTo(graph, export.Input);", outcome.GeneratedSource("Test.Net.Onnx.g.cs"));
    }
}
