using System;
using System.IO;
using System.Linq;
using TorchSharp.Modules;
using UNetDsl.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Training;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("unetdsl-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static CheckpointInfo Info(int epoch) => new("TileNet", TileNet.ParameterCount, epoch, epoch * 10, 1, new[] { 0.5 });

    private static void Train(TileNet model, OptimizerHelper optimizer, int steps, int seed)
    {
        var generator = new Generator((ulong)seed);
        for (var i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            var input = rand(new long[] { 2, 1, 48, 48 }, generator: generator);
            var target = randint(0, 2, new long[] { 2, 8, 8 }, generator: generator);
            optimizer.zero_grad();
            nn.functional.cross_entropy(model.call(input), target).backward();
            optimizer.step();
        }
    }

    [Fact]
    public void Resuming_from_a_checkpoint_continues_exactly()
    {
        var path = Path.Combine(_folder, "a.unet");
        torch.manual_seed(1);
        using var straight = new TileNet();
        using var other = new TileNet();
        other.load_state_dict(straight.state_dict());
        using var straightOptimizer = torch.optim.Adam(straight.parameters(), 1e-2);
        Train(straight, straightOptimizer, 3, seed: 10);
        Train(straight, straightOptimizer, 3, seed: 20);

        using var firstHalf = torch.optim.Adam(other.parameters(), 1e-2);
        Train(other, firstHalf, 3, seed: 10);
        Checkpoint.Save(path, other, firstHalf, Info(1));

        using var resumed = new TileNet();
        using var resumedOptimizer = torch.optim.Adam(resumed.parameters(), 1e-2);
        var info = Checkpoint.Load(path, resumed, resumedOptimizer);
        Train(resumed, resumedOptimizer, 3, seed: 20);

        Assert.Equal(1, info.Epoch);
        Assert.Equal("TileNet", info.Architecture);
        foreach (var (a, b) in straight.parameters().Zip(resumed.parameters()))
        {
            Assert.True(a.eq(b).all().item<bool>(), "a resumed parameter differs");
        }
    }

    [Fact]
    public void A_plan_recorded_before_precision_and_class_balance_reads_as_float32_with_class_balance()
    {
        // A plan as earlier versions wrote it (no Precision, no ClassBalance) in a checkpoint header, and the same
        // header as this version writes it with class balancing off: the first reads as the old behaviour, the second
        // keeps what it records.
        var plan = new TrainingPlan(20, 5, 2, 1e-3, OptimizerKind.Adam, ScheduleKind.Polynomial, 1, true, 0, 0, [44, 44], [4, 4], 2, ComputePrecision.BFloat16, ClassBalance: false);
        var json = System.Text.Json.JsonSerializer.Serialize(Info(1) with { Plan = plan });
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        node["Plan"]!.AsObject().Remove("Precision");
        node["Plan"]!.AsObject().Remove("ClassBalance");
        var old = System.Text.Json.JsonSerializer.Deserialize<CheckpointInfo>(node.ToJsonString())!.Plan!;
        Assert.Equal((ComputePrecision.Float32, true), (old.Precision, old.ClassBalance));
        var current = System.Text.Json.JsonSerializer.Deserialize<CheckpointInfo>(json)!.Plan!;
        Assert.Equal((ComputePrecision.BFloat16, false), (current.Precision, current.ClassBalance));
        Assert.Empty(current.DifferencesFrom(plan));
        Assert.Equal(["ClassBalance True (checkpoint: False)"], (plan with { ClassBalance = true }).DifferencesFrom(plan));
    }

    [Fact]
    public void Truncated_and_foreign_files_are_named_errors()
    {
        var path = Path.Combine(_folder, "b.unet");
        using var model = new TileNet();
        Checkpoint.Save(path, model, null, Info(1));
        var bytes = File.ReadAllBytes(path);

        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var truncated = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, model));
        Assert.Contains("truncated", truncated.Message, StringComparison.Ordinal);

        File.WriteAllText(path, "these are not the weights you are looking for");
        var foreign = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, model));
        Assert.Contains("is not a UNetDsl checkpoint", foreign.Message, StringComparison.Ordinal);

        var flipped = (byte[])bytes.Clone();
        flipped[^10] ^= 0xFF;
        File.WriteAllBytes(path, flipped);
        Assert.Contains("SHA-256", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, model)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_write_leaves_the_previous_checkpoint_loadable()
    {
        var path = Path.Combine(_folder, "c.unet");
        torch.manual_seed(2);
        using var model = new TileNet();
        Checkpoint.Save(path, model, null, Info(1));
        var before = File.ReadAllBytes(path);

        Checkpoint.BeforeCommit = _ => throw new IOException("disk full (simulated)");
        try
        {
            Assert.Throws<IOException>(() => Checkpoint.Save(path, model, null, Info(2)));
        }
        finally
        {
            Checkpoint.BeforeCommit = null;
        }

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(1, Checkpoint.Load(path, model).Epoch);
        Assert.Equal(new[] { "c.unet" }, Directory.GetFiles(_folder).Select(Path.GetFileName).ToArray());
    }

    [Fact]
    public void Loading_into_another_architecture_says_which()
    {
        var path = Path.Combine(_folder, "d.unet");
        using var model = new TileNet();
        Checkpoint.Save(path, model, null, Info(1));
        using var other = new UNetDsl.Tests.Core.SmallBatchNormNet();

        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, other));

        Assert.Contains("holds TileNet", error.Message, StringComparison.Ordinal);
    }
}
