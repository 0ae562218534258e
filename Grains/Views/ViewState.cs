namespace Mesh.Grains.Views;

/// <summary>Persisted state of a view grain: the current value and its version (0 = never set).</summary>
[GenerateSerializer, Alias("mesh.ViewState`1")]
public sealed record ViewState<T>
{
    [Id(0)] public long Version { get; init; }
    [Id(1)] public T? Value { get; init; }
}
