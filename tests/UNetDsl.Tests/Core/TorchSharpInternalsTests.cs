using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using TorchSharp;
using UNetDsl.Layers;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Core;

/// <summary>
/// The TorchSharp internals UNetDsl reaches by reflection (<see cref="TorchSharpInternals"/>) are still there, with the
/// types the workarounds expect. A TorchSharp upgrade that moves one fails here, by name, instead of silently dropping
/// the memory or layout the workaround saves.
/// </summary>
public sealed class TorchSharpInternalsTests
{
    private const string Recheck =
        "Each member of UNetDsl.Layers.TorchSharpInternals was written for TorchSharp " + TorchSharpInternals.WrittenFor +
        ": when upgrading, re-check every one against the new TorchSharp source, then update WrittenFor and this pin.";

    [Fact]
    public void TorchSharp_is_the_version_the_workarounds_were_written_for()
    {
        var assembly = typeof(torch).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        var file = assembly.GetCustomAttribute<AssemblyFileVersionAttribute>()?.Version;
        var version = informational ?? file;

        Assert.NotNull(version);
        var pinned = string.Join(".", TorchSharpInternals.WrittenFor.Split('.').Take(2)) + ".";
        Assert.True(version!.StartsWith(pinned, StringComparison.Ordinal), $"TorchSharp is {version} (file version {file}), not {pinned}x. {Recheck}");
    }

    [Fact]
    public void AutogradContext_node_field_is_found_with_TorchSharps_node_type()
    {
        var field = TorchSharpInternals.AutogradContextNode;

        Assert.True(field is not null, "AutogradContext._node is gone. " + Recheck);
        Assert.True(TorchSharpInternals.FunctionNodeType is not null, "TorchSharp.torch+autograd+Node`1 is gone. " + Recheck);
        Assert.True(
            field!.FieldType.IsAssignableFrom(TorchSharpInternals.FunctionNodeType),
            $"AutogradContext._node is a {field.FieldType}, which a custom function's node ({TorchSharpInternals.FunctionNodeType}) is not. " + Recheck);
    }

    [Fact]
    public void Function_node_output_cache_is_a_list_of_tensors()
    {
        var nodeType = TorchSharpInternals.FunctionNodeType;
        Assert.True(nodeType is not null, "TorchSharp.torch+autograd+Node`1 is gone. " + Recheck);

        var field = nodeType!.GetField(TorchSharpInternals.OutputCacheFieldName, BindingFlags.NonPublic | BindingFlags.Instance);

        Assert.True(field is not null, $"{nodeType}.{TorchSharpInternals.OutputCacheFieldName} is gone. " + Recheck);
        Assert.True(field!.FieldType == typeof(List<Tensor>), $"{nodeType}.{TorchSharpInternals.OutputCacheFieldName} is a {field.FieldType}, not a List<Tensor>. " + Recheck);
    }

    [Fact]
    public void A_custom_functions_node_and_output_cache_are_reached_and_released()
    {
        using var scope = NewDisposeScope();
        using var input = randn(2, 3).requires_grad_(true);

        using var output = CapturingFunction.apply(input);

        var node = CapturingFunction.LastNode;
        Assert.True(node is not null, "The context of a custom function led to no node. " + Recheck);
        var cache = TorchSharpInternals.OutputCacheOf(node);
        Assert.True(cache is not null, $"The node ({node!.GetType()}) has no readable output cache. " + Recheck);
        Assert.Single(cache!);
        Assert.NotNull(cache![0]);
        Assert.Equal(output.shape, cache[0].shape);

        TorchSharpInternals.ReleaseOutputCache(node);

        Assert.Null(cache[0]);

        // With the cache released, a missing gradient still passes through: backward runs as before.
        using var sum = output.sum();
        sum.backward();
        using var gradient = input.grad;
        Assert.NotNull(gradient);
        Assert.Equal(2f, gradient!.mean().item<float>(), 5);
    }

    [Fact]
    public void SGD_momentum_buffers_are_public_tensor_fields_of_its_state()
    {
        var field = typeof(TorchSharp.Modules.SGD.State).GetField("momentum_buffer", BindingFlags.Public | BindingFlags.Instance);

        Assert.True(field is not null && field.FieldType == typeof(Tensor), "SGD.State.momentum_buffer is no longer a public Tensor field. " + Recheck);
        Assert.Equal(2, StateTensorsAfterOneStep(parameters => optim.SGD(parameters, 0.1, momentum: 0.9)));
    }

    [Fact]
    public void Adam_moments_are_public_tensor_fields_of_its_state()
    {
        foreach (var name in new[] { "exp_avg", "exp_avg_sq" })
        {
            var field = typeof(TorchSharp.Modules.Adam.State).GetField(name, BindingFlags.Public | BindingFlags.Instance);
            Assert.True(field is not null && field.FieldType == typeof(Tensor), $"Adam.State.{name} is no longer a public Tensor field. " + Recheck);
        }

        // Two parameters, each with its first and second moment (max_exp_avg_sq only with amsgrad).
        Assert.True(StateTensorsAfterOneStep(parameters => optim.Adam(parameters, 0.01)) >= 4, "Adam's moments were not found in its state. " + Recheck);
    }

    /// <summary>How many state tensors <see cref="TorchSharpInternals.OptimizerStateTensors"/> finds after one step of a conv layer.</summary>
    private static int StateTensorsAfterOneStep(Func<IEnumerable<TorchSharp.Modules.Parameter>, optim.Optimizer> create)
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(2, 3, 3);
        using var optimizer = create(conv.parameters());
        using (var loss = conv.call(randn(1, 2, 5, 5)).square().sum())
        {
            loss.backward();
        }

        optimizer.step();
        return TorchSharpInternals.OptimizerStateTensors(optimizer).Count();
    }

    /// <summary>Doubles its input and remembers its node, as activation checkpointing does.</summary>
    private sealed class CapturingFunction : autograd.SingleTensorFunction<CapturingFunction>
    {
        public static object? LastNode { get; private set; }

        public override string Name => "UNetDslTestCapturingFunction";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            LastNode = TorchSharpInternals.FunctionNodeOf(ctx);
            return ((Tensor)vars[0]).mul(2);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output) => new() { grad_output.mul(2) };
    }
}
