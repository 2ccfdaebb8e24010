// TorchSharp's thread pool and allocator are process-wide; timing-free tests still run more predictably one class at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
