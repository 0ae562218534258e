#!/usr/bin/env bash
# Runs every test: installs what the tests need, builds, runs each test project, prints one closing line.
#   scripts/test.sh                          all tests (unit, Orleans cluster, end-to-end)
#   scripts/test.sh --filter Category=E2E    only the slow end-to-end tests (any dotnet test filter works)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh" || { echo "test: setup failed" >&2; exit 1; }

echo "test: building" >&2
dotnet build Mesh.sln -c Release -nologo -v q -clp:ErrorsOnly || { echo "test: build failed" >&2; exit 1; }
# The end-to-end tests start the same binaries a user runs.
MESH_BUILD_DIR="$root/.mesh-build" "$root/mesh" version --client >/dev/null || { echo "test: ./mesh failed to build" >&2; exit 1; }
export MESH_REPO_ROOT="$root" MESH_CLI_BIN="$root/.mesh-build/cli/mesh" MESH_PROXY_BIN="$root/.mesh-build/proxy/mesh-proxy"
# Tests must not find a developer's running silo through these.
unset MESH_ADMIN_ADDR MESH_CONTROL_ADDR MESH_DATA_DIR MESH_TOKEN MESH_REDIS

passed=0 failed=0 skipped=0 status=0
results="$root/artifacts/test-results"; mkdir -p "$results"
for proj in Tests/*/*.Tests.csproj; do
  name="$(basename "$proj" .csproj)"
  echo "test: $name" >&2
  log="$results/$name.log"
  start=$(date +%s)
  dotnet test "$proj" -c Release --no-build -nologo --logger "console;verbosity=minimal" \
    --results-directory "$results" "$@" >"$log" 2>&1
  rc=$?
  # Failures and skips with their reasons, then the project's summary line.
  grep -vE '^\s*$|^Test run for|^A total of|^Starting test execution|^\s+Passed ' "$log" | grep -v '^Passed!' || true
  line=$(grep -E '^(Passed|Failed)!' "$log" | tail -1)
  if [ -n "$line" ]; then
    echo "test: $name: ${line#*- } ($(( $(date +%s) - start ))s)" >&2
    p=$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$line"); f=$(sed -E 's/.*Failed: *([0-9]+).*/\1/' <<<"$line")
    s=$(sed -E 's/.*Skipped: *([0-9]+).*/\1/' <<<"$line")
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  elif ! grep -q 'No test matches the given testcase filter' "$log"; then
    echo "test: $name did not report a result (exit $rc)" >&2; tail -30 "$log" >&2; failed=$((failed + 1))
  fi
  [ "$rc" = 0 ] || status=1
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] || status=1
exit $status
