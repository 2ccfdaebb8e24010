using System;
using System.Linq;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Core;

/// <summary>A small 'Valid' network whose receptive field a gradient probe can measure quickly (two levels see the same everywhere, three do not).</summary>
[UNet(1, 1, Padding = ConvPadding.Valid)]
[Level(2)]
[Level(2)]
[Level(2)]
[Bottleneck(2)]
public partial class ProbeValidNet
{
}

/// <summary>The same with 'Same' padding and bilinear up-sampling: the field of pixels away from the borders.</summary>
[UNet(1, 1, UpSampling = UpSampling.Bilinear)]
[Level(2)]
[Level(2)]
[Bottleneck(2)]
public partial class ProbeSameNet
{
}

/// <summary>
/// Sizes and fields at the ends of their ranges: nearest valid sizes never leave int, axes are checked, and the
/// receptive field the compiler states is the one gradients show.
/// </summary>
public class NumberRangeRuntimeTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(187)]
    public void Sizes_below_the_smallest_give_only_the_smallest(int size)
    {
        Assert.Equal((null, 188), PaperNet.NearestValidInputSizes(size));
        Assert.Equal((null, 188), PaperNet.NearestValidInputSizes(size, axis: 1));
        Assert.False(PaperNet.IsValidInputSize(size));
    }

    [Fact]
    public void Sizes_at_the_top_of_int_stay_in_range_or_throw_naming_the_range()
    {
        // 188 + 16k: the largest int of that form is 2147483644.
        var rule = PaperNet.SizeRules[0];
        Assert.Equal(2147483644, rule.MaxInput);
        Assert.Equal((2147483644, 2147483644), PaperNet.NearestValidInputSizes(2147483644));
        Assert.Equal((2147483628, 2147483644), PaperNet.NearestValidInputSizes(2147483630));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => PaperNet.NearestValidInputSizes(int.MaxValue));
        Assert.Equal("size", error.ParamName);
        Assert.Contains("valid sizes are 188 + 16k, from 188 to 2147483644", error.Message, StringComparison.Ordinal);
        Assert.Equal("2147483644 (the largest)", rule.DescribeNearest(int.MaxValue));
        Assert.Equal("outputSize", Assert.Throws<ArgumentOutOfRangeException>(() => rule.InputFor(int.MaxValue)).ParamName);
        Assert.Equal(2147483644, rule.InputFor(2147483644 - 184));
        Assert.Equal(2147483644 - 184, PaperNet.OutputSizeFor(2147483644));
    }

    [Fact]
    public void Three_dimensional_rules_have_the_same_ends_on_every_axis()
    {
        // 'Same' padding, 2 levels: 4 + 4k on D, H and W.
        for (var axis = 0; axis < 3; axis++)
        {
            Assert.Equal((null, 4), Small3DSameNet.NearestValidInputSizes(0, axis));
            Assert.Equal((null, 4), Small3DSameNet.NearestValidInputSizes(-7, axis));
            Assert.Equal((2147483644, 2147483644), Small3DSameNet.NearestValidInputSizes(2147483644, axis));
            Assert.Throws<ArgumentOutOfRangeException>(() => Small3DSameNet.NearestValidInputSizes(int.MaxValue, axis));
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    public void An_axis_the_network_does_not_have_is_ArgumentOutOfRangeException(int axis)
    {
        Assert.Equal("axis", Assert.Throws<ArgumentOutOfRangeException>(() => PaperNet.NearestValidInputSizes(572, axis)).ParamName);
        Assert.Equal("axis", Assert.Throws<ArgumentOutOfRangeException>(() => PaperNet.IsValidInputSize(572, axis)).ParamName);
        Assert.Equal("axis", Assert.Throws<ArgumentOutOfRangeException>(() => PaperNet.OutputSizeFor(572, axis)).ParamName);
        Assert.Equal("axis", Assert.Throws<ArgumentOutOfRangeException>(() => Small3DSameNet.NearestValidInputSizes(8, axis + (axis < 0 ? 0 : 1))).ParamName);
    }

    [Fact]
    public void Paper_network_states_188_to_204()
    {
        Assert.Equal(new[] { 204, 204 }, PaperNet.ReceptiveField);
        Assert.Equal(new[] { 188, 188 }, PaperNet.MinimumReceptiveField);
    }

    [Fact]
    public void Valid_network_fields_are_what_gradients_show()
    {
        var rule = ProbeValidNet.SizeRules[0];
        var size = rule.MinInput + (4 * rule.Step);
        var output = size - rule.Shrink;
        var (min, max) = MeasuredField(new ProbeValidNet(), size, Enumerable.Range((output / 2) - (rule.Step / 2), rule.Step));

        Assert.Equal(ProbeValidNet.MinimumReceptiveField[0], min);
        Assert.Equal(ProbeValidNet.ReceptiveField[0], max);
        Assert.True(max > min, "a 'Valid' network's output pixels see different extents by position");
    }

    [Fact]
    public void Same_network_fields_away_from_the_borders_are_what_gradients_show()
    {
        var rule = ProbeSameNet.SizeRules[0];
        var size = 40 * rule.Step;
        var (min, max) = MeasuredField(new ProbeSameNet(), size, Enumerable.Range(size / 2, rule.Step));

        Assert.True(ProbeSameNet.ReceptiveField[0] < size / 2, "the probe must stay away from the borders");
        Assert.Equal(ProbeSameNet.MinimumReceptiveField[0], min);
        Assert.Equal(ProbeSameNet.ReceptiveField[0], max);
    }

    /// <summary>
    /// The fewest and the most input rows that output pixels (row p, middle column) get a gradient from, over the rows
    /// <paramref name="rows"/>.
    /// </summary>
    /// <remarks>
    /// Zero gradients must mean "does not depend", never an accident: every weight and bias is a positive constant and
    /// the input positive, so every activation is positive, ReLU passes every gradient, and no sum of positive terms
    /// cancels. Max-pooling passes the gradient to one element of its window only: on an input that grows with the row
    /// (and column) every encoder map grows too, so each window's maximum is its last element and the gradient reaches
    /// the last row the pixel depends on, which is found by following each window's last element; on an input that
    /// falls with the row, its first. So the lowest row comes from the falling input and the highest from the growing one.
    /// </remarks>
    private static (int Min, int Max) MeasuredField(nn.Module<Tensor, Tensor> model, int size, System.Collections.Generic.IEnumerable<int> rows)
    {
        using var scope = NewDisposeScope();
        model.to(ScalarType.Float64);
        using (no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                parameter.fill_(name.EndsWith("bias", StringComparison.Ordinal) ? 0.01 : 0.1);
            }
        }

        var index = arange(size, dtype: ScalarType.Float64);
        var ramp = index.unsqueeze(1) + index.unsqueeze(0);
        var growing = (ramp + 1).reshape(1, 1, size, size);
        var falling = ((2 * size) - ramp).reshape(1, 1, size, size);

        int Extent(Tensor input, int row, bool highest)
        {
            var x = input.clone().requires_grad_(true);
            var y = model.call(x);
            y[0, 0, row, y.shape[3] / 2].backward();
            var touched = x.grad!.abs().sum(dim: 3)[0, 0].gt(0).nonzero().flatten();
            Assert.True(touched.numel() > 0, "no gradient at all for output row " + row);
            return (int)(highest ? touched.max() : touched.min()).item<long>();
        }

        var widths = rows.Select(row => Extent(growing, row, highest: true) - Extent(falling, row, highest: false) + 1).ToList();
        model.Dispose();
        return (widths.Min(), widths.Max());
    }
}
