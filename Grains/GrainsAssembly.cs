namespace Mesh.Grains;
