// Every test trains a model; on a 2-core machine running them one at a time is faster and keeps
// torch's global seed and thread count from being changed under a running test.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
