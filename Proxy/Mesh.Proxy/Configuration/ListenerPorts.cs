namespace Mesh.Proxy.Configuration;

/// <summary>The bound local ports of the three listeners; requests are dispatched by the port they arrived on.</summary>
internal sealed class ListenerPorts
{
    public int Inbound { get; set; }
    public int Outbound { get; set; }
    public int Admin { get; set; }
}
