using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Api.V1;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Names;
using Mesh.Silo.Discovery;

namespace Mesh.ControlPlane.Tests.Discovery;

public sealed class ServiceUpdatePlannerTests
{
    private static readonly ServiceAuthority Books = new("books", "default", 8080);

    private static TranslatedService State(params WorkloadEndpoint[] endpoints) =>
        DiscoveryTranslator.Translate(Books, Views.Service("books"), Views.Endpoints("books", endpoints),
            new Versioned<ProfileView>(1, ProfileView.Default("default", "books")));

    [Fact]
    public void Plan_First_Snapshot()
    {
        var u = Assert.Single(ServiceUpdatePlanner.Plan(Books, null, State(Views.Workload("a", "127.0.0.11")), resync: false));
        Assert.Equal(ServiceUpdate.KindOneofCase.Snapshot, u.KindCase);
        Assert.Single(u.Snapshot.Endpoints);
    }

    [Fact]
    public void Plan_EndpointAddedAndRemoved_RemovedThenUpserted()
    {
        var updates = ServiceUpdatePlanner.Plan(Books, State(Views.Workload("a", "127.0.0.11")), State(Views.Workload("b", "127.0.0.12")), false);
        Assert.Equal([ServiceUpdate.KindOneofCase.Removed, ServiceUpdate.KindOneofCase.Upserted], updates.Select(u => u.KindCase));
        Assert.Equal("127.0.0.11:7001", updates[0].Removed.Keys.Single());
        Assert.Equal("127.0.0.12:7001", updates[1].Upserted.Endpoints.Single().Key);
    }

    [Fact]
    public void Plan_Equal_Nothing() =>
        Assert.Empty(ServiceUpdatePlanner.Plan(Books, State(Views.Workload("a", "127.0.0.11")), State(Views.Workload("a", "127.0.0.11")), false));

    [Fact]
    public void Plan_Resync_SnapshotEvenWhenEqual() =>
        Assert.Equal(ServiceUpdate.KindOneofCase.Snapshot,
            Assert.Single(ServiceUpdatePlanner.Plan(Books, State(), State(), resync: true)).KindCase);

    [Fact]
    public void Plan_PortRemovedFromService_SnapshotCarryingTheProblem()
    {
        var problem = State() with { Endpoints = State().Endpoints.Clear(), Problem = "service books.default has no port 8080; its ports: 9090 (http)" };
        var u = Assert.Single(ServiceUpdatePlanner.Plan(Books, State(Views.Workload("a", "127.0.0.11")), problem, false));
        Assert.Equal(ServiceUpdate.KindOneofCase.Snapshot, u.KindCase);
        Assert.Equal(problem.Problem, u.Snapshot.Problem);
        Assert.Empty(u.Snapshot.Endpoints);
        Assert.Equal(ServiceUpdate.KindOneofCase.Snapshot, Assert.Single(ServiceUpdatePlanner.Plan(Books, problem, State(), false)).KindCase);
    }

    [Fact]
    public void Plan_ServiceGone_Deleted() =>
        Assert.Equal(ServiceUpdate.KindOneofCase.Deleted,
            Assert.Single(ServiceUpdatePlanner.Plan(Books, State(), TranslatedService.Missing, false)).KindCase);

    [Fact]
    public void Plan_ServiceAppears_Snapshot() =>
        Assert.Equal(ServiceUpdate.KindOneofCase.Snapshot,
            Assert.Single(ServiceUpdatePlanner.Plan(Books, TranslatedService.Missing, State(), false)).KindCase);

    [Fact]
    public void Plan_ProfileChanged_ProfileReplaced()
    {
        var before = State();
        var after = before with { Profile = new ServiceProfile { Opaque = true } };
        Assert.Equal(ServiceUpdate.KindOneofCase.Profile, Assert.Single(ServiceUpdatePlanner.Plan(Books, before, after, false)).KindCase);
    }
}
