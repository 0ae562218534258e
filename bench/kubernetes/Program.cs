using Mesh.Bench.Kubernetes;

return await KubernetesBench.RunAsync(args);
