namespace Mesh.Abstractions.Grains;

/// <summary>A grain's value with the version it had; versions start at 1 and grow by one per change.
/// Version 0 means "never set". Stream subscribers resync from a snapshot when they see a gap.</summary>
[GenerateSerializer, Immutable, Alias("mesh.Versioned`1")]
public sealed record Versioned<T>([property: Id(0)] long Version, [property: Id(1)] T Value);
