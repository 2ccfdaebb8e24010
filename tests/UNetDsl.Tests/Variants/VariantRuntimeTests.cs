using System;
using System.Linq;
using TorchSharp;
using UNetDsl;
using UNetDsl.Layers;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Variants;

/// <summary>Every variant through TorchSharp: the compiler's shapes and parameter counts against what runs.</summary>
public class VariantRuntimeTests
{
    private static long Count(nn.Module module) => module.parameters().Sum(p => p.numel());

    private static long[] Shape(UNetGeometry geometry, int[] size, int channels, long batch = 2) =>
        new[] { batch, (long)channels }.Concat(size.Select(s => (long)s)).ToArray();

    [Fact]
    public void Parameter_counts_equal_TorchSharps()
    {
        using var cicek = new SmallCicekNet();
        using var thick = new ThickSliceNet();
        using var gated = new GatedNet();
        using var supervised = new SupervisedResidualNet();
        using var validResidual = new ValidResidualNet();
        using var denoiser = new TinyDenoiser();
        using var convNeXt = new ConvNeXtNet();
        using var convNeXtVolume = new ConvNeXtVolumeNet();

        Assert.Equal(ConvNeXtNet.ParameterCount, Count(convNeXt));
        Assert.Equal(ConvNeXtVolumeNet.ParameterCount, Count(convNeXtVolume));
        Assert.Equal(SmallCicekNet.ParameterCount, Count(cicek));
        Assert.Equal(ThickSliceNet.ParameterCount, Count(thick));
        Assert.Equal(GatedNet.ParameterCount, Count(gated));
        Assert.Equal(SupervisedResidualNet.ParameterCount, Count(supervised));
        Assert.Equal(ValidResidualNet.ParameterCount, Count(validResidual));
        Assert.Equal(TinyDenoiser.ParameterCount, Count(denoiser));
    }

    [Fact]
    public void State_dict_lists_each_residual_projection_and_time_layer_once_under_its_registered_name()
    {
        using var residual = new ValidResidualNet();
        using var denoiser = new TinyDenoiser();

        var residualKeys = residual.state_dict().Keys.ToArray();
        var denoiserKeys = denoiser.state_dict().Keys.ToArray();

        // Private fields must not appear a second time under their C# names (e.g. enc1._projection.weight).
        Assert.DoesNotContain(residualKeys.Concat(denoiserKeys), k => k.Split('.').Any(part => part.StartsWith('_')));
        Assert.Contains("enc2.proj.weight", residualKeys);
        Assert.Contains("enc1.time.weight", denoiserKeys);
        Assert.Equal(residualKeys.Length, residualKeys.Distinct().Count());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Three_dimensional_and_anisotropic_nets_produce_the_compilers_output_shape(int which)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        nn.Module<Tensor, Tensor> model = which == 0 ? new SmallCicekNet() : new ThickSliceNet();
        var geometry = ((IUNetModule)model).Geometry;
        model.eval();

        // One size above the smallest on each axis, so that the axes differ.
        var size = geometry.SizeRules.Select(r => r.MinInput + r.Step).ToArray();
        var output = model.call(randn(Shape(geometry, size, geometry.InputChannels)));

        var expected = Shape(geometry, size.Select((s, a) => geometry.SizeRules[a].OutputFor(s)).ToArray(), geometry.OutputChannels);
        Assert.Equal(expected, output.shape);
        model.Dispose();
    }

    [Fact]
    public void Gated_and_residual_valid_nets_produce_the_compilers_output_shape()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var gated = new GatedNet();
        using var residual = new ValidResidualNet();
        gated.eval();
        residual.eval();

        var gatedSize = GatedNet.SizeRules[0].MinInput + (2 * GatedNet.SizeRules[0].Step);
        Assert.Equal(new long[] { 1, 2, GatedNet.OutputSizeFor(gatedSize), GatedNet.OutputSizeFor(gatedSize) }, gated.call(randn(1, 1, gatedSize, gatedSize)).shape);
        Assert.Equal(ValidResidualNet.OutputShape(3), residual.call(randn(ValidResidualNet.InputShape(3))).shape);
    }

    [Fact]
    public void Attention_gate_equals_its_formula_computed_by_hand()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(7);
        using var gate = new AttentionGate("gate", 2, skipChannels: 4, gatingChannels: 6, intermediateChannels: 3, factors: new[] { 2, 2 });
        var x = randn(2, 4, 8, 8);
        var g = randn(2, 6, 4, 4);

        var actual = gate.call(x, g);

        // alpha = sigmoid(psi(relu(W_x x + W_g g))), W_x a 2x2 stride-2 convolution without bias, then resampled
        // bilinearly to x's size; the output is x * alpha.
        var p = gate.named_parameters().ToDictionary(kv => kv.name, kv => kv.parameter);
        var theta = nn.functional.conv2d(x, p["w_x.weight"], strides: new long[] { 2, 2 });
        var phi = nn.functional.conv2d(g, p["w_g.weight"], p["w_g.bias"]);
        var alpha = sigmoid(nn.functional.conv2d(nn.functional.relu(theta + phi), p["psi.weight"], p["psi.bias"]));
        var resampled = nn.functional.interpolate(alpha, size: new long[] { 8, 8 }, mode: InterpolationMode.Bilinear, align_corners: false);
        var expected = x * resampled;

        Assert.Equal(new long[] { 2, 4, 8, 8 }, actual.shape);
        Assert.True(allclose(actual, expected, rtol: 1e-5, atol: 1e-6), "max abs difference " + (actual - expected).abs().max().item<float>());
        Assert.Equal(new[] { "psi.bias", "psi.weight", "w_g.bias", "w_g.weight", "w_x.weight" }, p.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Deep_supervision_returns_typed_heads_at_their_resolutions_and_weights()
    {
        using var scope = NewDisposeScope();
        using var model = new SupervisedResidualNet();
        model.train();
        var input = randn(2, 1, 32, 32);

        using var heads = model.ForwardWithHeads(input);

        Assert.Equal(new long[] { 2, 2, 32, 32 }, heads.Main.shape);
        Assert.Equal(new long[] { 2, 2, 16, 16 }, heads.Level2.shape);
        Assert.Equal(new long[] { 2, 2, 8, 8 }, heads.Level3.shape);
        Assert.Equal(new[] { 1, 2, 3 }, heads.Levels.ToArray());

        // nnU-Net: 1, 1/2, 1/4 with the lowest resolution's set to 0, normalised: 2/3, 1/3, 0.
        Assert.Equal(2.0 / 3, heads.Weights[0], 10);
        Assert.Equal(1.0 / 3, heads.Weights[1], 10);
        Assert.Equal(0.0, heads.Weights[2], 10);

        var target = randint(0, 2, new long[] { 2, 32, 32 });
        var loss = heads.Loss(target, (scores, labels) => nn.functional.cross_entropy(scores, labels));
        var main = nn.functional.cross_entropy(heads.Main, target).item<float>();
        var level2Target = nn.functional.interpolate(target.unsqueeze(1).to_type(ScalarType.Float32), size: new long[] { 16, 16 }, mode: InterpolationMode.Nearest).squeeze(1).to_type(ScalarType.Int64);
        var level2 = nn.functional.cross_entropy(heads.Level2, level2Target).item<float>();
        Assert.Equal((2.0 / 3 * main) + (1.0 / 3 * level2), loss.item<float>(), 4);

        // The plain forward gives the main head alone.
        using (no_grad())
        {
            model.eval();
            Assert.Equal(new long[] { 2, 2, 32, 32 }, model.call(input).shape);
        }
    }

    [Fact]
    public void Conditional_denoiser_takes_timestep_and_context()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        using var model = new TinyDenoiser();
        var x = randn(3, 1, 16, 16);
        var timestep = tensor(new long[] { 0, 10, 999 });
        var context = randn(3, 5, 8);

        var output = model.call(x, timestep, context);
        Assert.Equal(new long[] { 3, 1, 16, 16 }, output.shape);
        Assert.True(output.isfinite().all().item<bool>(), "the output has NaN or infinite values");

        // The timestep and the context both change the output.
        var otherTime = model.call(x, tensor(new long[] { 1, 11, 998 }), context);
        var otherContext = model.call(x, timestep, randn(3, 5, 8));
        Assert.False(allclose(output, otherTime));
        Assert.False(allclose(output, otherContext));

        // Gradients reach the timestep MLP and the cross-attention.
        output.sum().backward();
        var grads = model.named_parameters().ToDictionary(kv => kv.name, kv => kv.parameter.grad);
        var zero = grads.Where(kv => kv.Value is null || kv.Value.abs().sum().item<float>() == 0).Select(kv => kv.Key).ToList();
        Assert.True(zero.Count == 0, "no gradient for: " + string.Join(", ", zero));
    }

    [Fact]
    public void Conditional_guard_names_timestep_and_context_shapes()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyDenoiser();
        var x = randn(2, 1, 16, 16);

        var time = Assert.Throws<ArgumentException>(() => model.call(x, tensor(new long[] { 1, 2, 3 }), randn(2, 5, 8)));
        Assert.StartsWith("UNET2006: TinyDenoiser expects one timestep per sample, [2]; got [3]", time.Message);

        var context = Assert.Throws<ArgumentException>(() => model.call(x, tensor(new long[] { 1, 2 }), randn(2, 5, 7)));
        Assert.StartsWith("UNET2007: TinyDenoiser expects a context [2, tokens, 8]; got [2, 5, 7]", context.Message);
    }

    [Fact]
    public void Conditional_guard_names_the_dtype_of_timestep_and_context()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyDenoiser();
        var x = randn(2, 1, 16, 16);
        var timestep = tensor(new long[] { 1, 2 });

        // A float64 context used to reach Linear and fail there with a native error.
        var context = Assert.Throws<ArgumentException>(() => model.call(x, timestep, randn(2, 5, 8, dtype: ScalarType.Float64)));
        Assert.Equal("context", context.ParamName);
        Assert.StartsWith("UNET2004: TinyDenoiser has Float32 parameters and expects a Float32 context; got Float64. Convert with context.to(Float32).", context.Message, StringComparison.Ordinal);

        var flags = Assert.Throws<ArgumentException>(() => model.call(x, tensor(new[] { true, false }), randn(2, 5, 8)));
        Assert.Equal("timestep", flags.ParamName);
        Assert.StartsWith("UNET2004: TinyDenoiser expects timesteps of an integer or floating type (such as Int64 or Float32); got Bool.", flags.Message, StringComparison.Ordinal);

        // Integer and floating timesteps of any width are converted by the embedding.
        Assert.Equal(new long[] { 2, 1, 16, 16 }, model.call(x, tensor(new[] { 1, 2 }), randn(2, 5, 8)).shape);
        Assert.Equal(new long[] { 2, 1, 16, 16 }, model.call(x, tensor(new[] { 1.5, 2.0 }), randn(2, 5, 8)).shape);
    }

    [Fact]
    public void Group_norms_start_as_the_identity()
    {
        // TorchSharp 0.107 leaves GroupNorm's affine parameters uninitialised; UNetDsl sets them (weight 1, bias 0).
        using var model = new TinyDenoiser();
        var norms = model.named_parameters().Where(p => p.name.Contains("norm", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(norms);
        foreach (var (name, parameter) in norms)
        {
            var expected = name.EndsWith(".weight", StringComparison.Ordinal) ? 1f : 0f;
            Assert.True(parameter.eq(expected).all().item<bool>(), name + " is not initialised to " + expected);
        }
    }
}
