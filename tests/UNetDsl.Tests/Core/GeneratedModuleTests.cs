using System.IO;
using System;
using System.Globalization;
using System.Linq;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Core;

/// <summary>Generated modules on TorchSharp: what the compiler said against what runs.</summary>
public class GeneratedModuleTests
{
    private static long Count(nn.Module module) => module.parameters().Sum(p => p.numel());

    [Fact]
    public void Paper_network_has_31_030_658_parameters_as_TorchSharp_counts_them()
    {
        using var model = new PaperNet();

        Assert.Equal(31_030_658L, PaperNet.ParameterCount);
        Assert.Equal(PaperNet.ParameterCount, Count(model));
    }

    [Fact]
    public void Paper_network_maps_572_to_388()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = new PaperNet();
        model.eval();

        var output = model.call(randn(PaperNet.InputShape(1)));

        Assert.Equal(new long[] { 1, 2, 388, 388 }, output.shape);
        Assert.Equal(PaperNet.OutputShape(1), output.shape);
    }

    [Fact]
    public void Paper_network_valid_size_helpers_follow_188_plus_16k()
    {
        Assert.True(PaperNet.IsValidInputSize(572));
        Assert.False(PaperNet.IsValidInputSize(570));
        Assert.Equal((556, 572), PaperNet.NearestValidInputSizes(570));
        Assert.Equal(388, PaperNet.OutputSizeFor(572));
        Assert.Equal(new ValidSizeRule(188, 16, 184), PaperNet.SizeRules[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => PaperNet.OutputSizeFor(570));
        Assert.Contains("31,030,658", PaperNet.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public void Small_networks_count_and_shape_as_compiled()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var batchNorm = new SmallBatchNormNet();
        using var overridden = new OverriddenNet();
        using var skipKinds = new SkipKindsNet();
        batchNorm.eval();
        overridden.eval();
        skipKinds.eval();

        Assert.Equal(SmallBatchNormNet.ParameterCount, Count(batchNorm));
        Assert.Equal(OverriddenNet.ParameterCount, Count(overridden));
        Assert.Equal(SkipKindsNet.ParameterCount, Count(skipKinds));

        // Larger than the smallest valid size, to exercise the rule and not just the reference size.
        foreach (var (model, geometry) in new (nn.Module<Tensor, Tensor>, UNetGeometry)[]
        {
            (batchNorm, SmallBatchNormNet.StaticGeometry),
            (overridden, OverriddenNet.StaticGeometry),
            (skipKinds, SkipKindsNet.StaticGeometry),
        })
        {
            var rule = geometry.SizeRules[0];
            var size = rule.MinInput + (3 * rule.Step);
            var output = model.call(randn(2, geometry.InputChannels, size, size));
            Assert.Equal(new long[] { 2, geometry.OutputChannels, rule.OutputFor(size), rule.OutputFor(size) }, output.shape);
        }
    }

    [Fact]
    public void Wrong_rank_is_UNET2001_before_any_computation()
    {
        using var model = new SmallBatchNormNet();
        using var input = randn(1, 16, 16);

        var error = Assert.Throws<ArgumentException>(() => model.call(input));

        Assert.StartsWith("UNET2001: SmallBatchNormNet expects a rank-4 input [N, 1, H, W]; got rank 3 [1, 16, 16].", error.Message, StringComparison.Ordinal);
        Assert.Contains("unsqueeze(0)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_channels_is_UNET2002()
    {
        using var model = new SmallBatchNormNet();
        using var input = randn(2, 3, 16, 16);

        var error = Assert.Throws<ArgumentException>(() => model.call(input));

        Assert.StartsWith("UNET2002: SmallBatchNormNet expects 1 input channel(s) [N, 1, H, W]; got 3 in [2, 3, 16, 16].", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_size_is_UNET2003_with_the_nearest_valid_sizes()
    {
        using var model = new PaperNet();
        using var input = randn(1, 1, 570, 572);

        var error = Assert.Throws<ArgumentException>(() => model.call(input));

        Assert.StartsWith("UNET2003: PaperNet cannot line up the spatial size of [1, 1, 570, 572]: H = 570 is not one of 188 + 16k, nearest valid: 556 or 572.", error.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 1, 572x572]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_dtype_is_UNET2004()
    {
        using var model = new SmallBatchNormNet();
        using var input = randn(new long[] { 1, 1, 16, 16 }, dtype: ScalarType.Float64);

        var error = Assert.Throws<ArgumentException>(() => model.call(input));

        Assert.StartsWith("UNET2004: SmallBatchNormNet has Float32 parameters and expects a Float32 input; got Float64.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_device_is_UNET2005()
    {
        using var model = new SmallBatchNormNet();
        using var input = empty(new long[] { 1, 1, 16, 16 }, device: torch.device("meta"));

        var error = Assert.Throws<ArgumentException>(() => model.call(input));

        Assert.StartsWith("UNET2005: SmallBatchNormNet lives on cpu", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("meta", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void State_dict_keys_are_stable()
    {
        using var paper = new PaperNet();
        using var batchNorm = new SmallBatchNormNet();
        using var overridden = new OverriddenNet();

        static string Keys(nn.Module module) => string.Join("\n", module.state_dict()
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => kv.Key + " [" + string.Join(", ", kv.Value.shape.Select(s => s.ToString(CultureInfo.InvariantCulture))) + "]")) + "\n";

        Snapshot.Match("PaperNet.state_dict", Keys(paper));
        Snapshot.Match("SmallBatchNormNet.state_dict", Keys(batchNorm));
        Snapshot.Match("OverriddenNet.state_dict", Keys(overridden));
    }

    [Fact]
    public void Folding_batch_norm_leaves_the_output_unchanged()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        using var model = new SmallBatchNormNet();
        using var optimizer = torch.optim.SGD(model.parameters(), 0.05);
        var input = randn(4, 1, 16, 16);
        var target = randint(0, 2, new long[] { 4, 16, 16 });

        // A few steps, so that running statistics and affine parameters are far from their initial values.
        model.train();
        for (var i = 0; i < 5; i++)
        {
            using var step = NewDisposeScope();
            optimizer.zero_grad();
            nn.functional.cross_entropy(model.call(input), target).backward();
            optimizer.step();
        }

        model.eval();
        Tensor plain;
        using (no_grad())
        {
            plain = model.call(input);
        }

        // 2 levels x 2 convs x (encoder + decoder) + 2 bottleneck convs.
        Assert.Equal(10, model.PrepareForInference(ComputePrecision.Float32));
        var folded = model.Predict(input);

        var difference = (folded - plain).abs().max().item<float>();
        Assert.True(difference < 1e-4, "max abs difference " + difference);
        Assert.False(model.training);

        // Predict hands back an ordinary tensor; the parameters keep their layout (the inference copies are separate).
        Assert.True(folded.is_contiguous());
        Assert.All(model.parameters(), p => Assert.True(p.is_contiguous()));

        // The relaid weights save and load with their values: a fresh network computes the same.
        var path = Path.GetTempFileName();
        try
        {
            model.save(path);
            using var reloaded = new SmallBatchNormNet();
            reloaded.load(path);
            reloaded.eval();
            using (no_grad())
            {
                var again = reloaded.call(input);
                var reloadDifference = (again - plain).abs().max().item<float>();
                Assert.True(reloadDifference < 1e-4, "after save and load, max abs difference " + reloadDifference);
            }
        }
        finally
        {
            File.Delete(path);
        }

        // Training again drops the inference copies: after a step, evaluation uses the new weights.
        model.train();
        optimizer.zero_grad();
        nn.functional.cross_entropy(model.call(input), target).backward();
        optimizer.step();
        model.eval();
        using (no_grad())
        {
            var trained = model.call(input);
            using var reference = new SmallBatchNormNet();
            reference.load_state_dict(model.state_dict());
            reference.eval();
            var stale = (trained - reference.call(input)).abs().max().item<float>();
            Assert.True(stale < 1e-5f, "evaluation after further training differs from the trained weights by " + stale);
        }
    }
}
