namespace Mesh.Silo.Storage;

/// <summary>The local state store cannot be used (corrupt or locked file, data dir in use by another silo). The
/// message names the file and the fix; the silo exits with code 2 and deletes nothing.</summary>
public sealed class StateStoreException(string message, Exception? inner = null) : Exception(message, inner);
