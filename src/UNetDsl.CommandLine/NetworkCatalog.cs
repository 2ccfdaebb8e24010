using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using static TorchSharp.torch;

namespace UNetDsl.CommandLine;

/// <summary>A network the command line knows: the name <c>--arch</c> takes, and how to build it.</summary>
/// <param name="Name">The name for <c>--arch</c> (case-insensitive); the class name also works.</param>
/// <param name="Type">The generated class.</param>
public sealed record NetworkEntry(string Name, Type Type)
{
    /// <summary>The compiler's geometry of the network (its static <c>StaticGeometry</c>).</summary>
    public UNetGeometry Geometry => (UNetGeometry)Type.GetProperty("StaticGeometry", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    /// <summary>A new network with fresh (untrained) weights.</summary>
    public nn.Module<Tensor, Tensor> Create()
    {
        var constructor = NetworkCatalog.DefaultConstructor(Type)!;
        try
        {
            return (nn.Module<Tensor, Tensor>)constructor.Invoke(constructor.GetParameters().Select(p => p.DefaultValue == DBNull.Value ? null : p.DefaultValue).ToArray());
        }
        catch (TargetInvocationException exception) when (exception.InnerException is { } inner)
        {
            // The constructor's own failure (libtorch not loadable, a bad argument), not reflection's wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inner);
            throw;
        }
    }

    /// <summary>The network's layer table (its static <c>Summary()</c>).</summary>
    public string Summary() => (string)Type.GetMethod("Summary", BindingFlags.Public | BindingFlags.Static, Type.EmptyTypes)!.Invoke(null, null)!;
}

/// <summary>
/// The networks a <c>unet</c> command line serves: the generated U-Nets of a program (passed as types) or of an assembly
/// (found by <see cref="IUNetModule"/>), by name.
/// </summary>
public sealed class NetworkCatalog
{
    private readonly List<NetworkEntry> _entries;

    /// <summary>A catalogue of <paramref name="entries"/>.</summary>
    /// <param name="entries">Networks with their names.</param>
    /// <exception cref="ArgumentException">Two entries share a name, or a type is not a generated network.</exception>
    public NetworkCatalog(IEnumerable<NetworkEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = entries.ToList();
        foreach (var entry in _entries)
        {
            Check(entry.Type);
        }

        var duplicate = _entries.GroupBy(e => e.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Two networks are named '{duplicate.Key}': {string.Join(", ", duplicate.Select(e => e.Type.FullName))}.", nameof(entries));
        }
    }

    /// <summary>The networks, in the order given.</summary>
    public IReadOnlyList<NetworkEntry> Entries => _entries;

    /// <summary>The names <c>--arch</c> takes.</summary>
    public IReadOnlyList<string> Names => _entries.Select(e => e.Name).ToList();

    /// <summary>A catalogue of generated network types, each named by its class name.</summary>
    /// <param name="networks">Classes declared with [UNet].</param>
    public static NetworkCatalog Of(params Type[] networks) =>
        new((networks ?? throw new ArgumentNullException(nameof(networks))).Select(t => new NetworkEntry(t.Name, t)));

    /// <summary>The generated networks of the assembly at <paramref name="path"/> (classes that implement <see cref="IUNetModule"/>, with a public constructor of optional parameters only).</summary>
    /// <param name="path">A .dll built with UNetDsl.</param>
    /// <exception cref="UsageException">The file is missing, not an assembly, or holds no generated network.</exception>
    public static NetworkCatalog FromAssembly(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"Assembly '{path}' does not exist.");
        }

        Assembly assembly;
        try
        {
            assembly = Assembly.LoadFrom(Path.GetFullPath(path));
        }
        catch (Exception exception) when (exception is BadImageFormatException or FileLoadException)
        {
            throw new UsageException($"'{path}' is not a .NET assembly this app can load: {exception.Message}");
        }

        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException exception)
        {
            types = exception.Types.Where(t => t is not null).ToArray()!;
        }

        var networks = types.Where(IsGeneratedNetwork).OrderBy(t => t.FullName, StringComparer.Ordinal).ToArray();
        if (networks.Length == 0)
        {
            throw new UsageException($"'{path}' holds no generated U-Net: declare a public partial class with [UNet], [Level] and [Bottleneck] in it and build it with the UNetDsl package.");
        }

        // Class names, unless two namespaces share one: then the full names.
        var clash = networks.GroupBy(t => t.Name, StringComparer.OrdinalIgnoreCase).Any(g => g.Count() > 1);
        return new NetworkCatalog(networks.Select(t => new NetworkEntry(clash ? t.FullName! : t.Name, t)));
    }

    /// <summary>This catalogue followed by the networks of <paramref name="other"/> whose names it does not have.</summary>
    /// <param name="other">Another catalogue.</param>
    public NetworkCatalog With(NetworkCatalog other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new NetworkCatalog(_entries.Concat(other.Entries.Where(e => Find(e.Name) is null)));
    }

    /// <summary>The network named <paramref name="name"/> (its --arch name or its class name, case-insensitive).</summary>
    /// <param name="name">The name.</param>
    /// <exception cref="UsageException">No network has that name; the message lists those there are.</exception>
    public NetworkEntry Get(string name) =>
        Find(name) ?? throw new UsageException($"Unknown network '{name}'. Known: {string.Join(", ", Names)}.{(_entries.Count == 0 ? " Give --assembly with your networks." : string.Empty)}");

    /// <summary>The network named <paramref name="name"/>, or null.</summary>
    /// <param name="name">Its --arch name, class name or full class name.</param>
    public NetworkEntry? Find(string name) =>
        _entries.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? _entries.FirstOrDefault(e => e.Type.Name == name || e.Type.FullName == name)
        ?? _entries.FirstOrDefault(e => string.Equals(e.Type.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>True for a class the generator wrote: a concrete <see cref="IUNetModule"/> of one input with a public constructor of optional parameters only.</summary>
    /// <param name="type">A type.</param>
    public static bool IsGeneratedNetwork(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false }
            && typeof(IUNetModule).IsAssignableFrom(type)
            && typeof(nn.Module<Tensor, Tensor>).IsAssignableFrom(type)
            && DefaultConstructor(type) is not null
            && type.GetProperty("StaticGeometry", BindingFlags.Public | BindingFlags.Static)?.PropertyType == typeof(UNetGeometry);
    }

    /// <summary>A public constructor whose parameters all have defaults (the generated one takes an optional device and dtype).</summary>
    /// <param name="type">A type.</param>
    internal static ConstructorInfo? DefaultConstructor(Type type) =>
        type.GetConstructors().Where(c => c.GetParameters().All(p => p.IsOptional)).OrderBy(c => c.GetParameters().Length).FirstOrDefault();

    private static void Check(Type type)
    {
        if (!IsGeneratedNetwork(type))
        {
            throw new ArgumentException($"{type.FullName} is not a generated U-Net of one input: declare it with [UNet] (a conditional network takes a timestep and is trained by code of its own).", nameof(type));
        }
    }
}

/// <summary>A problem with the user's input: reported as one <c>error:</c> line and exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
