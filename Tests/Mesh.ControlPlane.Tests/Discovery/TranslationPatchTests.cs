using CsCheck;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Names;
using Mesh.Silo.Discovery;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>Patching a translation with an endpoint delta (<see cref="DiscoveryTranslator.Patch"/>) and diffing only the
/// changed keys (<see cref="ServiceUpdatePlanner.PlanChanged"/>) give what translating and diffing the whole set give.</summary>
public sealed class TranslationPatchTests
{
    private static readonly ServiceAuthority Books = new("books", "default", 8080);
    private static readonly Versioned<ProfileView> Profile = new(1, ProfileView.Default("default", "books"));

    /// <summary>Workloads and addresses from small pools: two workloads on one address translate to one key.</summary>
    private static readonly Gen<EndpointSetView> GenSet = Gen.Select(Gen.Int[0, 5], Gen.Int[1, 5], Gen.Bool, Gen.Bool).Array[0, 10]
        .Select(es => Views.Endpoints("books", [.. es.DistinctBy(e => (e.Item1, e.Item2))
            .Select(e => Views.Workload($"w{e.Item1}", $"10.0.0.{e.Item2}", meshed: e.Item3, portName: e.Item4 ? "http" : "other"))
            .OrderBy(EndpointKey.Of)]));

    [Fact]
    public void Patch_RandomDeltas_SameEndpointsAndUpdatesAsTheWholeSet()
    {
        var service = Views.Service("books");
        Gen.Select(GenSet, GenSet).Sample((before, after) =>
        {
            var from = DiscoveryTranslator.Translate(Books, service, before, Profile, null, out var collided);
            if (collided) return; // never patched: the memo translates such a set whole
            var change = EndpointSetChange.Between(2, before, after);
            var whole = DiscoveryTranslator.Translate(Books, service, after, Profile, null, out var collidedAfter);
            var patched = DiscoveryTranslator.Patch(Books, service, Profile, from, before, change, out var keys);
            if (patched is null)
            {
                Assert.True(collidedAfter); // refused only when a new endpoint takes another's key
                return;
            }
            Assert.Equal(whole.Endpoints.Keys, patched.Endpoints.Keys);
            Assert.All(whole.Endpoints, kv => Assert.Equal(kv.Value, patched.Endpoints[kv.Key]));
            Assert.Equal(ServiceUpdatePlanner.Plan(Books, from, whole, resync: false).Select(u => u.ToString()),
                ServiceUpdatePlanner.PlanChanged(from, patched, keys)!.Select(u => u.ToString()));
        }, iter: 2000);
    }
}
