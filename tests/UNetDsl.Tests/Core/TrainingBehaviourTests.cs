using System;
using System.Globalization;
using System.IO;
using System.Linq;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace UNetDsl.Tests.Core;

public class TrainingBehaviourTests
{
    private static double ResidentMiB()
    {
        // Managed garbage is not a leak: collect it so that the figure shows native memory that stays.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    [Fact]
    public void Training_overfits_a_batch_with_flat_memory()
    {
        torch.manual_seed(1);
        using var model = new SmallBatchNormNet();
        using var optimizer = torch.optim.Adam(model.parameters(), 0.01);
        using var input = randn(4, 1, 32, 32);
        using var target = (input > 0).to_type(ScalarType.Int64).squeeze(1);
        model.train();

        double Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.call(input), target);
            loss.backward();
            optimizer.step();
            return loss.item<float>();
        }

        // Warm-up: the first few hundred steps grow resident memory by about 10% (JIT tiers, TorchSharp's caches)
        // and then it stays within 1% for thousands of steps, measured.
        var first = Step();
        for (var i = 0; i < 299; i++)
        {
            Step();
        }

        // After warm-up, live tensors and resident memory must not grow with the number of steps.
        var liveAfterWarmUp = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var residentAfterWarmUp = ResidentMiB();
        var last = 0.0;
        for (var i = 0; i < 200; i++)
        {
            last = Step();
        }

        Assert.Equal(liveAfterWarmUp, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        var residentAtEnd = ResidentMiB();
        Assert.True(residentAtEnd < residentAfterWarmUp * 1.05, $"resident memory grew from {residentAfterWarmUp:0} MiB to {residentAtEnd:0} MiB");
        Assert.True(last < first * 0.5, $"loss went from {first} to {last}");
    }

    [Fact]
    public void Same_seed_gives_identical_weights_after_training()
    {
        static Tensor[] Train()
        {
            torch.manual_seed(42);
            using var model = new SmallBatchNormNet();
            using var optimizer = torch.optim.SGD(model.parameters(), 0.01, momentum: 0.99);
            using var input = randn(2, 1, 16, 16);
            using var target = randint(0, 2, new long[] { 2, 16, 16 });
            for (var i = 0; i < 5; i++)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                nn.functional.cross_entropy(model.call(input), target).backward();
                optimizer.step();
            }

            return model.parameters().Select(p => p.detach().clone()).ToArray();
        }

        var first = Train();
        var second = Train();

        Assert.Equal(first.Length, second.Length);
        for (var i = 0; i < first.Length; i++)
        {
            Assert.True(first[i].eq(second[i]).all().item<bool>(), "parameter " + i + " differs");
        }
    }
}
