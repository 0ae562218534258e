using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi.Http;
using Mesh.Testing.KubeApi.Kinds;

namespace Mesh.Testing.KubeApi.Seams;

/// <summary>One write as admission sees it: the operation (CREATE, UPDATE, DELETE), the kind, where, and by whom;
/// <paramref name="DryRun"/>: a `dryRun=All` request, which admission sees whole but nothing stores.</summary>
public sealed record AdmissionAttributes(string Operation, KindInfo Kind, string Subresource, string Namespace, string Name, KubeUser User, bool DryRun = false);

/// <summary>A step of the admission chain (the seam mutating/validating webhooks plug into). It gets the object about to
/// be stored (and the old one on UPDATE/DELETE) and returns the object to store, possibly mutated, or the error that
/// rejects the request. Hooks run in registration order after defaulting and before the write.</summary>
public interface IAdmissionHook
{
    string Name { get; }
    ValueTask<Outcome<JsonObject>> AdmitAsync(AdmissionAttributes attributes, JsonObject obj, JsonObject? old, CancellationToken ct);
}
