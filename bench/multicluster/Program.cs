using Mesh.Bench.Multicluster;

return await MulticlusterBench.RunAsync(args);
