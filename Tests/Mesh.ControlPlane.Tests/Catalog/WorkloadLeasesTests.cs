using Mesh.Abstractions.Grains;
using Mesh.Grains.Catalog;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.ControlPlane.Tests.Catalog;

public sealed class WorkloadLeasesTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    internal static StoredResource Workload(string name, string? leaseSeconds)
    {
        var metadata = new System.Text.Json.Nodes.JsonObject { ["name"] = name, ["namespace"] = "default" };
        if (leaseSeconds is not null)
            metadata["annotations"] = new System.Text.Json.Nodes.JsonObject { ["lease.mesh.io/seconds"] = leaseSeconds };
        var json = new System.Text.Json.Nodes.JsonObject
        {
            ["apiVersion"] = "mesh.io/v1alpha1", ["kind"] = "Workload", ["metadata"] = metadata,
            ["spec"] = new System.Text.Json.Nodes.JsonObject { ["addresses"] = new System.Text.Json.Nodes.JsonArray("127.0.0.1") },
        };
        return new StoredResource("Workload", "default", name, json.ToJsonString(), 1);
    }

    [Fact]
    public void Expired_NotRenewedWithinTheLease_ReturnsTheWorkload()
    {
        var leases = new WorkloadLeases();
        leases.Renew([Workload("books-1", "30")], _time.GetUtcNow());

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(leases.Expired(_time.GetUtcNow()));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new[] { "books-1" }, leases.Expired(_time.GetUtcNow()).ToArray());
    }

    [Fact]
    public void Renew_BeforeTheEnd_StartsAFullLeaseAgain()
    {
        var leases = new WorkloadLeases();
        var books = Workload("books-1", "30");
        leases.Renew([books], _time.GetUtcNow());
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(10));
            leases.Renew([books], _time.GetUtcNow());
        }
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(leases.Expired(_time.GetUtcNow()));
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(1), leases.Get("books-1")!.ExpiresAt);
    }

    [Fact]
    public void Track_WorkloadWithoutLease_NeverExpires()
    {
        var leases = new WorkloadLeases();
        leases.Track([Workload("from-yaml", null)], _time.GetUtcNow());
        leases.Renew([Workload("from-yaml", null)], _time.GetUtcNow());
        _time.Advance(TimeSpan.FromDays(400));
        Assert.Empty(leases.Expired(_time.GetUtcNow()));
        Assert.Equal(0, leases.Count);
    }

    [Fact]
    public void Track_AfterReactivation_GivesStoredLeasesAFullLeaseFromNow()
    {
        // A silo that restarted does not know when each lease was last renewed: a live sidecar gets one lease to renew.
        _time.Advance(TimeSpan.FromHours(5));
        var leases = new WorkloadLeases();
        leases.Track([Workload("books-1", "30"), Workload("static", null)], _time.GetUtcNow());
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(leases.Expired(_time.GetUtcNow()));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new[] { "books-1" }, leases.Expired(_time.GetUtcNow()).ToArray());
    }

    [Fact]
    public void Track_WorkloadGoneOrLeaseRemoved_DropsTheLease()
    {
        var leases = new WorkloadLeases();
        leases.Renew([Workload("a", "30"), Workload("b", "30")], _time.GetUtcNow());
        leases.Track([Workload("a", null)], _time.GetUtcNow());
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(leases.Expired(_time.GetUtcNow()));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("soon")]
    [InlineData("30s")]
    public void DurationOf_UnusableValue_NoLease(string value) => Assert.Null(WorkloadLeases.DurationOf(Workload("x", value)));

    [Fact]
    public void DurationOf_HugeValue_ClampedToADay() =>
        Assert.Equal(WorkloadLeases.MaxLease, WorkloadLeases.DurationOf(Workload("x", "999999999")));

    [Fact]
    public void WithStatus_LeasedWorkload_ShowsSecondsAndExpiry()
    {
        var leases = new WorkloadLeases();
        var books = Workload("books-1", "30");
        leases.Renew([books], _time.GetUtcNow());
        var shown = System.Text.Json.Nodes.JsonNode.Parse(leases.WithStatus(books).Json)!;
        Assert.Equal(30, shown["status"]!["lease"]!["seconds"]!.GetValue<long>());
        Assert.Equal("2026-01-01T00:00:30.000Z", shown["status"]!["lease"]!["expiresAt"]!.GetValue<string>());
        var unleased = Workload("static", null);
        Assert.Equal(unleased.Json, leases.WithStatus(unleased).Json);
    }
}
