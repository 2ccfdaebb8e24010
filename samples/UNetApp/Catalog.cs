using System;
using System.Collections.Generic;
using System.Linq;
using UNetDsl;
using static TorchSharp.torch;

namespace UNetApp;

/// <summary>The architectures the app can train, by the name given to --arch.</summary>
public static class Catalog
{
    private static readonly Dictionary<string, (Func<nn.Module<Tensor, Tensor>> Create, UNetGeometry Geometry, Func<string> Summary)> s_networks = new(StringComparer.OrdinalIgnoreCase)
    {
        ["small"] = (() => new SmallUNet(), SmallUNet.StaticGeometry, SmallUNet.Summary),
        ["paper"] = (() => new PaperUNet(), PaperUNet.StaticGeometry, PaperUNet.Summary),
        ["attention"] = (() => new AttentionUNet(), AttentionUNet.StaticGeometry, AttentionUNet.Summary),
    };

    /// <summary>The names --arch accepts.</summary>
    public static IReadOnlyList<string> Names => s_networks.Keys.ToList();

    /// <summary>Creates the network of <paramref name="name"/>.</summary>
    /// <param name="name">An architecture name, or a generated class name read from a checkpoint.</param>
    public static nn.Module<Tensor, Tensor> Create(string name) => Find(name).Create();

    /// <summary>The summary table of <paramref name="name"/>; also knows <c>cicek3d</c>, the 3D U-Net (summary only: the app trains 2D networks).</summary>
    /// <param name="name">An architecture name.</param>
    public static string Summary(string name) =>
        string.Equals(name, "cicek3d", StringComparison.OrdinalIgnoreCase) ? Cicek3DUNet.Summary() : Find(name).Summary();

    /// <summary>The architecture name of a generated class name (as checkpoints record it).</summary>
    /// <param name="className">E.g. SmallUNet.</param>
    public static string NameOf(string className) =>
        s_networks.FirstOrDefault(kv => kv.Value.Geometry.Name == className || string.Equals(kv.Key, className, StringComparison.OrdinalIgnoreCase)).Key
        ?? throw new UsageException($"Unknown architecture '{className}'. Known: {string.Join(", ", Names)}.");

    private static (Func<nn.Module<Tensor, Tensor>> Create, UNetGeometry Geometry, Func<string> Summary) Find(string name) =>
        s_networks.TryGetValue(name, out var entry) ? entry : s_networks.TryGetValue(NameOf(name), out entry) ? entry
            : throw new UsageException($"Unknown architecture '{name}'. Known: {string.Join(", ", Names)}.");
}

/// <summary>A problem with the user's input: reported as one message and a non-zero exit.</summary>
public sealed class UsageException(string message) : Exception(message);
