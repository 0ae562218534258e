using System.Net;
using Mesh.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Mesh.Silo.Admin;

/// <summary>Refuses admin-port requests a browser on this machine could be tricked into sending: a Host header that
/// names another site (DNS rebinding: evil.example resolving to 127.0.0.1) and a write from a foreign Origin
/// (cross-site request). The dashboard is served from the same origin, so it is never refused.</summary>
internal static class AdminRequestGuard
{
    /// <summary>Why the request is refused, or null when it may proceed.</summary>
    public static string? Refusal(string method, HostString host, string? origin, string? fetchSite, IPAddress admin)
    {
        if (!HostAllowed(host, admin))
            return $"Host '{host.Value}' is not this silo: the admin API answers only to a loopback name or address, or to its own address {admin} (DNS-rebinding guard); use http://127.0.0.1:<admin-port>/";
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)) return null;
        if (origin is not null && !SameOrigin(origin, host))
            return $"cross-origin {method} from Origin '{origin}' refused: writes to the admin API are accepted only from the admin address itself (the dashboard, the CLI, curl)";
        if (string.Equals(fetchSite, "cross-site", StringComparison.OrdinalIgnoreCase))
            return $"cross-site {method} refused (Sec-Fetch-Site: cross-site): writes to the admin API are accepted only from the admin address itself";
        return null;
    }

    /// <summary>Loopback names and addresses, the admin address itself, and — when the admin port listens on every
    /// address — any IP literal (a rebinding attack always arrives with a DNS name, never an IP, in Host).</summary>
    public static bool HostAllowed(HostString host, IPAddress admin)
    {
        if (!host.HasValue) return false;
        var name = host.Host.Trim('[', ']');
        if (string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)) return true;
        if (!IPAddress.TryParse(name, out var address)) return false;
        return IPAddress.IsLoopback(address) || address.Equals(admin)
            || admin.Equals(IPAddress.Any) || admin.Equals(IPAddress.IPv6Any);
    }

    private static bool SameOrigin(string origin, HostString host) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https"
        && string.Equals(uri.Authority, host.Value, StringComparison.OrdinalIgnoreCase);

    /// <summary>Middleware (after routing): applies <see cref="Refusal"/> to every request that reached the admin port.</summary>
    public static IApplicationBuilder UseAdminRequestGuard(this IApplicationBuilder app, SiloSettings settings) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (context.Connection.LocalPort == settings.Admin.Port
                && Refusal(request.Method, request.Host, request.Headers.Origin.FirstOrDefault(),
                    request.Headers["Sec-Fetch-Site"].FirstOrDefault(), settings.Admin.Address) is { } refusal)
            {
                await AdminProblems.Forbidden(refusal).ExecuteAsync(context);
                return;
            }
            await next(context);
        });
}
