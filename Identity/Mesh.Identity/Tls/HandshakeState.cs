namespace Mesh.Identity.Tls;

/// <summary>What the BouncyCastle callbacks learned during one handshake; read by the handshake driver afterwards.</summary>
internal sealed class HandshakeState
{
    public MeshTlsError? Failure { get; private set; }

    public string? FailureMessage { get; private set; }

    /// <summary>True once a well-formed hello from the peer was parsed: failures before it mean the bytes were not TLS.</summary>
    public bool PeerHelloSeen { get; set; }

    public bool Completed { get; private set; }

    public int NegotiatedGroup { get; private set; }

    public int CipherSuite { get; private set; }

    public string? ApplicationProtocol { get; private set; }

    /// <summary>Records the outcome from the engine's security parameters when the handshake completes.</summary>
    public void Complete(Org.BouncyCastle.Tls.SecurityParameters parameters)
    {
        NegotiatedGroup = parameters.NegotiatedGroup;
        CipherSuite = parameters.CipherSuite;
        ApplicationProtocol = parameters.ApplicationProtocol?.GetUtf8Decoding();
        Completed = true;
    }

    public ValidatedPeer? Peer { get; set; }

    /// <summary>Fatal alert the peer sent, if any.</summary>
    public short? AlertReceived { get; set; }

    /// <summary>Fatal alert we raised, if any.</summary>
    public short? AlertRaised { get; set; }

    public string? AlertRaisedMessage { get; set; }

    /// <summary>Records a fatal alert we raised (both peers' NotifyAlertRaised).</summary>
    public void OnAlertRaised(short alertLevel, short alertDescription, string? message, Exception? cause)
    {
        if (alertLevel != Org.BouncyCastle.Tls.AlertLevel.fatal) return;
        AlertRaised = alertDescription;
        AlertRaisedMessage = message ?? cause?.Message;
    }

    /// <summary>Records a fatal alert the peer sent (both peers' NotifyAlertReceived).</summary>
    public void OnAlertReceived(short alertLevel, short alertDescription)
    {
        if (alertLevel == Org.BouncyCastle.Tls.AlertLevel.fatal) AlertReceived = alertDescription;
    }

    public void Fail(MeshTlsError error, string message)
    {
        if (Failure is not null) return;
        Failure = error;
        FailureMessage = message;
    }
}
