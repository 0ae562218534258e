using System.Text.Json.Nodes;
using CsCheck;
using Mesh.Injection;
using Mesh.Names;
using Mesh.Testing.KubeApi.Patches;

namespace Mesh.Kubernetes.Tests.Injection;

/// <summary>Properties of the transform over generated pods (containers, init containers, volumes, hostNetwork, valid
/// and invalid annotations on the pod and its namespace): injecting twice changes nothing the second time; the JSON
/// patch, applied by the fake API server's independent RFC 6902 implementation, turns the input into the output; the
/// input is never modified; a pod that is not injected gets an empty patch and comes back as it was.</summary>
public sealed class InjectionPropertyTests
{
    private static Gen<T> Of<T>(params T[] values) => Gen.OneOf([.. values.Select(Gen.Const)]);
    private static Gen<T?> Maybe<T>(Gen<T> gen) where T : class => Gen.Select(Gen.Bool, gen, (some, v) => some ? v : null);

    private static readonly Gen<string> Name = Of("app", "web", "sidecar", "mesh-init", "mesh-proxy", "db", "a/b~c");
    private static readonly Gen<string> InjectValue = Of("enabled", "disabled", "ingress", "Enabled", "");
    private static readonly Gen<(string, string)> Override = Gen.OneOf(
        Of("debug", "loud").Select(v => ("config.mesh.io/proxy-log-level", v)),
        Of("4143", "4191", "8080", "0", "x").Select(v => ("config.mesh.io/proxy-inbound-port", v)),
        Of("3306,6379-6380", "9-1").Select(v => (ProxyConfigAnnotations.OpaquePorts, v)),
        Of("100m", "1Gi", "lots").Select(v => ("config.mesh.io/proxy-memory-limit", v)),
        Of("true", "false", "maybe").Select(v => ("config.mesh.io/proxy-native-sidecar", v)),
        Of("x").Select(v => ("config.mesh.io/unknown", v)));

    private static readonly Gen<JsonObject> Container = Name.Select(n => new JsonObject { ["name"] = n, ["image"] = "img:1" });

    private static Gen<Dictionary<string, string>> Annotations =>
        Gen.Select(Maybe(InjectValue), Override.Array[0, 3], (inject, overrides) =>
        {
            var d = new Dictionary<string, string>();
            if (inject is not null) d[KubernetesObjects.InjectAnnotation] = inject;
            foreach (var (k, v) in overrides) d[k] = v;
            return d;
        });

    private static readonly Gen<(JsonObject Pod, string Namespace, Dictionary<string, string> NsAnnotations)> Pods =
        Gen.Select(Container.Array[1, 3], Maybe(Container.Array[0, 2]), Maybe(Name.Array[0, 2]), Gen.Int[0, 2].Select(i => i switch { 0 => (bool?)null, 1 => true, _ => false }), Annotations, Annotations,
            Of("default", "kube-system", "shop"))
        .Select((containers, inits, volumes, hostNetwork, podAnn, nsAnn, ns) =>
        {
            var spec = new JsonObject { ["containers"] = new JsonArray([.. containers]) };
            if (inits is not null) spec["initContainers"] = new JsonArray([.. inits]);
            if (volumes is not null) spec["volumes"] = new JsonArray([.. volumes.Select(v => new JsonObject { ["name"] = v, ["emptyDir"] = new JsonObject() })]);
            if (hostNetwork is { } h) spec["hostNetwork"] = h;
            var meta = new JsonObject { ["name"] = "p" };
            if (podAnn.Count > 0) meta["annotations"] = new JsonObject(podAnn.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
            return (new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = meta, ["spec"] = spec }, ns, nsAnn);
        });

    private static InjectionResult Inject(JsonObject pod, string ns, Dictionary<string, string> nsAnn) =>
        PodInjector.Inject(pod, new PodContext(ns, nsAnn), InjectionGoldenTests.Settings);

    [Fact]
    public void Inject_Twice_SecondIsANoOp() =>
        Pods.Sample(t =>
        {
            var first = Inject(t.Pod, t.Namespace, t.NsAnnotations);
            var second = Inject(first.Pod, t.Namespace, t.NsAnnotations);
            Assert.Empty(second.Patch);
            Assert.True(JsonNode.DeepEquals(first.Pod, second.Pod));
            if (first.Outcome == InjectionOutcome.Injected) Assert.Equal(InjectionOutcome.Skipped, second.Outcome);
        }, iter: 2000);

    [Fact]
    public void Inject_PatchAppliedToInput_EqualsOutput() =>
        Pods.Sample(t =>
        {
            var before = t.Pod.DeepClone();
            var r = Inject(t.Pod, t.Namespace, t.NsAnnotations);
            Assert.True(JsonNode.DeepEquals(before, t.Pod), "the input was modified");
            var applied = JsonPatch.Apply(t.Pod, r.Patch);
            Assert.True(applied.Ok, applied.Error?.Message);
            Assert.True(JsonNode.DeepEquals(r.Pod, applied.Value), $"patch {r.Patch.ToJsonString()} does not produce the output");
            if (r.Outcome != InjectionOutcome.Injected) { Assert.Empty(r.Patch); Assert.True(JsonNode.DeepEquals(before, r.Pod)); }
            Assert.Equal(r.Outcome == InjectionOutcome.Invalid, r.Errors.Count > 0);
        }, iter: 2000);

    [Fact]
    public void Inject_InjectedPod_HasOneProxyAndTheInitFirst() =>
        Pods.Sample(t =>
        {
            var r = Inject(t.Pod, t.Namespace, t.NsAnnotations);
            if (r.Outcome != InjectionOutcome.Injected) return;
            var inits = r.Pod["spec"]!["initContainers"]!.AsArray();
            Assert.Equal(KubernetesObjects.InitContainer, (string?)inits[0]!["name"]);
            var all = inits.Concat(r.Pod["spec"]!["containers"]!.AsArray()).Select(c => (string?)c!["name"]).ToList();
            Assert.Single(all, n => n == KubernetesObjects.ProxyContainer);
            Assert.Single(all, n => n == KubernetesObjects.InitContainer);
            Assert.NotEqual("kube-system", t.Namespace);
            Assert.NotEqual(true, (bool?)t.Pod["spec"]!["hostNetwork"]);
        }, iter: 2000);
}
