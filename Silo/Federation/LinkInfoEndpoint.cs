using System.Net;
using Mesh.Admin.Contract;
using Mesh.Identity.Client;
using Mesh.Names;
using Mesh.Silo.Hosting;
using Mesh.Silo.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Mesh.Silo.Federation;

/// <summary>`GET /api/v1/multicluster/link` (admin listener, open like the other reads: nothing in it is secret):
/// this cluster as a Link on another cluster would name it.</summary>
internal static class LinkInfoEndpoint
{
    public static void Map(WebApplication app, SiloSettings settings) =>
        app.MapGet("/api/v1/multicluster/link", (SiloCertificateAuthority ca) => Info(settings, ca))
            .WithName("MulticlusterLinkInfo").WithSummary("What another cluster's Link to this one says (mesh multicluster link-gen)");

    private static Ok<LinkInfoResponse> Info(SiloSettings settings, SiloCertificateAuthority ca) =>
        TypedResults.Ok(new LinkInfoResponse(
            settings.ClusterName,
            settings.TrustDomain,
            settings.ClusterDomain,
            settings.Federation is { } federation ? Advertised(federation, settings.AdvertisedAddress) : null,
            ControlPlaneConnection.SiloIdentity(settings.TrustDomain).Uri,
            settings.MulticlusterGateway?.Host,
            settings.MulticlusterGateway?.Port,
            settings.MulticlusterGatewayIdentity,
            ExportTranslator.AnchorFingerprints(ca.Authority.TrustBundle).ToList()));

    /// <summary>Where peers dial: the listener's own address, or the advertised one when it listens on every address.</summary>
    private static string Advertised(IPEndPoint listener, IPAddress advertised)
    {
        var host = listener.Address.Equals(IPAddress.Any) || listener.Address.Equals(IPAddress.IPv6Any) ? advertised : listener.Address;
        return new Authority(host.ToString(), listener.Port).ToString();
    }
}
