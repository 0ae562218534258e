using Mesh.Identity.Tls;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Identity.Kestrel;

/// <summary><c>listen.UseMeshTls(options)</c>: serve mesh TLS on a Kestrel endpoint.</summary>
public static class MeshTlsListenOptionsExtensions
{
    /// <summary>
    /// Terminates mesh TLS on this endpoint. Also sets <see cref="KestrelServerOptions.AllowAlternateSchemes"/>: Kestrel
    /// sees a plaintext endpoint, so HTTP/2 requests carrying <c>:scheme https</c> (or http over mesh TLS) must be allowed.
    /// </summary>
    public static ListenOptions UseMeshTls(this ListenOptions listenOptions, MeshTlsServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        listenOptions.KestrelServerOptions.AllowAlternateSchemes = true;
        var logger = listenOptions.ApplicationServices.GetService<ILoggerFactory>()?.CreateLogger("Mesh.Identity.Kestrel") ?? NullLogger.Instance;
        listenOptions.Use(next => new MeshTlsConnectionMiddleware(next, options, logger).OnConnectionAsync);
        return listenOptions;
    }
}
