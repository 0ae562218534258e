using Mesh.Fuzz.Tests.Fuzzing;
using SharpFuzz;

// mesh-fuzz-afl TARGET          run TARGET under afl-fuzz (reads each case from stdin, SharpFuzz's out-of-process mode)
// mesh-fuzz-afl seeds TARGET DIR write TARGET's seed inputs into DIR (afl-fuzz -i DIR)
// mesh-fuzz-afl list             the targets
if (args is ["list"])
{
    foreach (var name in FuzzTargets.All.Keys) Console.WriteLine(name);
    return 0;
}
if (args is ["seeds", var seedTarget, var dir])
{
    Directory.CreateDirectory(dir);
    var n = 0;
    foreach (var seed in FuzzTargets.Seeds(seedTarget)) File.WriteAllBytes(Path.Combine(dir, $"seed-{n++:D3}"), seed);
    Console.WriteLine($"{n} seeds for {seedTarget} in {dir}");
    return 0;
}
if (args is not [var target] || !FuzzTargets.All.TryGetValue(target, out var check))
{
    Console.Error.WriteLine($"usage: mesh-fuzz-afl list | seeds TARGET DIR | TARGET   (targets: {string.Join(", ", FuzzTargets.All.Keys)})");
    return 1;
}
// Any exception the oracle lets through is a crash for afl++.
Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    check(buffer.ToArray());
});
return 0;
