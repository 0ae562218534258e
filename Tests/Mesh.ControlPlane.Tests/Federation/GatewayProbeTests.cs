using System.Collections.Immutable;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Names;

namespace Mesh.ControlPlane.Tests.Federation;

/// <summary>East's link to west probes west's gateway over mesh mTLS through its data port (a real TLS listener,
/// <see cref="TestGateway"/>): failureThreshold failures in a row make the gateway-mode mirror's endpoint not ready (never
/// deleted), one success makes it ready again, a gateway proving another identity is never alive, and a restarted
/// east starts with the gateway assumed alive. Each test has its own pair of silos (one Link "west" per east).</summary>
public sealed class GatewayProbeTests : IAsyncLifetime
{
    private const string Ns = "probe";
    private readonly TwoClusters _clusters = new();
    private TestGateway? _gateway;

    private string GatewayIdentity => SpiffeId.Format(TwoClusters.WestDomain, "mesh", "gateway");

    public Task InitializeAsync() => _clusters.InitializeAsync();

    public async Task DisposeAsync()
    {
        if (_gateway is not null) await _gateway.DisposeAsync();
        await _clusters.DisposeAsync();
    }

    private IGrainFactory EastGrains => _clusters.East.Services.GetRequiredService<IGrainFactory>();

    /// <summary>West exports books (one ready pod) in gateway mode; east has something of its own in the namespace and
    /// a Link naming the gateway at <paramref name="port"/> with the given probe.</summary>
    private async Task LinkAsync(int port, string period, string timeout, int threshold)
    {
        await TwoClusters.ApplyAsync(_clusters.West, LinkMirrorTests.Service(Ns, "books", "mirror.mesh.io/exported: \"true\"", "app: books")
            + LinkMirrorTests.Workload(Ns, "books-1", "books", "10.1.0.1", "books"));
        await TwoClusters.ApplyAsync(_clusters.East, LinkMirrorTests.Service(Ns, "web", "tier: front", "app: web"));
        await TwoClusters.ApplyAsync(_clusters.East, LinkMirrorTests.Link(_clusters.FederationAddress) + $"""
              gatewayAddress: 127.0.0.1
              gatewayPort: {port}
              gatewayIdentity: "{GatewayIdentity}"
              probeSpec: {"{"}period: {period}, timeout: {timeout}, failureThreshold: {threshold}{"}"}

            """);
    }

    private async Task<ImmutableArray<WorkloadEndpoint>> MirrorEndpointsAsync() =>
        (await EastGrains.GetGrain<IEndpointSetGrain>(MeshNames.Key(Ns, "books-west")).GetAsync()).Value.Endpoints;

    private async Task<JsonNode> GatewayAliveAsync()
    {
        using var admin = LinkMirrorTests.Admin(_clusters.East);
        var status = JsonNode.Parse(await admin.GetStringAsync("/api/v1/resources/links/mesh/west"))!["status"]!;
        return status["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "GatewayAlive")!;
    }

    private async Task<string> MetricsAsync()
    {
        using var http = new HttpClient { BaseAddress = _clusters.East.AdminUri, Timeout = TimeSpan.FromSeconds(30) };
        return await http.GetStringAsync("/metrics");
    }

    private static Regex Gauge(string name, string value) =>
        new($@"^{name}\{{[^}}]*target_cluster=""west""[^}}]*\}} {value}(\s|$)", RegexOptions.Multiline);

    [Fact]
    public async Task GatewayKilled_MirrorEndpointNotReadyNotDeleted_BackAgain_Ready()
    {
        _gateway = await TestGateway.StartAsync(_clusters.West, GatewayIdentity);
        // A timeout no handshake on a loaded machine exceeds: only the stop below may fail a probe. (A refused connect
        // fails at once, so the period, not the timeout, bounds how fast the death is seen.)
        await LinkAsync(_gateway.Port, "2s", "2s", threshold: 2);
        var first = await LinkMirrorTests.EventuallyAsync(GatewayAliveAsync, c => (string?)c["reason"] == "ProbeSucceeded", "a probe succeeded");
        var ready = await LinkMirrorTests.EventuallyAsync(MirrorEndpointsAsync, e => e.Length == 1 && e[0].Ready, "books-west has the ready gateway endpoint");
        Assert.Equal(("127.0.0.1", GatewayIdentity), (ready[0].Address, ready[0].Identity));
        Assert.True(_gateway.Requests > 0);
        var metrics = await LinkMirrorTests.EventuallyAsync(MetricsAsync, m => Gauge("gateway_alive", "1").IsMatch(m), "gateway_alive 1");
        Assert.Matches(Gauge("gateway_probe_latency_ms", @"[0-9.eE+-]+"), metrics);
        // Later probes change the message (their latency), not the transition time: the status did not flip.
        var later = await LinkMirrorTests.EventuallyAsync(GatewayAliveAsync, c => (string?)c["message"] != (string?)first["message"], "another probe answered");
        Assert.Equal(("True", (string?)first["lastTransitionTime"]), ((string?)later["status"], (string?)later["lastTransitionTime"]));

        await _gateway.StopAsync();

        var dead = await LinkMirrorTests.EventuallyAsync(GatewayAliveAsync, c => (string?)c["status"] == "False", "GatewayAlive=False");
        Assert.Equal("ProbeFailed", (string?)dead["reason"]);
        Assert.Contains("in a row failed (threshold 2)", (string?)dead["message"]);
        Assert.True(DateTimeOffset.Parse((string)dead["lastTransitionTime"]!) > DateTimeOffset.Parse((string)first["lastTransitionTime"]!));
        var notReady = await LinkMirrorTests.EventuallyAsync(MirrorEndpointsAsync, e => e.Length == 1 && !e[0].Ready, "books-west's endpoint not ready");
        Assert.Equal("127.0.0.1", notReady[0].Address); // kept, not deleted
        var mirror = await EastGrains.GetGrain<ICatalogGrain>(Ns).GetAsync("Service", "books-west");
        Assert.Equal("link/west", mirror!.Source);
        var slice = await EastGrains.GetGrain<ICatalogGrain>(Ns).GetAsync("EndpointSlice", "books-west");
        Assert.Equal("link/west", slice!.Source);
        await LinkMirrorTests.EventuallyAsync(MetricsAsync, m => Gauge("gateway_alive", "0").IsMatch(m), "gateway_alive 0");
        // The federation stream is a separate signal: it stayed up.
        using (var admin = LinkMirrorTests.Admin(_clusters.East))
        {
            var status = JsonNode.Parse(await admin.GetStringAsync("/api/v1/resources/links/mesh/west"))!["status"]!;
            Assert.Equal("True", (string?)status["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "FederationConnected")!["status"]);
        }

        await _gateway.StartAgainAsync();

        await LinkMirrorTests.EventuallyAsync(MirrorEndpointsAsync, e => e.Length == 1 && e[0].Ready, "books-west's endpoint ready again");
        var alive = await GatewayAliveAsync();
        Assert.Equal(("True", "ProbeSucceeded"), ((string?)alive["status"], (string?)alive["reason"]));
    }

    [Fact]
    public async Task GatewayPresentingAnotherIdentity_IsNeverAlive_MirrorNotReady()
    {
        _gateway = await TestGateway.StartAsync(_clusters.West, SpiffeId.Format(TwoClusters.WestDomain, "mesh", "impostor"));
        // The wrong identity fails the handshake itself; the timeout is long so that a slow handshake on a loaded
        // machine cannot fail the probe for another reason first (the message must name the identity).
        await LinkAsync(_gateway.Port, "2s", "2s", threshold: 2);

        var dead = await LinkMirrorTests.EventuallyAsync(GatewayAliveAsync, c => (string?)c["status"] == "False", "GatewayAlive=False");
        Assert.Contains($"expected {GatewayIdentity}", (string?)dead["message"]);
        await LinkMirrorTests.EventuallyAsync(MirrorEndpointsAsync, e => e.Length == 1 && !e[0].Ready, "books-west's endpoint not ready");
        Assert.Equal(0, _gateway.Requests); // the handshake failed: no request was ever sent to it
    }

    [Fact]
    public async Task Prober_TargetWithoutAMeshIdentity_IsNotProbed_ClosedPort_FailsSayingWhy()
    {
        _gateway = await TestGateway.StartAsync(_clusters.West, GatewayIdentity);
        var prober = _clusters.East.Services.GetRequiredService<Mesh.Grains.Federation.IGatewayProber>();

        var unverifiable = await prober.ProbeAsync(new("127.0.0.1", _gateway.Port, "gateway"), "/ready", TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.False(unverifiable.Ok);
        Assert.Contains("is not a mesh identity", unverifiable.Error);
        Assert.Equal(0, _gateway.Requests); // fail closed: not even connected to

        var ok = await prober.ProbeAsync(new("127.0.0.1", _gateway.Port, GatewayIdentity), "/ready", TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.True(ok.Ok, ok.Error);

        var port = _gateway.Port;
        await _gateway.StopAsync();
        var refused = await prober.ProbeAsync(new("127.0.0.1", port, GatewayIdentity), "/ready", TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.False(refused.Ok);
        Assert.Contains("refused", refused.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task EastSiloRestarted_GatewayAssumedAlive_MirrorStaysReadyBeforeAnyProbeAnswers()
    {
        _gateway = await TestGateway.StartAsync(_clusters.West, GatewayIdentity);
        // Long enough that no probe can fail by timeout while the test looks.
        await LinkAsync(_gateway.Port, "10s", "10s", threshold: 1);
        await LinkMirrorTests.EventuallyAsync(GatewayAliveAsync, c => (string?)c["reason"] == "ProbeSucceeded", "a probe succeeded");
        await LinkMirrorTests.EventuallyAsync(MirrorEndpointsAsync, e => e.Length == 1 && e[0].Ready, "books-west ready");

        // From now on no probe gets an answer: after the restart, only the assumption can keep the mirror ready.
        _gateway.Hold();
        await _clusters.RestartEastAsync();

        // The new activation has a fresh snapshot and has synced its mirrors...
        using var admin = LinkMirrorTests.Admin(_clusters.East);
        var status = await LinkMirrorTests.EventuallyAsync(
            async () => JsonNode.Parse(await admin.GetStringAsync("/api/v1/resources/links/mesh/west"))!["status"]!,
            s => (string?)s["conditions"]![0]!["status"] == "True" && s["services"]!.AsArray().Any(m => (string?)m!["name"] == "books-west" && (string?)m["reason"] == "Mirrored"),
            "the restarted east watches west and has synced books-west");
        var alive = status["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "GatewayAlive")!;
        Assert.Equal(("True", "NotProbedYet"), ((string?)alive["status"], (string?)alive["reason"]));
        // ...and the mirror is ready though no probe has answered (threshold 1: a fail-fast start would show it).
        var endpoints = await MirrorEndpointsAsync();
        Assert.True(endpoints.Length == 1 && endpoints[0].Ready, string.Join(", ", endpoints));

        _gateway.Release();
        await LinkMirrorTests.EventuallyAsync(GatewayAliveAsync, c => (string?)c["reason"] == "ProbeSucceeded", "the held probe answered");
        Assert.True((await MirrorEndpointsAsync())[0].Ready);
    }
}
