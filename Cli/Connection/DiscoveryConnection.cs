using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Api.V1;

namespace Mesh.Cli.Connection;

/// <summary>A gRPC channel to the silo's control port (Discovery). h2c today; the address decides.</summary>
internal sealed class DiscoveryConnection : IDisposable
{
    private readonly GrpcChannel _channel;

    public DiscoveryConnection(SiloConnection connection)
    {
        Address = connection.Control.ToString().TrimEnd('/');
        _channel = GrpcChannel.ForAddress(connection.Control, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                KeepAlivePingDelay = TimeSpan.FromSeconds(30),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                EnableMultipleHttp2Connections = true,
            },
        });
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
