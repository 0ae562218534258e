namespace Mesh.Testing.KubeApi.Admission;

/// <summary>One call the admission chain made (or tried): which webhook, for what, how it ended, the warnings it
/// returned. Tests read <see cref="MutatingWebhookChain.Calls"/> to see the chain work.</summary>
/// <param name="Outcome">patched | allowed | denied | failed-ignored | failed-rejected</param>
public sealed record WebhookCall(string Configuration, string Webhook, string Operation, string Resource, string Namespace, string Name,
    string Outcome, string? Error, IReadOnlyList<string> Warnings);
