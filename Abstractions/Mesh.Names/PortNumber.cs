using System.Globalization;

namespace Mesh.Names;

/// <summary>A TCP port as written in an authority: ASCII digits only (no sign, no spaces), 1..65535.</summary>
public static class PortNumber
{
    public const int Min = 1;
    public const int Max = 65535;

    public static bool TryParse(ReadOnlySpan<char> text, out int port)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= Min and <= Max) return true;
        port = 0;
        return false;
    }
}
