using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using UNetDsl.Tests.Training;
using UNetDsl.Tests.Variants;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Core;

/// <summary>
/// Every single-input network declared in this project, held to what the compiler emitted for it: parameter count,
/// output shape at the reference size, and output size at a larger valid size.
/// </summary>
public class EveryNetworkTests
{
    private sealed record Net(
        Func<nn.Module<Tensor, Tensor>> Create,
        Func<long, long[]> InputShape,
        Func<long, long[]> OutputShape,
        long ParameterCount,
        bool HasDeclaredInputSize,
        UNetGeometry Geometry);

    private static readonly Dictionary<string, Net> Nets = new(StringComparer.Ordinal)
    {
        [nameof(SmallBatchNormNet)] = new(() => new SmallBatchNormNet(), SmallBatchNormNet.InputShape, SmallBatchNormNet.OutputShape, SmallBatchNormNet.ParameterCount, SmallBatchNormNet.HasDeclaredInputSize, SmallBatchNormNet.StaticGeometry),
        [nameof(OverriddenNet)] = new(() => new OverriddenNet(), OverriddenNet.InputShape, OverriddenNet.OutputShape, OverriddenNet.ParameterCount, OverriddenNet.HasDeclaredInputSize, OverriddenNet.StaticGeometry),
        [nameof(SkipKindsNet)] = new(() => new SkipKindsNet(), SkipKindsNet.InputShape, SkipKindsNet.OutputShape, SkipKindsNet.ParameterCount, SkipKindsNet.HasDeclaredInputSize, SkipKindsNet.StaticGeometry),
        [nameof(GroupBilinearSiLUNet)] = new(() => new GroupBilinearSiLUNet(), GroupBilinearSiLUNet.InputShape, GroupBilinearSiLUNet.OutputShape, GroupBilinearSiLUNet.ParameterCount, GroupBilinearSiLUNet.HasDeclaredInputSize, GroupBilinearSiLUNet.StaticGeometry),
        [nameof(Small3DSameNet)] = new(() => new Small3DSameNet(), Small3DSameNet.InputShape, Small3DSameNet.OutputShape, Small3DSameNet.ParameterCount, Small3DSameNet.HasDeclaredInputSize, Small3DSameNet.StaticGeometry),
        [nameof(SmallCicekNet)] = new(() => new SmallCicekNet(), SmallCicekNet.InputShape, SmallCicekNet.OutputShape, SmallCicekNet.ParameterCount, SmallCicekNet.HasDeclaredInputSize, SmallCicekNet.StaticGeometry),
        [nameof(ThickSliceNet)] = new(() => new ThickSliceNet(), ThickSliceNet.InputShape, ThickSliceNet.OutputShape, ThickSliceNet.ParameterCount, ThickSliceNet.HasDeclaredInputSize, ThickSliceNet.StaticGeometry),
        [nameof(GatedNet)] = new(() => new GatedNet(), GatedNet.InputShape, GatedNet.OutputShape, GatedNet.ParameterCount, GatedNet.HasDeclaredInputSize, GatedNet.StaticGeometry),
        [nameof(SupervisedResidualNet)] = new(() => new SupervisedResidualNet(), SupervisedResidualNet.InputShape, SupervisedResidualNet.OutputShape, SupervisedResidualNet.ParameterCount, SupervisedResidualNet.HasDeclaredInputSize, SupervisedResidualNet.StaticGeometry),
        [nameof(ValidResidualNet)] = new(() => new ValidResidualNet(), ValidResidualNet.InputShape, ValidResidualNet.OutputShape, ValidResidualNet.ParameterCount, ValidResidualNet.HasDeclaredInputSize, ValidResidualNet.StaticGeometry),
        [nameof(TileNet)] = new(() => new TileNet(), TileNet.InputShape, TileNet.OutputShape, TileNet.ParameterCount, TileNet.HasDeclaredInputSize, TileNet.StaticGeometry),
    };

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in Nets.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Parameter_count_is_TorchSharps(string name)
    {
        var net = Nets[name];
        using var model = net.Create();

        Assert.Equal(net.ParameterCount, model.parameters().Sum(p => p.numel()));
        Assert.Equal(net.ParameterCount, net.Geometry.ParameterCount);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Output_shape_is_the_compilers(string name)
    {
        var net = Nets[name];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = net.Create();
        model.eval();

        Assert.Equal(net.OutputShape(2), model.call(randn(net.InputShape(2))).shape);

        if (!net.HasDeclaredInputSize)
        {
            // Three steps above the smallest valid size on every axis: the rule, not just the reference size.
            var rules = net.Geometry.SizeRules;
            var sizes = rules.Select(r => r.MinInput + (3 * r.Step)).ToArray();
            var input = new long[] { 2, net.Geometry.InputChannels }.Concat(sizes.Select(s => (long)s)).ToArray();
            var expected = new long[] { 2, net.Geometry.OutputChannels }.Concat(sizes.Select((s, axis) => (long)rules[axis].OutputFor(s))).ToArray();

            Assert.Equal(expected, model.call(randn(input)).shape);
        }
    }

    [Fact]
    public void Same_seed_gives_identical_parameters_at_construction()
    {
        torch.manual_seed(123);
        using var first = new OverriddenNet();
        torch.manual_seed(123);
        using var second = new OverriddenNet();
        using var third = new OverriddenNet();

        var a = first.parameters().ToArray();
        var b = second.parameters().ToArray();
        var c = third.parameters().ToArray();
        Assert.Equal(a.Length, b.Length);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.True(a[i].shape.SequenceEqual(b[i].shape) && a[i].eq(b[i]).all().item<bool>(), "parameter " + i + " differs under the same seed");
        }

        // Without reseeding, the generator has moved on: the convolution weights differ.
        Assert.False(a[0].eq(c[0]).all().item<bool>(), "a fresh draw gave the same first weight");
    }
}
