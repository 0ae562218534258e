using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Mesh.Grains.Federation;
using Mesh.Identity.Client;
using Mesh.Identity.Tls;
using Mesh.Names;
using Mesh.Silo.Identity;

namespace Mesh.Silo.Federation;

/// <summary>Probes a linked cluster's gateway the way its mirrors' traffic reaches it: a fresh TCP connection to the
/// gateway's data port, mesh mTLS presenting this silo's certificate and accepting only a server that proves the
/// expected gateway identity (none expected = no probe: fail closed), then HTTP/2 <c>GET path</c> with authority
/// <see cref="MulticlusterNames.GatewayProbeAuthority"/>, which the gateway answers itself. A new connection each time,
/// so every probe checks the handshake and the certificate again; the latency includes both.</summary>
internal sealed class GatewayProber(SiloCredentials credentials) : IGatewayProber
{
    public async Task<GatewayProbeResult> ProbeAsync(GatewayTarget gateway, string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!SpiffeId.TryParse(gateway.Identity, out _))
            return GatewayProbeResult.Failed($"'{gateway.Identity}' is not a mesh identity; the gateway's certificate cannot be checked, so it is not probed");
        using var handler = MeshTlsConnectCallback.CreateHandler(new MeshTlsClientOptions
        {
            Credentials = credentials.Holder,
            ExpectedIdentity = gateway.Identity,
        });
        handler.ConnectTimeout = timeout;
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{Host(gateway.Address)}:{gateway.Port}{path}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Host = MulticlusterNames.GatewayProbeAuthority;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var latency = Stopwatch.GetElapsedTime(started);
            if (response.IsSuccessStatusCode) return GatewayProbeResult.Succeeded(latency);
            var body = await response.Content.ReadAsStringAsync(deadline.Token);
            return GatewayProbeResult.Failed($"answered {(int)response.StatusCode}{(body.Length > 0 ? ": " + Truncate(body.Trim()) : "")}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return GatewayProbeResult.Failed($"no answer within {timeout.TotalMilliseconds:0} ms");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Any failure of the gateway is a failed probe (the loop must go on); the innermost error — the connect
            // callback's refused or identity mismatch, a reset stream — is the useful one. The grain logs it.
            return GatewayProbeResult.Failed(Innermost(e));
        }
    }

    private static string Host(string address) =>
        IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address;

    private static string Innermost(Exception e)
    {
        while (e.InnerException is { } inner) e = inner;
        return e.Message;
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
