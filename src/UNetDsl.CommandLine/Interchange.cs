using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Spectre.Console;
using UNetDsl;
using UNetDsl.Interop;
using UNetDsl.Training;
using static TorchSharp.torch;

namespace UNetDsl.CommandLine;

/// <summary>
/// <c>unet export</c> and <c>unet import</c>: a network's PyTorch twin and its weights out to a folder, and weights
/// trained with PyTorch (converted to TorchSharp's format) back in as a checkpoint <c>predict</c> and <c>evaluate</c> read.
/// </summary>
internal static class Interchange
{
    /// <summary>Writes the twin, <c>unetdsl_torch.py</c> and the weights (of the checkpoint, or fresh) to <paramref name="folder"/>.</summary>
    /// <param name="catalog">The networks the program knows.</param>
    /// <param name="architecture">The --arch name, or null to take it from the checkpoint.</param>
    /// <param name="checkpoint">A checkpoint written by train or import, or null for freshly initialised weights.</param>
    /// <param name="folder">The output folder.</param>
    /// <param name="seed">The seed of fresh weights.</param>
    /// <param name="onnx">Also write <c>&lt;Name&gt;.onnx</c> with symbolic batch and spatial sizes.</param>
    /// <param name="overwrite">Replace files that exist.</param>
    public static int Export(NetworkCatalog catalog, string? architecture, string? checkpoint, string folder, int seed, bool onnx, bool overwrite)
    {
        if (architecture is null && checkpoint is null)
        {
            throw new UsageException("Say which network to export: --arch " + string.Join("|", catalog.Names) + ", or --checkpoint FILE.");
        }

        var entry = architecture is null ? null : catalog.Get(architecture);
        if (checkpoint is not null)
        {
            var recorded = Checkpoint.ReadInfo(checkpoint).Architecture;
            var recordedEntry = catalog.Find(recorded) ?? throw new UsageException($"Checkpoint '{checkpoint}' holds {recorded}, which this program does not know; give --assembly with the .dll that declares it.");
            if (entry is not null && entry.Type != recordedEntry.Type)
            {
                throw new UsageException($"Checkpoint '{checkpoint}' holds the '{recordedEntry.Name}' network, not '{architecture}'. Drop --arch or give --arch {recordedEntry.Name}.");
            }

            entry = recordedEntry;
        }

        var name = entry!.Geometry.Name;
        var planned = new List<string> { Path.Combine(folder, name + ".py"), Path.Combine(folder, PyTorchTwin.HelperModuleName + ".py"), Path.Combine(folder, name + ".bin") };
        if (onnx)
        {
            planned.Add(Path.Combine(folder, name + ".onnx"));
        }

        if (File.Exists(folder))
        {
            throw new UsageException($"--out '{folder}' is a file; give a folder.");
        }

        ApplyCommands.RefuseToReplace(planned, overwrite, "it, or choose another --out");

        using var network = entry.Create();
        if (checkpoint is not null)
        {
            Checkpoint.Load(checkpoint, network);
        }
        else
        {
            Initialization.He(network, seed);
        }

        var twin = (IUNetModule)network;
        var (module, helper) = PyTorchTwin.Write(twin, folder);
        var weights = Path.Combine(folder, twin.Geometry.Name + ".bin");
        network.save(weights);
        var files = new List<string> { module, helper, weights };
        if (onnx)
        {
            var model = Path.Combine(folder, twin.Geometry.Name + ".onnx");
            network.eval();
            ((IOnnxExportable)network).ExportOnnx(model, OnnxInputSize.Symbolic);
            files.Add(model);
        }

        AnsiConsole.MarkupLine($"[bold]{twin.Geometry.Name}[/] ({(checkpoint is null ? "fresh weights, seed " + seed : "weights of " + Markup.Escape(checkpoint))}):");
        foreach (var file in files)
        {
            Console.WriteLine("  " + Path.GetFullPath(file));
        }

        Console.WriteLine("In PyTorch (from that folder):");
        Console.WriteLine($"  python3 -m {PyTorchTwin.HelperModuleName} convert {twin.Geometry.Name}.bin {twin.Geometry.Name}.pt");
        Console.WriteLine($"  from {twin.Geometry.Name} import {twin.Geometry.Name}; net = {twin.Geometry.Name}(); net.load_state_dict(torch.load(\"{twin.Geometry.Name}.pt\"))");
        return 0;
    }

    /// <summary>Loads a weight file in TorchSharp's format into <paramref name="architecture"/> and writes a checkpoint.</summary>
    /// <param name="catalog">The networks the program knows.</param>
    /// <param name="architecture">The --arch name.</param>
    /// <param name="weights">The weights, e.g. converted from a PyTorch .pt with <c>python3 -m unetdsl_torch convert</c>.</param>
    /// <param name="checkpoint">The checkpoint to write.</param>
    /// <param name="overwrite">Replace the checkpoint if it exists.</param>
    public static int Import(NetworkCatalog catalog, string architecture, string weights, string checkpoint, bool overwrite)
    {
        ApplyCommands.RefuseToReplace(new[] { checkpoint }, overwrite, "it, or choose another --out");

        if (!File.Exists(weights))
        {
            throw new UsageException($"Weight file '{weights}' does not exist.");
        }

        var head = new byte[2];
        using (var file = File.OpenRead(weights))
        {
            file.ReadExactly(head, 0, Math.Min(2, (int)file.Length));
        }

        if (head[0] == (byte)'P' && head[1] == (byte)'K')
        {
            throw new UsageException($"'{weights}' is a PyTorch file (torch.save); convert it first: python3 -m {PyTorchTwin.HelperModuleName} convert {Path.GetFileName(weights)} weights.bin (unetdsl_torch.py is written by unet export).");
        }

        var entry = catalog.Get(architecture);
        using var network = entry.Create();
        var geometry = ((IUNetModule)network).Geometry;
        try
        {
            network.load(weights, strict: true);
        }
        catch (Exception exception) when (exception is not IOException)
        {
            throw new UsageException($"'{weights}' does not fit {geometry.Name}: {exception.Message.Split('\n')[0]} Export the matching twin with unet export --arch {entry.Name}.");
        }

        Checkpoint.Save(checkpoint, network, null, new CheckpointInfo(geometry.Name, geometry.ParameterCount, 0, 0, 0, Array.Empty<double>()));
        var count = network.parameters().Sum(p => p.numel());
        AnsiConsole.MarkupLine($"[bold]{geometry.Name}[/]: {count:N0} parameters from {Markup.Escape(weights)}; checkpoint [bold]{Markup.Escape(Path.GetFullPath(checkpoint))}[/] (use it with predict and evaluate).");
        return 0;
    }
}
