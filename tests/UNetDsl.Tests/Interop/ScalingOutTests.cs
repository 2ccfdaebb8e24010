using System;
using System.IO;
using System.Linq;
using TorchSharp;
using UNetDsl.Interop;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Interop;

/// <summary>
/// The scaling-out path end to end, on this machine's CPUs: the twin of the app's small network trains for a few
/// steps under torchrun with DistributedDataParallel on two processes, and the weights it writes load back into the
/// TorchSharp network.
/// </summary>
public sealed class ScalingOutTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("unetdsl-ddp-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string RepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "UNetDsl.sln")))
            {
                return Path.Combine(directory.FullName, relative);
            }
        }

        throw new InvalidOperationException("UNetDsl.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void A_twin_trained_with_DistributedDataParallel_on_two_processes_loads_back_into_TorchSharp()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(21);
        using var start = new UNetApp.SmallUNet();
        PyTorchTwin.Write(start, _folder);
        var startWeights = Path.Combine(_folder, "start.bin");
        var trainedWeights = Path.Combine(_folder, "trained.bin");
        start.save(startWeights);

        // --redirects/--tee 1: torch 1.13's launcher mis-parses their default under Python 3.11.
        var (code, output) = PyTorchTwinTests.Run(
            _folder, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "--redirects", "1", "--tee", "1",
            RepositoryFile("samples/ScalingOut/train_ddp.py"), "--twin", _folder, "--weights", startWeights, "--steps", "3", "--batch", "1", "--out", trainedWeights);

        Assert.True(code == 0, output);
        Assert.Contains("step 3/3", output, StringComparison.Ordinal);
        Assert.Contains("(2 processes, tile 188 -> 100)", output, StringComparison.Ordinal);
        Assert.False(File.Exists(trainedWeights + ".partial"));

        using var trained = new UNetApp.SmallUNet();
        trained.load(trainedWeights);
        var before = start.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var changed = 0;
        foreach (var (name, parameter) in trained.named_parameters())
        {
            Assert.True(parameter.isfinite().all().item<bool>(), name + " is not finite after training");
            if ((parameter - before[name]).abs().max().item<float>() > 0)
            {
                changed++;
            }
        }

        // Adam moves every parameter that got a gradient; all of them do in this network.
        Assert.Equal(before.Count, changed);
        trained.eval();
        Assert.Equal(UNetApp.SmallUNet.OutputShape(1), trained.Predict(randn(UNetApp.SmallUNet.InputShape(1))).shape);
    }
}
