using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace UNetDsl.Training;

/// <summary>What a checkpoint records besides the weights.</summary>
/// <param name="Architecture">The network's class name.</param>
/// <param name="ParameterCount">Its trainable parameters, to catch a checkpoint of another network.</param>
/// <param name="Epoch">Epochs completed.</param>
/// <param name="Step">Optimiser steps completed.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Losses">The loss after each epoch so far.</param>
public sealed record CheckpointInfo(string Architecture, long ParameterCount, int Epoch, long Step, int Seed, double[] Losses)
{
    /// <summary>The plan of the run that wrote it (what a resumed run follows); null for checkpoints written outside <see cref="UNetTrainer"/>.</summary>
    public TrainingPlan? Plan { get; init; }

    /// <summary>The loss of every step so far; null for checkpoints written outside <see cref="UNetTrainer"/>.</summary>
    public double[]? StepLosses { get; init; }

    /// <summary>The mean held-out foreground IoU after each epoch so far (NaN without held-out images); may be null.</summary>
    public double[]? ValidationIoU { get; init; }
}

/// <summary>A checkpoint was about to store weights that are not finite numbers; nothing was written.</summary>
public sealed class NonFiniteWeightsException(string message) : InvalidOperationException(message);

/// <summary>
/// Weights, optimiser state and <see cref="CheckpointInfo"/> in one file, written atomically: the bytes go to a
/// temporary file in the same folder, are flushed to disk, and the file is renamed over the previous checkpoint, so
/// a crash at any moment leaves the last good checkpoint whole. Loading checks a magic number, the format version,
/// the lengths and a SHA-256 of the content, and says which of them is wrong.
/// </summary>
public static class Checkpoint
{
    private const string Magic = "UNETDSL-CKPT";
    private const int Version = 1;

    // NaN stands for "not measured" (a validation IoU without held-out images); JSON has no NaN of its own.
    private static readonly JsonSerializerOptions s_json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Test hook: called with the number of content bytes written before they are committed.</summary>
    internal static Action<long>? BeforeCommit { get; set; }

    /// <summary>Saves a checkpoint atomically.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="model">The network.</param>
    /// <param name="optimizer">Its optimiser, or null.</param>
    /// <param name="info">What to record besides the weights.</param>
    /// <exception cref="NonFiniteWeightsException">A parameter holds NaN or infinity; the file is left as it was.</exception>
    public static void Save(string path, nn.Module model, OptimizerHelper? optimizer, CheckpointInfo info)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(info);
        ThrowIfNotFinite(model, path);
        var content = new MemoryStream();
        using (ContiguousWhileSerialising(model, optimizer))
        using (var writer = new BinaryWriter(content, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(JsonSerializer.Serialize(info, s_json));
            var weights = new MemoryStream();
            using (var weightWriter = new BinaryWriter(weights, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                model.save(weightWriter);
            }

            writer.Write(weights.Length);
            writer.Write(weights.GetBuffer(), 0, (int)weights.Length);
            var state = new MemoryStream();
            if (optimizer is not null)
            {
                using var stateWriter = new BinaryWriter(state, System.Text.Encoding.UTF8, leaveOpen: true);
                optimizer.save_state_dict(stateWriter);
            }

            writer.Write(state.Length);
            writer.Write(state.GetBuffer(), 0, (int)state.Length);
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            using (var writer = new BinaryWriter(file))
            {
                writer.Write(System.Text.Encoding.ASCII.GetBytes(Magic));
                writer.Write(Version);
                writer.Write(content.Length);
                writer.Write(SHA256.HashData(content.GetBuffer().AsSpan(0, (int)content.Length)));
                writer.Write(content.GetBuffer(), 0, (int)content.Length);
                writer.Flush();
                BeforeCommit?.Invoke(content.Length);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>Deletes the temporary files a save interrupted by a crash or a kill left next to <paramref name="path"/>.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <returns>How many were deleted.</returns>
    public static int RemoveStaleTemporaries(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(directory, "." + Path.GetFileName(path) + ".*.tmp"))
        {
            File.Delete(file);
            removed++;
        }

        return removed;
    }

    /// <summary>Throws <see cref="NonFiniteWeightsException"/> naming the first parameter that holds NaN or infinity.</summary>
    /// <param name="model">The network.</param>
    /// <param name="path">The checkpoint it was to be saved to, for the message.</param>
    public static void ThrowIfNotFinite(nn.Module model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (!isfinite(parameter).all().item<bool>())
            {
                throw new NonFiniteWeightsException($"Parameter '{name}' holds NaN or infinite values, so '{path}' was not written: the last checkpoint saved there is kept as it was.");
            }
        }
    }

    /// <summary>Reads only the header of a checkpoint.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <exception cref="InvalidDataException">The file is not a whole UNetDsl checkpoint; the message says why.</exception>
    public static CheckpointInfo ReadInfo(string path)
    {
        using var reader = new BinaryReader(new MemoryStream(ReadContent(path)));
        return Header(path, reader.ReadString());
    }

    // The JSON header: a header that is not JSON (a hand-edited or foreign file whose checksum still holds) is bad
    // data like any other, not a crash.
    private static CheckpointInfo Header(string path, string json)
    {
        try
        {
            return JsonSerializer.Deserialize<CheckpointInfo>(json, s_json) ?? throw new InvalidDataException($"Checkpoint '{path}' has an empty header.");
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"Checkpoint '{path}' has a header that is not a UNetDsl checkpoint's ({exception.Message}); write it again with the trainer, Checkpoint.Save or unet import.", exception);
        }
    }

    /// <summary>The training plan recorded in the checkpoint at <paramref name="path"/>, which resuming continues; null
    /// when there is no such file or it records none (written by import or outside the trainer).</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <exception cref="InvalidDataException">The file is not a whole UNetDsl checkpoint; the message says why.</exception>
    public static TrainingPlan? RecordedPlan(string path) => File.Exists(path) ? ReadInfo(path).Plan : null;

    /// <summary>Loads weights (and optimiser state) into a network of the same architecture.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="model">The network to load into.</param>
    /// <param name="optimizer">Its optimiser, or null to skip the optimiser state.</param>
    /// <exception cref="InvalidDataException">The file is not a whole checkpoint, or belongs to another architecture.</exception>
    public static CheckpointInfo Load(string path, nn.Module model, OptimizerHelper? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var reader = new BinaryReader(new MemoryStream(ReadContent(path)));
        var info = Header(path, reader.ReadString());
        var parameters = model.parameters().Sum(p => p.numel());
        if (info.ParameterCount != parameters)
        {
            throw new InvalidDataException(
                $"Checkpoint '{path}' holds {info.Architecture} with {info.ParameterCount:N0} parameters; the network to load into has {parameters:N0}. Load it into a {info.Architecture}.");
        }

        var weights = reader.ReadBytes(checked((int)reader.ReadInt64()));
        var state = reader.ReadBytes(checked((int)reader.ReadInt64()));
        using (ContiguousWhileSerialising(model, optimizer))
        {
            using (var weightReader = new BinaryReader(new MemoryStream(weights)))
            {
                model.load(weightReader);
            }

            if (optimizer is not null && state.Length > 0)
            {
                using var stateReader = new BinaryReader(new MemoryStream(state));
                optimizer.load_state_dict(stateReader);
            }
        }

        return info;
    }

    /// <summary>
    /// TorchSharp reads and writes a tensor's bytes only when it is contiguous. A network laid out for training
    /// (<see cref="Layers.Layer.UseChannelsLastForTraining"/>) is made contiguous for the duration and laid out
    /// channels-last again afterwards, its optimiser state too (also the state just loaded). The file format does not
    /// change: checkpoints move freely between laid-out and plain networks.
    /// </summary>
    private static IDisposable? ContiguousWhileSerialising(nn.Module model, OptimizerHelper? optimizer)
    {
        if (!Layers.Layer.HasChannelsLastParameters(model))
        {
            return null;
        }

        Layers.Layer.Relayout(model, optimizer, channelsLast: false);
        return new Restore(() => Layers.Layer.Relayout(model, optimizer, channelsLast: true));
    }

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    private static byte[] ReadContent(string path)
    {
        if (Directory.Exists(path))
        {
            throw new InvalidDataException($"Checkpoint '{path}' is a folder, not a file; give the checkpoint file in it (e.g. '{Path.Combine(path, TrainingOptions.CheckpointFileName)}').");
        }

        if (!File.Exists(path))
        {
            throw new InvalidDataException($"Checkpoint '{path}' does not exist.");
        }

        using var reader = new BinaryReader(File.OpenRead(path));
        try
        {
            var magic = System.Text.Encoding.ASCII.GetString(reader.ReadBytes(Magic.Length));
            if (magic != Magic)
            {
                throw new InvalidDataException($"'{path}' is not a UNetDsl checkpoint (it does not start with {Magic}).");
            }

            var version = reader.ReadInt32();
            if (version != Version)
            {
                throw new InvalidDataException($"Checkpoint '{path}' has format version {version}; this UNetDsl reads version {Version}.");
            }

            var length = reader.ReadInt64();
            var hash = reader.ReadBytes(32);
            var content = reader.ReadBytes(checked((int)length));
            if (content.Length != length)
            {
                throw new InvalidDataException($"Checkpoint '{path}' is truncated: {content.Length:N0} of {length:N0} bytes.");
            }

            if (!SHA256.HashData(content).AsSpan().SequenceEqual(hash))
            {
                throw new InvalidDataException($"Checkpoint '{path}' is corrupt: its content does not match its SHA-256.");
            }

            return content;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"Checkpoint '{path}' is truncated: it ends inside its header.");
        }
        catch (Exception exception) when (exception is ArgumentOutOfRangeException or FormatException or OverflowException)
        {
            throw new InvalidDataException($"'{path}' is not a UNetDsl checkpoint: {exception.Message}", exception);
        }
    }
}
