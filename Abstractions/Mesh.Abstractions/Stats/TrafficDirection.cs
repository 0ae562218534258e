namespace Mesh.Abstractions.Stats;

/// <summary>Which side of a proxy saw the traffic: inbound (the server's proxy) or outbound (the client's proxy).</summary>
public enum TrafficDirection { Inbound = 0, Outbound = 1 }
