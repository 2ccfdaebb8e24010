using System;
using System.Diagnostics;
using TorchSharp;
using UNetApp;
using static TorchSharp.torch;

Console.WriteLine(PaperUNet.Summary());
torch.manual_seed(0);
using var model = new PaperUNet();
model.eval();
using var input = torch.randn(PaperUNet.InputShape(batch: 1));
Console.WriteLine(UNetDsl.NativeMemoryTuning.Status);
for (var i = 0; i < 4; i++)
{
    var stopwatch = Stopwatch.StartNew();
    using (torch.no_grad())
    {
        using var output = model.call(input);
        Console.WriteLine($"forward [{string.Join(", ", input.shape)}] -> [{string.Join(", ", output.shape)}] in {stopwatch.Elapsed.TotalSeconds:0.00} s");
    }
}
