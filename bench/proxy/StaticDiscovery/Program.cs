// Usage: StaticDiscovery <port> <anchors.pem> <authority> <address:port[:proxyPort[:identity]]>...
// Serves Discovery.Watch (the one service; any other authority: exists=false), WatchInbound (allow all) and
// Identity.Certify (any token) from a CA created at start, whose anchors it writes to <anchors.pem>.
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Mesh.Api.V1;
using Mesh.Identity.Ca;
using Mesh.Names;
using Microsoft.AspNetCore.Server.Kestrel.Core;

var port = int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
var ca = CertificateAuthority.Create();
ca.TrustBundle.Save(args[1]);
var snapshot = new ServiceSnapshot { Exists = true, Authority = args[2], Name = args[2].Split('.')[0], Namespace = "default" };
foreach (var spec in args.Skip(3))
{
    var p = spec.Split(':', 4);
    snapshot.Endpoints.Add(new Mesh.Api.V1.Endpoint
    {
        Key = $"{p[0]}:{p[1]}", Address = p[0], Port = uint.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), Weight = 1, Ready = true,
        ProxyPort = p.Length > 2 ? uint.Parse(p[2], System.Globalization.CultureInfo.InvariantCulture) : 0,
        Identity = p.Length > 3 ? p[3] : "",
        ProtocolHint = p.Length > 3 ? ProtocolHint.H2 : ProtocolHint.Unknown,
    });
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, lo => lo.Protocols = HttpProtocols.Http2));
builder.Services.AddGrpc();
builder.Services.AddSingleton(new State(ca, snapshot));
var app = builder.Build();
app.MapGrpcService<StaticDiscoveryService>();
app.MapGrpcService<StaticIdentityService>();
Console.WriteLine($"static-discovery: listening on 127.0.0.1:{port}");
await app.RunAsync();

internal sealed record State(CertificateAuthority Ca, ServiceSnapshot Snapshot);

internal sealed class StaticDiscoveryService(State state) : Discovery.DiscoveryBase
{
    public override async Task Watch(WatchRequest request, IServerStreamWriter<ServiceUpdate> responseStream, ServerCallContext context)
    {
        var snapshot = request.Authority == state.Snapshot.Authority ? state.Snapshot : new ServiceSnapshot { Exists = false, Authority = request.Authority };
        await responseStream.WriteAsync(new ServiceUpdate { Version = 1, Snapshot = snapshot });
        try { await Task.Delay(Timeout.Infinite, context.CancellationToken); } catch (OperationCanceledException) { }
    }

    public override async Task WatchInbound(InboundWatchRequest request, IServerStreamWriter<InboundUpdate> responseStream, ServerCallContext context)
    {
        await responseStream.WriteAsync(new InboundUpdate { Version = 1, Policy = new InboundPolicy { Exists = true } });
        try { await Task.Delay(Timeout.Infinite, context.CancellationToken); } catch (OperationCanceledException) { }
    }
}

internal sealed class StaticIdentityService(State state) : Identity.IdentityBase
{
    public override Task<CertifyResponse> Certify(CertifyRequest request, ServerCallContext context)
    {
        var issued = state.Ca.IssueLeafOrThrow(request.CertificateSigningRequest.Span, SpiffeId.Parse(request.Identity));
        var response = new CertifyResponse { LeafCertificate = ByteString.CopyFrom(issued.Leaf.RawData), ValidUntilUnixMs = issued.NotAfter.ToUnixTimeMilliseconds() };
        response.IntermediateCertificates.AddRange(issued.Intermediates.Select(c => ByteString.CopyFrom(c.RawData)));
        return Task.FromResult(response);
    }
}
