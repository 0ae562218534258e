return await Mesh.Silo.SiloProgram.RunAsync(args);
