using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Mesh.Injection;
using Mesh.Kubernetes.Tests.KubeApi;
using Mesh.Names;
using Mesh.Silo.Kubernetes.Injector;
using Mesh.Testing.KubeApi.Patches;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Kubernetes.Tests.Injector;

/// <summary>The webhook's review logic over generated AdmissionReviews (well-formed pods, garbage in every field, a
/// namespace the API cannot read): it never throws and never denies; an answer carries the request's uid; a patch, when
/// there is one, applies to the request's object and yields a pod with exactly one proxy.</summary>
public sealed class AdmissionReviewerTests
{
    private sealed class Namespaces : INamespaceAnnotations
    {
        public Task<IReadOnlyDictionary<string, string>> GetAsync(string ns, CancellationToken ct) => ns switch
        {
            "unreadable" => throw new NamespaceLookupException("the Kubernetes API is unreachable"),
            "meshed" => Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string> { [KubernetesObjects.InjectAnnotation] = "enabled" }),
            _ => Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>()),
        };
    }

    private static readonly AdmissionReviewer Reviewer = new(new Namespaces(),
        new InjectorSettings(new IPEndPoint(IPAddress.Loopback, 0), "cert", "key", new InjectionSettings { Version = "0.1.0" }),
        new InjectorMetrics(), NullLogger<AdmissionReviewer>.Instance);

    private static Gen<T> Of<T>(params T[] values) => Gen.OneOf([.. values.Select(Gen.Const)]);

    private static readonly Gen<JsonNode?> PodObject = Gen.Select(Gen.Bool, Of("enabled", "disabled", "bogus"), Gen.Int[0, 3], (annotated, mode, containers) =>
    {
        var meta = new JsonObject { ["name"] = "p" };
        if (annotated) meta["annotations"] = new JsonObject { [KubernetesObjects.InjectAnnotation] = mode };
        return (JsonNode?)new JsonObject
        {
            ["metadata"] = meta,
            ["spec"] = new JsonObject { ["containers"] = new JsonArray([.. Enumerable.Range(0, containers).Select(i => (JsonNode)new JsonObject { ["name"] = $"c{i}" })]) },
        };
    });

    private static readonly Gen<JsonNode> Reviews = Gen.Select(
        Gen.Frequency((3, Gen.Const<JsonNode?>(JsonNode.Parse("""{"group":"","version":"v1","kind":"Pod"}"""))), (1, RandomJson.Node)),
        Gen.Frequency((3, Gen.Const<JsonNode?>("CREATE")), (1, RandomJson.Node)),
        Gen.Frequency((3, Of<JsonNode?>("meshed", "plain", "unreadable", "kube-system")), (1, RandomJson.Node)),
        Gen.Frequency((3, PodObject), (1, RandomJson.Node)),
        Gen.Frequency((6, Gen.Const<JsonNode?>("uid-1")), (1, RandomJson.Node)),
        (kind, op, ns, obj, uid) => (JsonNode)new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview",
            ["request"] = new JsonObject { ["uid"] = uid?.DeepClone(), ["kind"] = kind?.DeepClone(), ["operation"] = op?.DeepClone(), ["namespace"] = ns?.DeepClone(), ["object"] = obj?.DeepClone() },
        });

    [Fact]
    public void Review_AnyReview_NeverThrowsNeverDeniesAndPatchesOnlyToOneProxy() =>
        Gen.Frequency((8, Reviews), (1, RandomJson.Node.Select(n => n ?? JsonValue.Create(0)!))).Sample(review =>
        {
            var (answer, problem) = Reviewer.ReviewAsync(review, CancellationToken.None).GetAwaiter().GetResult();
            if (answer is null) { Assert.NotNull(problem); return; }
            var response = answer["response"]!;
            Assert.Equal((string?)review["request"]!["uid"], (string?)response["uid"]);
            Assert.True((bool)response["allowed"]!);
            if (response["patch"] is not { } patch) return;
            Assert.Equal("JSONPatch", (string?)response["patchType"]);
            var applied = JsonPatch.Apply(review["request"]!["object"]!, JsonNode.Parse(Convert.FromBase64String((string)patch!)));
            Assert.True(applied.Ok, applied.Error?.Message);
            var spec = applied.Value!["spec"]!;
            var names = spec["initContainers"]!.AsArray().Concat(spec["containers"]!.AsArray()).Select(c => (string?)c!["name"]);
            Assert.Single(names, n => n == KubernetesObjects.ProxyContainer);
        }, iter: 3000);

    [Fact]
    public async Task Review_NamespaceUnreadable_AllowedWithAWarning()
    {
        var review = JsonNode.Parse("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","namespace":"unreadable","object":{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]}}}}""");

        var (answer, _) = await Reviewer.ReviewAsync(review, CancellationToken.None);

        var response = answer!["response"]!;
        Assert.True((bool)response["allowed"]!);
        Assert.Null(response["patch"]);
        Assert.Equal("mesh-injector: pod unreadable/p: cannot read namespace unreadable: the Kubernetes API is unreachable; admitted without the proxy",
            (string?)response["warnings"]![0]);
    }

    [Fact]
    public async Task Review_MeshedNamespacePod_PatchIsBase64OfTheTransformsPatch()
    {
        var pod = JsonNode.Parse("""{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]}}""")!.AsObject();
        var review = new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview",
            ["request"] = new JsonObject { ["uid"] = "u", ["kind"] = JsonNode.Parse("""{"group":"","version":"v1","kind":"Pod"}"""), ["operation"] = "CREATE", ["namespace"] = "meshed", ["object"] = pod.DeepClone() },
        };

        var (answer, _) = await Reviewer.ReviewAsync(review, CancellationToken.None);

        var expected = PodInjector.Inject(pod, new PodContext("meshed", new Dictionary<string, string> { [KubernetesObjects.InjectAnnotation] = "enabled" }),
            new InjectionSettings { Version = "0.1.0" }).Patch;
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String((string)answer!["response"]!["patch"]!)))));
    }
}
