using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Mesh.Silo.Hosting;

/// <summary>A feature plugged into the silo host (discovery, admin, identity, telemetry, dashboard). Every hook has an
/// empty default, so a module implements only what it needs. Modules are listed in <see cref="SiloModules"/>.</summary>
public interface ISiloModule
{
    string Name { get; }

    /// <summary>Registers services in the host's container (shared by Kestrel endpoints and grains).</summary>
    void ConfigureServices(IServiceCollection services, SiloSettings settings) { }

    /// <summary>Adds Orleans pieces (grain storage, streams, grain services).</summary>
    void ConfigureSilo(ISiloBuilder silo, SiloSettings settings) { }

    /// <summary>Adjusts a listener before it binds, e.g. puts mesh TLS on <see cref="SiloListeners.Control"/>.</summary>
    void ConfigureListener(string listener, ListenOptions options, SiloSettings settings) { }

    /// <summary>Maps endpoints. Endpoints serve on the admin listener unless marked
    /// <c>.RequireListener(SiloListeners.Control)</c>.</summary>
    void MapEndpoints(WebApplication app, SiloSettings settings) { }
}
