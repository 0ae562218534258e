namespace Mesh.Testing.KubeApi.Seams;

/// <summary>Who made a request, from their bearer token.</summary>
public sealed record KubeUser(string Name, IReadOnlyList<string> Groups);

/// <summary>What a request asks to do, as the API server's authorizers see it (resource requests carry the resource
/// fields; non-resource requests such as <c>/version</c> carry the path).</summary>
public sealed record RequestAttributes(KubeUser User, string Verb, bool IsResourceRequest, string Group, string Version,
    string Resource, string Subresource, string Namespace, string Name, string Path);

/// <summary>The answer of an authorizer; <paramref name="Reason"/> ends up in the 403 message.</summary>
public sealed record AuthorizationDecision(bool Allowed, string Reason)
{
    public static readonly AuthorizationDecision Allow = new(true, "");
}

/// <summary>Decides whether a request may proceed (the seam RBAC plugs into; the default allows everything).</summary>
public interface IKubeAuthorizer
{
    string Name { get; }
    AuthorizationDecision Authorize(RequestAttributes request);
}

/// <summary>The default authorizer: everything is allowed.</summary>
public sealed class AllowAllAuthorizer : IKubeAuthorizer
{
    public string Name => "AlwaysAllow";
    public AuthorizationDecision Authorize(RequestAttributes request) => AuthorizationDecision.Allow;
}
