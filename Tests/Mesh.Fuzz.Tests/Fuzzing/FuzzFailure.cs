namespace Mesh.Fuzz.Tests.Fuzzing;

/// <summary>An oracle's verdict that a parser misbehaved without throwing (an answer that breaks its contract).</summary>
internal sealed class FuzzFailure(string message) : Exception(message);
