namespace Mesh.Testing.KubeApi.Http;

/// <summary>A value or the API error that prevented it (errors are values, not exceptions).</summary>
public readonly record struct Outcome<T>(T? Value, ApiError? Error)
{
    public bool Ok => Error is null;
    public static implicit operator Outcome<T>(T value) => new(value, null);
    public static implicit operator Outcome<T>(ApiError error) => new(default, error);
}
