#!/usr/bin/env bash
# Coverage-guided fuzzing of one target with afl++ (Debian's afl++ package) and SharpFuzz.
#   bench/fuzz/run.sh resource-text [seconds]      default 600 s; findings in artifacts/fuzz/<target>/out
set -euo pipefail
target="${1:?usage: bench/fuzz/run.sh TARGET [seconds]  (bench/fuzz/run.sh list)}"
seconds="${2:-600}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz not found: apt-get install afl++" >&2; exit 1; }
command -v sharpfuzz >/dev/null || export PATH="$PATH:$HOME/.dotnet/tools"
command -v sharpfuzz >/dev/null || dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0
out="$root/artifacts/fuzz/bin"
dotnet publish "$root/bench/fuzz/Mesh.Fuzz.Afl.csproj" -c Release -o "$out" -nologo -v q
if [ "$target" = list ]; then dotnet "$out/Mesh.Fuzz.Afl.dll" list; exit 0; fi
# Instrument the assemblies that hold the parsers (and the libraries they parse with), once per publish.
if [ ! -f "$out/.instrumented" ]; then
  for dll in Mesh.Abstractions Mesh.Silo Mesh.Grains Mesh.Proxy Mesh.Identity Mesh.Names YamlDotNet BouncyCastle.Cryptography Google.Protobuf; do
    [ -f "$out/$dll.dll" ] && sharpfuzz "$out/$dll.dll"
  done
  touch "$out/.instrumented"
fi
work="$root/artifacts/fuzz/$target"
rm -rf "$work/in" && dotnet "$out/Mesh.Fuzz.Afl.dll" seeds "$target" "$work/in"
AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 timeout "$seconds" \
  afl-fuzz -i "$work/in" -o "$work/out" -t 5000 -m none -- dotnet "$out/Mesh.Fuzz.Afl.dll" "$target" || true
echo "fuzz: crashes (if any) in $work/out/default/crashes; replay one: dotnet $out/Mesh.Fuzz.Afl.dll $target < FILE"
