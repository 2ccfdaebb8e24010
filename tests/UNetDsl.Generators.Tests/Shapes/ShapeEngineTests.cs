using System.Linq;
using UNetDsl.Generators.Model;
using UNetDsl.Generators.Shapes;
using Xunit;

namespace UNetDsl.Generators.Tests.Shapes;

/// <summary>The pure shape engine, on specs built in code: no compiler, no TorchSharp.</summary>
public class ShapeEngineTests
{
    internal static UNetSpec Spec(
        PaddingKind padding,
        int[][] levels,
        int[] bottleneck,
        int[]? input = null,
        int dimensions = 2,
        int kernel = 3,
        NormKind norm = NormKind.None,
        UpSamplingKind up = UpSamplingKind.TransposedConv,
        double dropout = 0,
        int inChannels = 1,
        int classes = 2,
        System.Func<int, LevelSpec, LevelSpec>? level = null,
        UNetDsl.Generators.Model.BlockKind block = UNetDsl.Generators.Model.BlockKind.Plain,
        int[]? kernelPerAxis = null) =>
        new(
            "Test", "Net", "public", dimensions, inChannels, classes, padding, kernel,
            (kernelPerAxis ?? System.Array.Empty<int>()).ToEquatableArray(), block,
            (input ?? System.Array.Empty<int>()).ToEquatableArray(), up, norm, 8, ActivationKind.ReLU,
            levels.Select((l, i) => (level ?? ((_, spec) => spec))(i + 1, Level(l))).ToEquatableArray(),
            new BottleneckSpec(bottleneck.ToEquatableArray(), 0, EquatableArray<int>.Empty, dropout));

    internal static LevelSpec Level(params int[] channels) =>
        new(channels.ToEquatableArray(), 0, EquatableArray<int>.Empty, EquatableArray<int>.Empty, EquatableArray<int>.Empty, 0, SkipJoin.Concat, 0, 0, false);

    internal static UNetSpec Paper(params int[] input) =>
        Spec(PaddingKind.Valid, new[] { new[] { 64 }, new[] { 128 }, new[] { 256 }, new[] { 512 } }, new[] { 1024 }, input, dropout: 0.5);

    [Fact]
    public void Paper_network_sizes_follow_the_papers_figure()
    {
        var report = DeclarationValidator.Validate(Paper(572, 572)).Report!;

        // Figure 1 of the paper: 572 -> 568 -> 284 ... 32 -> 28 (bottleneck) -> 56 -> 52 ... 392 -> 388.
        int Size(string layer) => report.Layer(layer).Size[0];
        Assert.Equal(new[] { 568, 280, 136, 64 }, new[] { Size("enc1"), Size("enc2"), Size("enc3"), Size("enc4") });
        Assert.Equal(new[] { 284, 140, 68, 32 }, new[] { Size("pool1"), Size("pool2"), Size("pool3"), Size("pool4") });
        Assert.Equal(28, Size("bottleneck"));
        Assert.Equal(new[] { 56, 104, 200, 392 }, new[] { Size("up4"), Size("up3"), Size("up2"), Size("up1") });
        Assert.Equal(new[] { 52, 100, 196, 388 }, new[] { Size("dec4"), Size("dec3"), Size("dec2"), Size("dec1") });
        Assert.Equal(new[] { 388, 388 }, report.OutputSize.ToArray());
        Assert.Equal(1024, report.Layer("bottleneck").Channels);
        Assert.Equal(1024, report.Layer("cat4").Channels);
        Assert.Equal(2, report.Layer("head").Channels);

        // Skip crops: 64 -> 56, 136 -> 104, 280 -> 200, 568 -> 392 (total over both sides).
        Assert.Equal(new[] { 176, 80, 32, 8 }, report.LevelTable.Select(r => r.SkipCrop[0]).ToArray());
    }

    [Fact]
    public void Paper_network_has_the_papers_parameter_count()
    {
        var report = DeclarationValidator.Validate(Paper(572, 572)).Report!;

        Assert.Equal(31_030_658, report.Parameters);
        Assert.Equal(report.Parameters, report.Layers.Sum(l => l.Parameters));
    }

    [Fact]
    public void Paper_network_valid_sizes_are_188_plus_16k()
    {
        var report = DeclarationValidator.Validate(Paper(572, 572)).Report!;

        Assert.All(report.Axes, rule => Assert.Equal(new AxisRule(188, 16, 184), rule));
        var rule = report.Axes[0];
        Assert.Equal((556, 572), rule.Nearest(570));
        Assert.Equal((572, 572), rule.Nearest(572));
        Assert.Equal((null, 188), rule.Nearest(100));
        Assert.Equal((null, 188), rule.Nearest(0));
        Assert.Equal((null, 188), rule.Nearest(int.MinValue));

        // The largest valid int is 188 + 16 k <= int.MaxValue; above it there is nothing, never a wrapped-around size.
        Assert.Equal(2147483644, rule.MaxInput);
        Assert.Equal((2147483644, null), rule.Nearest(int.MaxValue));
        Assert.Equal((2147483628, 2147483644), rule.Nearest(2147483640));
        Assert.Equal("2147483644", rule.DescribeNearest(int.MaxValue));
        Assert.Equal("188 + 16k", rule.Describe());

        // The rule agrees with a direct check of every size in a range.
        for (var size = 1; size < 700; size++)
        {
            var direct = DeclarationValidator.Validate(Paper(size, 572)).Report is not null;
            Assert.Equal(rule.IsValid(size), direct);
        }
    }

    [Fact]
    public void Multiply_accumulates_add_up_the_convolutions()
    {
        var report = DeclarationValidator.Validate(Paper(572, 572)).Report!;

        // enc1: a 3x3 conv 1 -> 64 on a 570x570 output, then 64 -> 64 on 568x568.
        Assert.Equal((570L * 570 * 1 * 64 * 9) + (568L * 568 * 64 * 64 * 9), report.Layer("enc1").MultiplyAccumulates);
        // The 1x1 head: 388x388 outputs, 64 -> 2.
        Assert.Equal(388L * 388 * 64 * 2, report.Layer("head").MultiplyAccumulates);
        Assert.Equal(report.Layers.Sum(l => l.MultiplyAccumulates), report.MultiplyAccumulates);
    }

    [Fact]
    public void Residual_projection_is_counted_at_the_blocks_input_size_with_valid_padding()
    {
        var spec = Spec(PaddingKind.Valid, new[] { new[] { 4 } }, new[] { 8 }, new[] { 20, 20 }, block: UNetDsl.Generators.Model.BlockKind.Residual);
        var report = DeclarationValidator.Validate(spec).Report!;

        // Two 3x3 convs 1 -> 4 and 4 -> 4 shrink 20x20 to 18x18 and 16x16; the 1x1 projection 1 -> 4 runs on the
        // 20x20 input and is centre-cropped afterwards.
        Assert.Equal(new[] { 16, 16 }, report.Layer("enc1").Size.ToArray());
        Assert.Equal((18L * 18 * 1 * 4 * 9) + (16L * 16 * 4 * 4 * 9) + (20L * 20 * 1 * 4), report.Layer("enc1").MultiplyAccumulates);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(4, 16)]
    [InlineData(5, 32)]
    public void Same_padding_needs_multiples_of_two_to_the_levels(int levels, int step)
    {
        var spec = Spec(PaddingKind.Same, Enumerable.Repeat(new[] { 8 }, levels).ToArray(), new[] { 16 });
        var report = DeclarationValidator.Validate(spec).Report!;

        Assert.Equal(new AxisRule(step, step, 0), report.Axes[0]);
        Assert.False(report.InputDeclared);
        Assert.Equal(new[] { step, step }, report.InputSize.ToArray());
    }

    [Fact]
    public void One_level_valid_network_worked_by_hand()
    {
        // enc: t -> t-4 (even), pool (t-4)/2, bottleneck (t-4)/2 - 4 >= 1, up t - 12, dec t - 16 >= 1: t = 18 + 2k, output t - 16.
        // Each of the 2 outputs of an 18 input reads the whole input through the bottleneck: receptive field 18.
        var report = DeclarationValidator.Validate(Spec(PaddingKind.Valid, new[] { new[] { 4 } }, new[] { 8 })).Report!;

        Assert.Equal(new AxisRule(18, 2, 16), report.Axes[0]);
        Assert.Equal(18, report.ReceptiveField[0]);
    }

    [Fact]
    public void One_level_same_network_receptive_field_worked_by_hand()
    {
        // Output p reads decoder inputs p-2..p+2, i.e. 3 coarse bottleneck positions, each reading 5 coarse positions
        // (7 in all), i.e. 14 fine encoder positions, each reading 5 inputs: 18.
        var report = DeclarationValidator.Validate(Spec(PaddingKind.Same, new[] { new[] { 4 } }, new[] { 8 })).Report!;

        Assert.Equal(18, report.ReceptiveField[0]);
    }

    [Fact]
    public void Cicek_3D_unet_maps_132x132x116_to_44x44x28()
    {
        var spec = Spec(
            PaddingKind.Valid,
            new[] { new[] { 32, 64 }, new[] { 64, 128 }, new[] { 128, 256 } },
            new[] { 256, 512 },
            new[] { 116, 132, 132 },
            dimensions: 3,
            norm: NormKind.Batch,
            inChannels: 3,
            classes: 3);

        var result = DeclarationValidator.Validate(spec);

        Assert.Empty(result.Findings);
        Assert.Equal(new[] { 28, 44, 44 }, result.Report!.OutputSize.ToArray());
        Assert.All(result.Report.Axes, rule => Assert.Equal(88, rule.Shrink));
        Assert.All(result.Report.Axes, rule => Assert.Equal(8, rule.Step));
    }

    [Fact]
    public void Same_padding_odd_pool_names_both_shapes()
    {
        var spec = Spec(PaddingKind.Same, new[] { new[] { 64 }, new[] { 128 }, new[] { 256 }, new[] { 512 } }, new[] { 1024 }, new[] { 278, 256 });

        var result = DeclarationValidator.Validate(spec);

        Assert.True(result.Findings.Count == 1, string.Join("\n", result.Findings));
        var finding = result.Findings[0];
        Assert.Equal("UNET1002", finding.Id);
        Assert.Equal("UNet.InputSize[0]", finding.Path);
        Assert.Equal("2", finding.Arguments[0]);
        Assert.Equal("[128, 139x128]", finding.Arguments[1]);
        // 139 -> 69 -> 34 -> 17 on the way down (floor), 17 -> 34 -> 68 -> 136 on the way up.
        Assert.Equal("[128, 136x128]", finding.Arguments[4]);
        Assert.Equal("272 or 288", finding.Arguments[5]);
        Assert.Null(result.Report);
    }

    [Fact]
    public void Same_padding_single_odd_pool_is_one_pixel_off()
    {
        // 66 -> 33 (odd at level 2) -> 16 -> 8 -> 4; back up 8 -> 16 -> 32, which meets the skip of 33.
        var spec = Spec(PaddingKind.Same, new[] { new[] { 64 }, new[] { 128 }, new[] { 256 }, new[] { 512 } }, new[] { 1024 }, new[] { 64, 66 });

        var finding = Assert.Single(DeclarationValidator.Validate(spec).Findings);

        Assert.Equal("UNet.InputSize[1]", finding.Path);
        Assert.Equal(new[] { "2", "[128, 32x33]", "33 is odd on axis W", "W", "[128, 32x32]", "64 or 80", "16 + 16k", "halve" }, finding.Arguments.ToArray());
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    public void Parameters_count_weights_biases_and_affine_norms(int normKind, int normUsed)
    {
        var norm = (NormKind)normKind;
        // One level of 4 channels, bottleneck 8, 1 input channel, 2 classes, 2D, 3x3, transposed up-sampling.
        var report = DeclarationValidator.Validate(Spec(PaddingKind.Same, new[] { new[] { 4 } }, new[] { 8 }, norm: norm)).Report!;
        var bias = 1 - normUsed;
        long Conv(int i, int o) => (i * o * 9) + (bias * o) + (normUsed * 2 * o);
        var expected = Conv(1, 4) + Conv(4, 4) + Conv(4, 8) + Conv(8, 8) + ((8 * 4 * 4) + 4) + Conv(8, 4) + Conv(4, 4) + ((4 * 2) + 2);

        Assert.Equal(expected, report.Parameters);
    }

    [Fact]
    public void Reports_are_value_equal()
    {
        var first = DeclarationValidator.Validate(Paper(572, 572));
        var second = DeclarationValidator.Validate(Paper(572, 572));

        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.NotEqual(first, DeclarationValidator.Validate(Paper(588, 572)));
    }

    /// <summary>
    /// The valid-size rule is worked out arithmetically and shared between axes built alike; neither may change a
    /// rule. The oracle traces every size up to a limit, as a search would.
    /// </summary>
    [Fact]
    public void Valid_size_search_finds_what_a_trace_of_every_size_finds()
    {
        var random = new System.Random(20240611);
        var found = 0;
        for (var n = 0; n < 40; n++)
        {
            var dimensions = random.Next(2, 4);
            EquatableArray<int> PerAxis(params int[] choices) => Enumerable.Range(0, dimensions).Select(_ => choices[random.Next(choices.Length)]).ToEquatableArray();
            var spec = Spec(
                (PaddingKind)random.Next(2),
                Enumerable.Range(0, random.Next(1, 5)).Select(_ => random.Next(3) == 0 ? new[] { 8, 16 } : new[] { 8 }).ToArray(),
                new[] { 32 },
                dimensions: dimensions,
                up: (UpSamplingKind)random.Next(2),
                level: (number, level) => level with
                {
                    Pool = random.Next(3) == 0 ? PerAxis(1, 2, 3) : level.Pool,
                    Kernel = random.Next(4) == 0 ? PerAxis(1, 3, 5) : level.Kernel,
                    Skip = random.Next(4) == 0 ? (SkipJoin)random.Next(3) : level.Skip,
                    SkipFrom = random.Next(6) == 0 ? 1 : 0,
                });
            var network = ResolvedNetwork.From(spec);
            var rules = ShapeEngine.Analyze(network, System.Array.Empty<int>()).Report?.Axes;
            for (var axis = 0; axis < dimensions; axis++)
            {
                var expected = RuleByTracingEverySize(network, axis);
                Assert.Equal(expected, ShapeEngine.FindRule(network, axis));
                if (rules is { } valid)
                {
                    Assert.Equal(expected, valid[axis]);
                    found++;
                }
            }
        }

        Assert.True(found > 10, "too few valid networks to compare: " + found);
    }

    private static AxisRule? RuleByTracingEverySize(ResolvedNetwork network, int axis)
    {
        var step = ShapeEngine.PoolFactor(network, axis);
        var only = new[] { axis };
        for (var size = 1; size <= 16384; size++)
        {
            var trace = ShapeEngine.Propagate(LayerGraph.Build(network), new[] { size }, only);
            if (trace.Problems.Count > 0 || trace.Output is null)
            {
                continue;
            }

            for (var k = 1; k <= 2; k++)
            {
                var next = ShapeEngine.Propagate(LayerGraph.Build(network), new[] { size + (k * step) }, only);
                if (next.Problems.Count > 0 || next.Output is null || size + (k * step) - next.Output[0] != size - trace.Output[0])
                {
                    return null;
                }
            }

            return new AxisRule(size, step, size - trace.Output[0]);
        }

        return null;
    }
}
