using System;
using System.Diagnostics;
using TorchSharp;
using UNetApp;
using UNetDsl;
using static TorchSharp.torch;

// Prints an architecture's summary and times forward passes. `unet` alone: the paper's U-Net; `unet cicek3d`: the
// 3D U-Net of Cicek et al. (summary only: a forward pass of it takes minutes on a CPU).
if (args.Length > 0 && args[0] == "cicek3d")
{
    Console.WriteLine(Cicek3DUNet.Summary());
    return;
}

Console.WriteLine(PaperUNet.Summary());
Console.WriteLine(NativeMemoryTuning.Status);
torch.manual_seed(0);
using var model = new PaperUNet();
model.eval();
using var input = torch.randn(PaperUNet.InputShape(batch: 1));
for (var i = 0; i < 3; i++)
{
    var stopwatch = Stopwatch.StartNew();
    using (torch.no_grad())
    {
        using var output = model.call(input);
        Console.WriteLine($"forward [{string.Join(", ", input.shape)}] -> [{string.Join(", ", output.shape)}] in {stopwatch.Elapsed.TotalSeconds:0.00} s");
    }
}
