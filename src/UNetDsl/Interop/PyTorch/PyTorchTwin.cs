using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace UNetDsl.Interop;

/// <summary>
/// Takes a generated U-Net to PyTorch and back. Every generated network carries the Python source of its twin (a
/// <c>torch.nn.Module</c> with the same <c>state_dict</c> keys and forward computation); <see cref="Write"/> puts it in
/// a folder as <c>&lt;Name&gt;.py</c> next to <c>unetdsl_torch.py</c>, the building blocks all twins import. Weights
/// travel in TorchSharp's own format (<c>Module.save</c> / <c>Module.load</c>), which <c>unetdsl_torch</c> reads and
/// writes and converts to and from PyTorch's <c>.pt</c> state dicts (<c>python3 -m unetdsl_torch convert IN OUT</c>).
/// </summary>
public static class PyTorchTwin
{
    /// <summary>The name of the Python module of building blocks and weight-file functions.</summary>
    public const string HelperModuleName = "unetdsl_torch";

    private const string HelperResource = "UNetDsl.Interop.PyTorch.unetdsl_torch.py";

    private static readonly Lazy<string> s_helperSource = new(() =>
    {
        using var stream = typeof(PyTorchTwin).Assembly.GetManifestResourceStream(HelperResource)
            ?? throw new InvalidOperationException("The resource " + HelperResource + " is missing from " + typeof(PyTorchTwin).Assembly.GetName().Name + ".");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>The source of <c>unetdsl_torch.py</c>, embedded in this library.</summary>
    public static string HelperSource => s_helperSource.Value;

    /// <summary>Writes the twin of <paramref name="network"/> and <c>unetdsl_torch.py</c> to <paramref name="folder"/>.</summary>
    /// <param name="network">A generated U-Net.</param>
    /// <param name="folder">The folder; created when missing. Existing files of the same names are replaced.</param>
    /// <returns>The paths of the twin module and of the helper module.</returns>
    public static (string Module, string Helper) Write(IUNetModule network, string folder)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        var module = Path.Combine(folder, network.Geometry.Name + ".py");
        var helper = Path.Combine(folder, HelperModuleName + ".py");
        File.WriteAllText(module, network.PyTorchTwinSource);
        File.WriteAllText(helper, HelperSource);
        return (module, helper);
    }

    /// <summary>Reads a file in TorchSharp's state-dict format (what <c>Module.save</c> writes) into tensors by name, in file order.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The tensors, on the CPU; the caller disposes them.</returns>
    /// <exception cref="InvalidDataException">The file is not in TorchSharp's format; the message says where it breaks.</exception>
    public static IReadOnlyList<KeyValuePair<string, Tensor>> ReadWeights(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var result = new List<KeyValuePair<string, Tensor>>();
        try
        {
            var count = ReadCount(reader);
            for (var i = 0; i < count; i++)
            {
                var name = reader.ReadString();
                var dtype = (ScalarType)ReadCount(reader);
                var shape = new long[ReadCount(reader)];
                for (var axis = 0; axis < shape.Length; axis++)
                {
                    shape[axis] = ReadCount(reader);
                }

                var tensor = torch.empty(shape, dtype);
                var bytes = reader.ReadBytes(checked((int)(tensor.numel() * tensor.ElementSize)));
                if (bytes.Length != tensor.numel() * tensor.ElementSize)
                {
                    tensor.Dispose();
                    throw new InvalidDataException($"'{path}' is not a TorchSharp state dict: it ends inside the tensor '{name}'.");
                }

                if (bytes.Length > 0)
                {
                    tensor.bytes = bytes;
                }

                result.Add(new KeyValuePair<string, Tensor>(name, tensor));
            }
        }
        catch (Exception exception) when (exception is EndOfStreamException or ArgumentException or OverflowException)
        {
            foreach (var (_, tensor) in result)
            {
                tensor.Dispose();
            }

            throw new InvalidDataException($"'{path}' is not a TorchSharp state dict: {exception.Message}", exception);
        }

        return result;
    }

    /// <summary>Writes tensors by name in TorchSharp's state-dict format, readable by <c>Module.load</c> and <c>unetdsl_torch.load_torchsharp</c>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="tensors">The tensors, in the order to write them.</param>
    public static void WriteWeights(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = new List<KeyValuePair<string, Tensor>>(tensors);
        using var writer = new BinaryWriter(File.Create(path));
        WriteCount(writer, list.Count);
        foreach (var (name, tensor) in list)
        {
            writer.Write(name);
            using var cpu = tensor.detach().cpu().contiguous();
            WriteCount(writer, (long)cpu.dtype);
            WriteCount(writer, cpu.shape.Length);
            foreach (var size in cpu.shape)
            {
                WriteCount(writer, size);
            }

            if (cpu.numel() > 0)
            {
                writer.Write(cpu.bytes);
            }
        }
    }

    // Unsigned LEB128, as TorchSharp encodes counts, dtypes and sizes.
    private static long ReadCount(BinaryReader reader)
    {
        long result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = reader.ReadByte();
            result |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new OverflowException("A number is longer than 64 bits.");
    }

    private static void WriteCount(BinaryWriter writer, long value)
    {
        var remaining = (ulong)value;
        do
        {
            var b = (byte)(remaining & 0x7F);
            remaining >>= 7;
            writer.Write(remaining == 0 ? b : (byte)(b | 0x80));
        }
        while (remaining != 0);
    }
}
