using System.Text;

namespace Mesh.Cli.Tests.Fakes;

/// <summary>A string writer a running command writes to while the test reads it (watch tests).</summary>
internal sealed class LockedStringWriter : TextWriter
{
    private readonly StringBuilder _text = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_text)
            _text.Append(value);
    }

    public override void Write(string? value)
    {
        lock (_text)
            _text.Append(value);
    }

    public override void Write(char[] buffer, int index, int count)
    {
        lock (_text)
            _text.Append(buffer, index, count);
    }

    public override string ToString()
    {
        lock (_text)
            return _text.ToString();
    }
}
