using Mesh.Silo.Hosting;
using Microsoft.AspNetCore.Builder;

namespace Mesh.Silo.Dashboard;

/// <summary>Serves the read-only web dashboard at `/` on the admin listener.</summary>
internal sealed class DashboardModule : ISiloModule
{
    public string Name => "dashboard";

    public void MapEndpoints(WebApplication app, SiloSettings settings) => app.MapMeshDashboard();
}
