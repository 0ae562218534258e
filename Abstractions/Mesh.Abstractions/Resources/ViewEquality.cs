using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;

namespace Mesh.Abstractions.Resources;

/// <summary>Content equality for the data-plane views (ServiceView, EndpointSetView, ProfileView, InboundPolicyView
/// and anything inside them). Record equality is not enough: ImmutableArray compares the array reference and
/// ImmutableDictionary the instance. Use this to decide "no change" before bumping a version; ordering inside lists
/// matters (routes are ordered), dictionary order does not.</summary>
public static class ViewEquality
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();

    public static bool Equal<T>(T? a, T? b) => Same(a, b);

    private static bool Same(object? a, object? b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a is null || b is null) return false;
        var type = a.GetType();
        if (type != b.GetType()) return false;
        if (type.IsPrimitive || type.IsEnum || a is string or TimeSpan or DateTimeOffset or DateTime or decimal) return a.Equals(b);
        if (a is IDictionary da)
        {
            var db = (IDictionary)b;
            if (da.Count != db.Count) return false;
            foreach (DictionaryEntry e in da)
                if (!db.Contains(e.Key) || !Same(e.Value, db[e.Key])) return false;
            return true;
        }
        if (a is IEnumerable ea)
        {
            var ia = Items(ea);
            var ib = Items((IEnumerable)b);
            if (ia.Count != ib.Count) return false;
            for (var i = 0; i < ia.Count; i++)
                if (!Same(ia[i], ib[i])) return false;
            return true;
        }
        foreach (var p in Properties.GetOrAdd(type, t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                     .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract").ToArray()))
            if (!Same(p.GetValue(a), p.GetValue(b))) return false;
        return true;
    }

    /// <summary>Items of a list; a default (uninitialized) ImmutableArray counts as empty instead of throwing.</summary>
    private static List<object?> Items(IEnumerable e)
    {
        if (e.GetType() is { IsGenericType: true } t && t.GetGenericTypeDefinition() == typeof(System.Collections.Immutable.ImmutableArray<>)
            && (bool)t.GetProperty("IsDefault")!.GetValue(e)!)
            return [];
        return e.Cast<object?>().ToList();
    }
}
