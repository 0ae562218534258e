using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Api.V1;

namespace Mesh.Cli.Connection;

/// <summary>A gRPC channel to the silo's control port (Discovery): mesh TLS for https:// (the default), h2c for http://.</summary>
internal sealed class DiscoveryConnection : IDisposable
{
    private readonly GrpcChannel _channel;

    public DiscoveryConnection(SiloConnection connection)
    {
        Address = connection.Control.ToString().TrimEnd('/');
        try
        {
            var (address, handler) = Mesh.Identity.Client.ControlPlaneConnection.Create(connection.Control,
                Mesh.Identity.Client.ControlPlaneConnection.LoadTrust(connection.TrustAnchorsFile));
            _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
        }
        catch (InvalidOperationException e)
        {
            throw new CliException(e.Message, hint: "point MESH_DATA_DIR at the silo's data dir (it holds trust-anchors.pem)");
        }
        Client = new Discovery.DiscoveryClient(_channel);
    }

    public string Address { get; }

    public Discovery.DiscoveryClient Client { get; }

    /// <summary>Unavailable / deadline before any answer means the silo is not there (exit 2); other statuses
    /// are the silo refusing the request (exit 1, with its detail).</summary>
    public CliException Translate(RpcException e) => e.StatusCode switch
    {
        StatusCode.Unavailable => new SiloUnreachableException(Address, e.Status.Detail),
        StatusCode.DeadlineExceeded => new SiloUnreachableException(Address, "no answer in time"),
        StatusCode.Unauthenticated or StatusCode.PermissionDenied => new CliException($"the silo at {Address} refused the watch: {e.Status.Detail}"),
        _ => new CliException($"the silo at {Address} failed the watch: {e.StatusCode}: {e.Status.Detail}"),
    };

    public void Dispose() => _channel.Dispose();
}
