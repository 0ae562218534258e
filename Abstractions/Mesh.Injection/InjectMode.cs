namespace Mesh.Injection;

/// <summary>What `mesh.io/inject` asks for, on a namespace or a pod (the pod's wins).</summary>
public enum InjectMode
{
    /// <summary>Add the proxy.</summary>
    Enabled,
    /// <summary>Leave the pod alone.</summary>
    Disabled,
    /// <summary>An ingress controller's pod: injected like <see cref="Enabled"/>, inbound open to unauthenticated clients
    /// (external traffic arrives without mesh TLS). The proxy has no separate ingress routing mode.</summary>
    Ingress,
}

internal static class InjectModes
{
    public static InjectMode? Parse(string value) => value switch
    {
        "enabled" => InjectMode.Enabled,
        "disabled" => InjectMode.Disabled,
        "ingress" => InjectMode.Ingress,
        _ => null,
    };

    public static string Name(InjectMode mode) => mode switch
    {
        InjectMode.Enabled => "enabled",
        InjectMode.Disabled => "disabled",
        _ => "ingress",
    };
}
