using Mesh.Bench.ControlPlane;

return await ControlPlaneBench.RunAsync(args);
