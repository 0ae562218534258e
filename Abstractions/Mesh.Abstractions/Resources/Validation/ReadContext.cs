namespace Mesh.Abstractions.Resources.Validation;

/// <summary>Collects the errors of one document while its shape is read.</summary>
internal sealed class ReadContext(int document, string defaultNamespace, List<ResourceError> errors)
{
    public string DefaultNamespace { get; } = defaultNamespace;
    public int Document { get; } = document;
    public int ErrorCount => errors.Count;

    public void Error(string path, string message) => errors.Add(new ResourceError(Document, path.Length == 0 ? "(document)" : path, message));

    public static string Join(string path, string field) => path.Length == 0 ? field : $"{path}.{field}";
    public static string Index(string path, int i) => $"{path}[{i}]";
    public static string Key(string path, string key) => $"{path}[\"{key}\"]";
}
