using BenchmarkDotNet.Running;
using UNetDsl.Generators.Benchmarks;

// dotnet run -c Release --project benchmarks/UNetDsl.Generators.Benchmarks
BenchmarkRunner.Run<GeneratorBenchmarks>(args: args);
