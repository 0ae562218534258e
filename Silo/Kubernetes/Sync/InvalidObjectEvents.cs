using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>Tells the object's owner why the mesh skipped it: a Warning Event on the object (`kubectl describe` shows
/// it), once per resourceVersion.</summary>
internal sealed partial class InvalidObjectEvents(IKubernetes client, string identity, TimeProvider time, ILogger logger)
{
    public const string Reason = "InvalidMeshResource";
    public const string Component = "mesh-kubernetes-sync";
    private readonly ConcurrentDictionary<(string Uid, string? Version), byte> _reported = new();

    public async Task ReportAsync(SyncKind kind, JsonObject obj, ImmutableArray<string> errors, CancellationToken ct)
    {
        var meta = obj["metadata"] as JsonObject;
        var name = meta?["name"]?.GetValue<string>() ?? "";
        var ns = meta?["namespace"]?.GetValue<string>() ?? "default";
        var uid = meta?["uid"]?.GetValue<string>() ?? $"{ns}/{name}";
        var version = meta?["resourceVersion"]?.GetValue<string>();
        if (!_reported.TryAdd((uid, version), 0)) return;
        var now = time.GetUtcNow().UtcDateTime;
        var message = $"{kind.Kind} {ns}/{name} is not synced into the mesh: {string.Join("; ", errors)}";
        if (message.Length > 1024) message = message[..1021] + "...";
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
            {
                Metadata = new V1ObjectMeta { GenerateName = name + ".", NamespaceProperty = ns },
                InvolvedObject = new V1ObjectReference
                {
                    ApiVersion = kind.ApiVersion, Kind = kind.Kind, Name = name, NamespaceProperty = ns, Uid = meta?["uid"]?.GetValue<string>(),
                    ResourceVersion = version,
                },
                Reason = Reason, Message = message, Type = "Warning",
                Source = new V1EventSource { Component = Component },
                ReportingComponent = Component, ReportingInstance = identity,
                FirstTimestamp = now, LastTimestamp = now, Count = 1,
            }, ns, cancellationToken: ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _reported.TryRemove((uid, version), out _);
            Log.EventFailed(logger, kind.Kind, ns, name, e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7310, Level = LogLevel.Warning, Message = "Kubernetes sync: could not create the Event on {Kind} {Namespace}/{Name}")]
        public static partial void EventFailed(ILogger logger, string kind, string @namespace, string name, Exception e);
    }
}
