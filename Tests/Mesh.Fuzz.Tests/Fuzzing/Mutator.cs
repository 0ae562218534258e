using CsCheck;

namespace Mesh.Fuzz.Tests.Fuzzing;

/// <summary>Mutation-based generation: a seed from the corpus plus a few <see cref="Mutation"/> steps (byte flips,
/// truncation, splicing with another seed, format tokens, line and indentation edits), or now and then plain random
/// bytes. Built on CsCheck generators, so a failure shrinks to the fewest steps that still crash.</summary>
internal sealed class Mutator(IReadOnlyList<byte[]> seeds, IReadOnlyList<byte[]> tokens)
{
    private static readonly byte[] Interesting = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, (byte)'\n', (byte)'\r', (byte)'\t', (byte)' ',
        (byte)':', (byte)'-', (byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)'"', (byte)'\'', (byte)'#', (byte)'&', (byte)'*',
        (byte)'!', (byte)'|', (byte)'>', (byte)'%', (byte)'@', (byte)'`', (byte)',', (byte)'?', (byte)'\\', (byte)'0', (byte)'9'];

    private static readonly Gen<Mutation> Step = Gen.Select(Gen.Enum<MutationKind>(), Gen.Int[0, int.MaxValue],
        Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], (k, a, b, c) => new Mutation(k, a, b, c));

    /// <summary>Mutated seeds (most cases), seeds as they are, and random bytes.</summary>
    public Gen<byte[]> Inputs() => Gen.Frequency(
        (20, Gen.Select(Gen.Int[0, seeds.Count - 1], Step.Array[1, 8], (i, steps) => Apply(seeds[i], steps))),
        (1, Gen.Int[0, seeds.Count - 1].Select(i => seeds[i])),
        (1, Gen.Byte.Array[0, 96]));

    public byte[] Apply(byte[] seed, Mutation[] steps)
    {
        var data = new List<byte>(seed);
        foreach (var s in steps) Apply(data, s);
        return [.. data];
    }

    private void Apply(List<byte> d, Mutation m)
    {
        int Pos(int r, int extra = 0) => d.Count + extra == 0 ? 0 : r % (d.Count + extra);
        switch (m.Kind)
        {
            case MutationKind.FlipBit when d.Count > 0:
                d[Pos(m.A)] ^= (byte)(1 << (m.B % 8));
                break;
            case MutationKind.SetInterestingByte when d.Count > 0:
                d[Pos(m.A)] = Interesting[m.B % Interesting.Length];
                break;
            case MutationKind.InsertByte:
                d.Insert(Pos(m.A, 1), m.C % 3 == 0 ? (byte)m.B : Interesting[m.B % Interesting.Length]);
                break;
            case MutationKind.DeleteRange when d.Count > 0:
                {
                    var at = Pos(m.A);
                    d.RemoveRange(at, Math.Min(d.Count - at, 1 + m.B % 16));
                    break;
                }
            case MutationKind.DuplicateRange when d.Count > 0:
                {
                    var at = Pos(m.A);
                    var len = Math.Min(d.Count - at, 1 + m.B % 64);
                    d.InsertRange(Pos(m.C, 1), d.GetRange(at, len));
                    break;
                }
            case MutationKind.Truncate when d.Count > 0:
                d.RemoveRange(Pos(m.A), d.Count - Pos(m.A));
                break;
            case MutationKind.InsertToken when tokens.Count > 0:
                d.InsertRange(Pos(m.A, 1), tokens[m.B % tokens.Count]);
                break;
            case MutationKind.ReplaceWithToken when tokens.Count > 0 && d.Count > 0:
                {
                    var at = Pos(m.A);
                    var token = tokens[m.B % tokens.Count];
                    d.RemoveRange(at, Math.Min(d.Count - at, token.Length));
                    d.InsertRange(at, token);
                    break;
                }
            case MutationKind.SpliceSeed:
                {
                    var other = seeds[m.A % seeds.Count];
                    if (other.Length == 0) break;
                    var from = m.B % other.Length;
                    var len = Math.Min(other.Length - from, 1 + m.C % 256);
                    d.InsertRange(Pos(m.C, 1), other.AsSpan(from, len).ToArray());
                    break;
                }
            case MutationKind.DuplicateLine or MutationKind.DeleteLine or MutationKind.SwapLines
                or MutationKind.IndentLine or MutationKind.DedentLine or MutationKind.TabIndentLine:
                EditLines(d, m);
                break;
        }
    }

    /// <summary>Line-level edits: what a person gets wrong in YAML (a line too many, too few, out of place, mis-indented).</summary>
    private static void EditLines(List<byte> d, Mutation m)
    {
        var lines = new List<(int Start, int Length)>();
        var start = 0;
        for (var i = 0; i <= d.Count; i++)
        {
            if (i == d.Count || d[i] == (byte)'\n')
            {
                lines.Add((start, i - start + (i < d.Count ? 1 : 0)));
                start = i + 1;
            }
        }
        var (s, len) = lines[m.A % lines.Count];
        switch (m.Kind)
        {
            case MutationKind.DuplicateLine:
                d.InsertRange(s, d.GetRange(s, len));
                break;
            case MutationKind.DeleteLine:
                d.RemoveRange(s, len);
                break;
            case MutationKind.SwapLines:
                {
                    var (s2, len2) = lines[m.B % lines.Count];
                    if (s2 == s) break;
                    var (first, second) = s < s2 ? ((s, len), (s2, len2)) : ((s2, len2), (s, len));
                    var a = d.GetRange(first.Item1, first.Item2);
                    var b = d.GetRange(second.Item1, second.Item2);
                    d.RemoveRange(second.Item1, second.Item2);
                    d.InsertRange(second.Item1, a);
                    d.RemoveRange(first.Item1, first.Item2);
                    d.InsertRange(first.Item1, b);
                    break;
                }
            case MutationKind.IndentLine:
                d.InsertRange(s, Enumerable.Repeat((byte)' ', 1 + m.B % 4));
                break;
            case MutationKind.DedentLine:
                {
                    var n = 0;
                    while (n < len && n < 1 + m.B % 4 && d[s + n] == (byte)' ') n++;
                    d.RemoveRange(s, n);
                    break;
                }
            case MutationKind.TabIndentLine:
                d.Insert(s, (byte)'\t');
                break;
        }
    }

    /// <summary>Tokens as UTF-8 bytes.</summary>
    public static byte[][] Tokens(params string[] tokens) => [.. tokens.Select(t => System.Text.Encoding.UTF8.GetBytes(t))];
}
