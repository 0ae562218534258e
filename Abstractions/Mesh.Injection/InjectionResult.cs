using System.Text.Json.Nodes;

namespace Mesh.Injection;

/// <summary>What happened to one pod (or pod template).</summary>
public enum InjectionOutcome
{
    /// <summary>The proxy was added: <see cref="InjectionResult.Patch"/> holds the operations.</summary>
    Injected,
    /// <summary>Left alone on purpose (disabled, not asked for, kube-system, hostNetwork, already injected).</summary>
    Skipped,
    /// <summary>Left alone because something it reads is wrong; <see cref="InjectionResult.Errors"/> says what.</summary>
    Invalid,
}

/// <summary>One pod's injection: the outcome, why (for a skip), the patch (empty unless injected) relative to the pod
/// object, the resulting pod (the input itself unless injected), errors and warnings.</summary>
public sealed record InjectionResult(
    InjectionOutcome Outcome,
    string Reason,
    JsonArray Patch,
    JsonObject Pod,
    IReadOnlyList<InjectionError> Errors,
    IReadOnlyList<string> Warnings);
