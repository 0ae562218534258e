namespace Mesh.Injection;

/// <summary>Why an object was not injected: the field (a path like <c>spec.template.metadata.annotations["mesh.io/inject"]</c>,
/// or <c>namespace "books": metadata.annotations[…]</c> for an inherited value) and what is wrong with it.</summary>
public sealed record InjectionError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
