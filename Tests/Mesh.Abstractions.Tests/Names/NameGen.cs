using CsCheck;

namespace Mesh.Abstractions.Tests.Names;

/// <summary>Generators of valid names and of the characters that break them, for the property tests of Mesh.Names.</summary>
internal static class NameGen
{
    private const string LabelChars = "abcdefghijklmnopqrstuvwxyz0123456789-";
    private const string Letters = "abcdefghijklmnopqrstuvwxyz";

    /// <summary>A DNS label that starts with a letter (so it is never an IP address) and does not end with '-'.</summary>
    public static readonly Gen<string> Label =
        Gen.Select(Gen.Int[0, Letters.Length - 1], Gen.Int[0, LabelChars.Length - 1].Array[0, 61], Gen.Int[0, Letters.Length - 1],
            (first, middle, last) => Letters[first] + new string([.. middle.Select(i => LabelChars[i])]) + (middle.Length > 0 ? Letters[last].ToString() : ""));

    /// <summary>A valid port 1..65535.</summary>
    public static readonly Gen<int> Port = Gen.Int[1, 65535];

    /// <summary>Port text that must be rejected: 0, above 65535, signed, spaced (not at the end, which parsers trim), hex,
    /// non-ASCII digits, empty.</summary>
    public static readonly Gen<string> BadPort = Gen.OneOf(
        Gen.Const("0"), Gen.Const(""), Gen.Const("+80"), Gen.Const(" 80"), Gen.Const("-1"), Gen.Const("0x50"),
        Gen.Const("٨٠"), Gen.Const("http"), Gen.Int[65536, int.MaxValue].Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>A character that is never in a DNS label. Not upper case (the case-insensitive parsers lower it) and
    /// not whitespace (parsers trim the ends).</summary>
    public static readonly Gen<char> BadLabelChar = Gen.OneOf(
        Gen.Const('_'), Gen.Const('*'), Gen.Const('@'), Gen.Const('%'), Gen.Const('\u212a'), Gen.Const('\u0130'), Gen.Const('é'));

    /// <summary>A label with one bad character put somewhere in it.</summary>
    public static readonly Gen<string> BadLabel = Gen.Select(Label, BadLabelChar, Gen.Int[0, 63],
        (label, bad, at) => label.Insert(at % (label.Length + 1), bad.ToString()));
}
