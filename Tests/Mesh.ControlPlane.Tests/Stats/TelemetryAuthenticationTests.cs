using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Stats;
using Mesh.Api.V1;
using Mesh.ControlPlane.Tests.Support;
using static Mesh.ControlPlane.Tests.Stats.Reports;

namespace Mesh.ControlPlane.Tests.Stats;

/// <summary>mesh.v1.Telemetry on a real silo whose control port runs mesh TLS: a report needs the proxy's client
/// certificate and is attributed to its identity (issue 10 S3: a forged report made `mesh stat` show books at 0 %).</summary>
[Collection(SiloCollection.Name)]
public sealed class TelemetryAuthenticationTests(SiloFixture silo)
{
    private readonly string _ns = $"t{Guid.NewGuid():N}"[..12];
    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private GrpcChannel ChannelAs(string ns, string sa) => ControlChannel.As(silo.Host, ns, sa);

    private static Task<ReportAck> SendAsync(GrpcChannel channel, StatsReport report) =>
        new Telemetry.TelemetryClient(channel).ReportAsync(report, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync;

    /// <summary>The forged report of the issue: books at 0 % success, 833 rps.</summary>
    private StatsReport Forged(string workload = "books") => Report(_ns, workload, Now - 1000, Inbound(_ns, workload, 833, 833, 5));

    private async Task AssertNothingRecordedAsync()
    {
        var directory = await silo.Grains.GetGrain<IStatsDirectoryGrain>(IStatsDirectoryGrain.Key).GetAsync();
        Assert.DoesNotContain(directory.Proxies, p => p.Namespace == _ns);
        Assert.DoesNotContain($"{_ns}/books", directory.Services);
        var books = await silo.Grains.GetGrain<IStatsGrain>(StatsKeys.Service(_ns, "books")).GetAsync(StatsWindow.OneMinute);
        Assert.Equal(0, books.Metrics.Requests);
    }

    [Fact]
    public async Task Report_NoClientCertificate_UnauthenticatedAndNothingRecorded()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => SendAsync(silo.Control, Forged()));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("no client certificate", error.Status.Detail);
        await AssertNothingRecordedAsync();
    }

    [Fact]
    public async Task Report_CertificateForAClaimingIdentityB_PermissionDeniedAndNothingRecorded()
    {
        using var channel = ChannelAs(_ns, "attacker");
        var forged = Forged(); // Identity = spiffe://cluster.local/ns/<ns>/sa/books

        var error = await Assert.ThrowsAsync<RpcException>(() => SendAsync(channel, forged));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains($"claims identity {Spiffe(_ns, "books")}", error.Status.Detail);
        await AssertNothingRecordedAsync();
    }

    [Fact]
    public async Task Report_CertificateOfAnotherNamespace_PermissionDenied()
    {
        using var channel = ChannelAs("elsewhere", "books");
        var forged = Forged();
        forged.Identity = "";

        var error = await Assert.ThrowsAsync<RpcException>(() => SendAsync(channel, forged));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains($"claims namespace '{_ns}'", error.Status.Detail);
        await AssertNothingRecordedAsync();
    }

    [Fact]
    public async Task Report_NoIdentityClaimForServiceServedByAnotherIdentity_PermissionDenied()
    {
        await silo.Grains.GetGrain<IEndpointSetGrain>($"{_ns}/books").SetAsync(new EndpointSetView(_ns, "books",
            [Views.Workload("books", "127.0.0.1") with { Identity = Spiffe(_ns, "books") }]));
        using var channel = ChannelAs(_ns, "attacker");
        var forged = Forged("attacker");
        forged.Identity = "";
        forged.Services.Clear();
        forged.Services.Add($"{_ns}/books");

        var error = await Assert.ThrowsAsync<RpcException>(() => SendAsync(channel, forged));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains($"service {_ns}/books is not served by any workload with this identity", error.Status.Detail);
        await AssertNothingRecordedAsync();
    }

    [Fact]
    public async Task Report_CertificateMatchesClaims_RecordedUnderTheCertificateIdentity()
    {
        await silo.Grains.GetGrain<IEndpointSetGrain>($"{_ns}/books").SetAsync(new EndpointSetView(_ns, "books",
            [Views.Workload("books", "127.0.0.1") with { Identity = Spiffe(_ns, "books") }]));
        using var channel = ChannelAs(_ns, "books");
        var report = Report(_ns, "books", Now - 1000, Inbound(_ns, "books", 10, 1, 5));
        report.Identity = ""; // unclaimed: taken from the certificate

        Assert.False((await SendAsync(channel, report)).Duplicate);

        var directory = await silo.Grains.GetGrain<IStatsDirectoryGrain>(IStatsDirectoryGrain.Key).GetAsync();
        var proxy = Assert.Single(directory.Proxies, p => p.Namespace == _ns);
        Assert.Equal((Spiffe(_ns, "books"), $"{_ns}/books/books-proxy"), (proxy.Identity, proxy.ProxyId));
        var books = await silo.Grains.GetGrain<IStatsGrain>(StatsKeys.Service(_ns, "books")).GetAsync(StatsWindow.OneMinute);
        Assert.Equal((10L, 1L), (books.Metrics.Requests, books.Metrics.Failures));
    }
}
