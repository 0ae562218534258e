using k8s.Models;
using Mesh.Admin.Contract;
using Mesh.Cli.Commands;
using Mesh.Cli.Kubernetes.Check;
using Mesh.Names;

namespace Mesh.Cli.Tests.Kubernetes;

/// <summary><see cref="PodProxyCheck"/>: each running meshed pod joined with the silo's proxy row of its namespace and
/// name; one × line per pod whose proxy is not certified for the pod's own identity, one √ line when none is.</summary>
public sealed class PodProxyCheckTests
{
    private const string TrustDomain = "cluster.local";

    private static V1Pod Pod(string name, string phase = "Running", bool proxy = true, string? sa = "web", bool terminating = false, string ns = "shop") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, DeletionTimestamp = terminating ? DateTime.UtcNow : null },
        Spec = new V1PodSpec
        {
            ServiceAccountName = sa,
            Containers = [new V1Container { Name = "app" }],
            InitContainers = proxy ? [new V1Container { Name = KubernetesObjects.ProxyContainer, RestartPolicy = "Always" }] : null,
        },
        Status = new V1PodStatus { Phase = phase },
    };

    private static ProxyStatusRow Row(string workload, string identity = "spiffe://cluster.local/ns/shop/sa/web", long? certLeft = 80_000,
        long ageMs = 1_000, string ns = "shop") =>
        new($"host-{workload}-{ageMs}", ns, workload, identity, "0.1.0", [], 0, ageMs, 5_000, 0, certLeft, true, 0, [], [], 0);

    private static CheckResult Single(IReadOnlyList<V1Pod> pods, IReadOnlyList<ProxyStatusRow> rows, string trustDomain = TrustDomain) =>
        Assert.Single(PodProxyCheck.Evaluate(pods, rows, trustDomain));

    [Fact]
    public void Evaluate_EveryRunningMeshedPodCertifiedForItsServiceAccount_OneOkLine()
    {
        var result = Single([Pod("web-1"), Pod("web-2")], [Row("web-1"), Row("web-2")]);

        Assert.Equal(new CheckResult(PodProxyCheck.Category, "meshed pods' proxies are certified", CheckStatus.Ok, "2 pods, each for its service account"), result);
    }

    [Theory]
    [InlineData("Pending", true, false)]
    [InlineData("Succeeded", true, false)]
    [InlineData("Running", false, false)] // not injected: InjectionCheck's business
    [InlineData("Running", true, true)]
    public void Evaluate_PodNotRunningUninjectedOrTerminating_IsNotJudged(string phase, bool proxy, bool terminating)
    {
        var result = Single([Pod("web-1", phase, proxy, terminating: terminating)], []);

        Assert.Equal(CheckStatus.Ok, result.Status);
        Assert.Equal("no running meshed pod", result.Detail);
    }

    [Theory]
    [InlineData("no row", "no proxy of this pod has reported to the silo")]
    [InlineData("no certificate", "its proxy has no workload certificate")]
    [InlineData("expired", "its proxy's workload certificate has expired")]
    [InlineData("stale", "its proxy's last report was 45 s ago (limit 30 s)")]
    [InlineData("other identity", "its proxy is certified as spiffe://cluster.local/ns/shop/sa/admin, the pod runs as spiffe://cluster.local/ns/shop/sa/web")]
    [InlineData("other namespace", "no proxy of this pod has reported to the silo")]
    public void Evaluate_PodsProxyNotCertifiedForIt_FailsNamingThePodWithItsLogsAsTheFix(string broken, string detail)
    {
        ProxyStatusRow[] rows = broken switch
        {
            "no row" => [Row("web-2")],
            "no certificate" => [Row("web-1", certLeft: null)],
            "expired" => [Row("web-1", certLeft: -5)],
            "stale" => [Row("web-1", ageMs: 45_000)],
            "other identity" => [Row("web-1", identity: "spiffe://cluster.local/ns/shop/sa/admin")],
            _ => [Row("web-1", ns: "default")],
        };

        var results = PodProxyCheck.Evaluate([Pod("web-1"), Pod("web-2")], rows, TrustDomain);

        // web-2 is not named (certified, or with no row either); no √ line beside a ×.
        var failed = Assert.Single(results, r => r.Status == CheckStatus.Fail && r.Name.Contains("web-1", StringComparison.Ordinal));
        Assert.DoesNotContain(results, r => r.Status == CheckStatus.Ok);
        Assert.Equal(new CheckResult(PodProxyCheck.Category, "proxy of pod shop/web-1 is certified", CheckStatus.Fail, detail,
            "see why: kubectl -n shop logs web-1 -c mesh-proxy (its readiness probe, :4191/ready, names the identity error)"), failed);
    }

    [Fact]
    public void Evaluate_EachFailingPod_HasItsOwnLine()
    {
        var results = PodProxyCheck.Evaluate([Pod("web-2"), Pod("web-1"), Pod("web-3")], [Row("web-3")], TrustDomain);

        Assert.Equal(["proxy of pod shop/web-1 is certified", "proxy of pod shop/web-2 is certified"], results.Select(r => r.Name));
        Assert.All(results, r => Assert.Equal(CheckStatus.Fail, r.Status));
    }

    [Fact]
    public void Evaluate_PodWithoutServiceAccountName_RunsAsDefault()
    {
        var result = Single([Pod("web-1", sa: null)], [Row("web-1")]);

        Assert.Equal("its proxy is certified as spiffe://cluster.local/ns/shop/sa/web, the pod runs as spiffe://cluster.local/ns/shop/sa/default", result.Detail);
        Assert.Equal(CheckStatus.Ok, Single([Pod("web-1", sa: null)], [Row("web-1", identity: "spiffe://cluster.local/ns/shop/sa/default")]).Status);
    }

    [Fact]
    public void Evaluate_SilosTrustDomain_IsTheOneTheIdentityMustBeIn()
    {
        Assert.Equal(CheckStatus.Fail, Single([Pod("web-1")], [Row("web-1")], "west.mesh").Status);
        Assert.Equal(CheckStatus.Ok, Single([Pod("web-1")], [Row("web-1", identity: "spiffe://west.mesh/ns/shop/sa/web")], "west.mesh").Status);
    }

    [Fact]
    public void Evaluate_RestartedProxy_ItsNewestReportDecides()
    {
        var old = Row("web-1", certLeft: null, ageMs: 20_000); // the proxy before the restart, still listed
        var fresh = Row("web-1", ageMs: 500);

        Assert.Equal(CheckStatus.Ok, Single([Pod("web-1")], [old, fresh]).Status);
        Assert.Equal(CheckStatus.Fail, Single([Pod("web-1")], [Row("web-1", ageMs: 20_000), Row("web-1", certLeft: null, ageMs: 500)]).Status);
    }
}
