using Grpc.Core;
using Mesh.Api.V1;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>Telemetry.Report that keeps what it receives.</summary>
public sealed class FakeTelemetryService(FakeDiscoveryServer server) : Api.V1.Telemetry.TelemetryBase
{
    public override Task<ReportAck> Report(StatsReport request, ServerCallContext context)
    {
        server.Reports.Enqueue(request);
        return Task.FromResult(new ReportAck());
    }
}
