namespace Mesh.Silo.Telemetry;

/// <summary>How mesh.v1.Telemetry admits reports.</summary>
/// <param name="RequireClientCertificate">True (the default, and the silo's whenever its control port runs mesh TLS):
/// a report needs a client certificate the mesh TLS layer verified against the trust anchors, and is attributed to
/// its identity. False only for a control port without TLS (MESH_CONTROL_TLS=false, development): there is no identity
/// to check, so reports are taken as they claim — anyone who can reach that port can write stats.</param>
public sealed record TelemetryOptions(bool RequireClientCertificate = true);
