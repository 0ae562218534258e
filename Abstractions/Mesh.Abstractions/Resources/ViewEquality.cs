using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq.Expressions;
using System.Reflection;

namespace Mesh.Abstractions.Resources;

/// <summary>Content equality for the data-plane views (ServiceView, EndpointSetView, ProfileView, InboundPolicyView
/// and anything inside them). Record equality is not enough: ImmutableArray compares the array reference and
/// ImmutableDictionary the instance. Use this to decide "no change" before bumping a version; ordering inside lists
/// matters (routes are ordered), dictionary order does not.</summary>
/// <remarks>Every reconcile compares each derived view with the last one (2,000 inbound views and address claims for a
/// namespace of 2,000 Workloads), so the per-type shape is worked out once: compiled property getters instead of
/// <see cref="PropertyInfo.GetValue(object)"/>, and lists compared by index without copying them.</remarks>
public static class ViewEquality
{
    private enum Shape { Value, Dictionary, List, Enumerable, Record }

    private sealed record TypeShape(Shape Shape, Func<object, object?>[] Getters, Func<object, bool>? IsDefaultArray);

    private static readonly ConcurrentDictionary<Type, TypeShape> Shapes = new();

    public static bool Equal<T>(T? a, T? b) => Same(a, b);

    private static bool Same(object? a, object? b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a is null || b is null) return false;
        var type = a.GetType();
        if (type != b.GetType()) return false;
        var shape = Shapes.GetOrAdd(type, ShapeOf);
        switch (shape.Shape)
        {
            case Shape.Value:
                return a.Equals(b);
            case Shape.Dictionary:
            {
                var da = (IDictionary)a;
                var db = (IDictionary)b;
                if (da.Count != db.Count) return false;
                foreach (DictionaryEntry e in da)
                    if (!db.Contains(e.Key) || !Same(e.Value, db[e.Key])) return false;
                return true;
            }
            case Shape.List:
            {
                // A default (uninitialized) ImmutableArray counts as empty instead of throwing.
                var la = shape.IsDefaultArray?.Invoke(a) == true ? Array.Empty<object?>() : (IList)a;
                var lb = shape.IsDefaultArray?.Invoke(b) == true ? Array.Empty<object?>() : (IList)b;
                if (la.Count != lb.Count) return false;
                for (var i = 0; i < la.Count; i++)
                    if (!Same(la[i], lb[i])) return false;
                return true;
            }
            case Shape.Enumerable:
            {
                var ia = ((IEnumerable)a).Cast<object?>().ToList();
                var ib = ((IEnumerable)b).Cast<object?>().ToList();
                if (ia.Count != ib.Count) return false;
                for (var i = 0; i < ia.Count; i++)
                    if (!Same(ia[i], ib[i])) return false;
                return true;
            }
            default:
                foreach (var get in shape.Getters)
                    if (!Same(get(a), get(b))) return false;
                return true;
        }
    }

    private static TypeShape ShapeOf(Type type)
    {
        if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(DateTimeOffset)
            || type == typeof(DateTime) || type == typeof(decimal))
            return new TypeShape(Shape.Value, [], null);
        if (typeof(IDictionary).IsAssignableFrom(type)) return new TypeShape(Shape.Dictionary, [], null);
        if (typeof(IList).IsAssignableFrom(type))
            return new TypeShape(Shape.List, [], type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ImmutableArray<>) ? IsDefault(type) : null);
        if (typeof(IEnumerable).IsAssignableFrom(type)) return new TypeShape(Shape.Enumerable, [], null);
        var getters = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract" && p.GetMethod is not null)
            .Select(Getter)
            .ToArray();
        return new TypeShape(Shape.Record, getters, null);
    }

    private static Func<object, object?> Getter(PropertyInfo property)
    {
        var instance = Expression.Parameter(typeof(object));
        var body = Expression.Convert(Expression.Property(Expression.Convert(instance, property.DeclaringType!), property), typeof(object));
        return Expression.Lambda<Func<object, object?>>(body, instance).Compile();
    }

    private static Func<object, bool> IsDefault(Type immutableArray)
    {
        var instance = Expression.Parameter(typeof(object));
        var body = Expression.Property(Expression.Convert(instance, immutableArray), nameof(ImmutableArray<int>.IsDefault));
        return Expression.Lambda<Func<object, bool>>(body, instance).Compile();
    }
}
