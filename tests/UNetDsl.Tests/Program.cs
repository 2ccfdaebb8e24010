using System;
using UNetDsl.Tests.Memory;

namespace UNetDsl.Tests;

/// <summary>
/// The test assembly's entry point. The test runner never calls it; the memory tests start this assembly as a child
/// process (<c>dotnet UNetDsl.Tests.dll peak-memory NETWORK</c>) to measure a network's peak in a fresh process.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == PeakMemoryChild.Command)
        {
            ActivationMemoryTests.Measure(args[1], Console.Out);
            return 0;
        }

        Console.Error.WriteLine("This is a test assembly: run it with dotnet test. The one command it answers: peak-memory NETWORK.");
        return 2;
    }
}
