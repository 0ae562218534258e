#!/usr/bin/env bash
# HTTP/2 abuse against a mesh-proxy's outbound h2c port, in rounds, sampling its memory after each (issue 10, item 3):
#   once h2spec (all cases), then ROUNDS × { rapid reset, CONTINUATION flood, SETTINGS flood, HPACK bomb, 16 KB header
#   blocks, PING flood (h2abuse.py), and h2load -n 20000 -c 50 -m 100 real requests to the app }.
#   After each round and after IDLE s more: VmRSS, VmHWM, threads, and — when the binary exports the System.Runtime
#   meter on /metrics — the GC heap after the last GC and the GC's committed memory.
# A growing RSS every round is a leak; one that stops growing after the first rounds is a high-water mark.
# Usage: bench/proxy/h2abuse.sh BINARY   env ROUNDS (6), IDLE (25: past two IdleMemoryTrimmer looks), CONNS (20: connections per abuse kind), PORT_BASE (22000)
# Only 127.0.0.1; every loop is bounded by count and by 30 s. Needs nginx, h2load, curl, python3, ss; h2spec from
# ../shared/tools or env H2SPEC (skipped when absent); env KEEP_LOGS=DIR keeps the tools' output.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="${1:?usage: h2abuse.sh BINARY}"
rounds="${ROUNDS:-6}"; idle="${IDLE:-25}"; conns="${CONNS:-20}"; pb="${PORT_BASE:-22000}"
for off in 80 900 340 343 391; do
  if ss -Hltn "sport = :$((pb + off))" | grep -q .; then echo "h2abuse: port $((pb + off)) is taken; set PORT_BASE" >&2; exit 1; fi
done
work="$(mktemp -d /tmp/mesh-h2abuse.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS"; cp "$work"/*.txt "$work"/*.log "$work"/proxy.* "$KEEP_LOGS"/ 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

disco="${STATIC_DISCOVERY_BIN:-}"
if [ ! -x "$disco" ]; then
  dotnet publish "$root/bench/proxy/StaticDiscovery" -c Release -o "$work/disco" -nologo -v q >"$work/disco.log" 2>&1 || { cat "$work/disco.log" >&2; exit 1; }
  disco="$work/disco/StaticDiscovery"
fi
mkdir -p "$work/app/logs"
cat >"$work/app/nginx.conf" <<NGX
worker_processes 1; daemon off; pid $work/app/nginx.pid; error_log $work/app/logs/error.log warn;
events { worker_connections 4096; }
# h2c prior knowledge: the outbound forwards an HTTP/2 client's requests to an unmeshed app as HTTP/2.
http { access_log off; keepalive_requests 1000000; server { listen 127.0.0.1:$((pb + 80)) http2; location / { return 200 "ok"; } } }
NGX
nginx -p "$work/app" -c "$work/app/nginx.conf" & pids+=($!)
"$disco" $((pb + 900)) "$work/anchors.pem" app.default:80 127.0.0.1:$((pb + 80)) >/dev/null & pids+=($!)
for _ in $(seq 200); do [ -f "$work/anchors.pem" ] && curl -s --http2-prior-knowledge -o /dev/null http://127.0.0.1:$((pb + 80))/ && break; sleep 0.05; done
sleep 0.5

MESH_PROXY_WORKLOAD=abuse MESH_PROXY_INBOUND_ADDR="127.0.0.1:$((pb + 343))" MESH_PROXY_OUTBOUND_ADDR="127.0.0.1:$((pb + 340))" \
MESH_PROXY_ADMIN_ADDR="127.0.0.1:$((pb + 391))" MESH_CONTROL_ADDR="http://127.0.0.1:$((pb + 900))" \
MESH_PROXY_TRUST_ANCHORS="$work/anchors.pem" MESH_PROXY_TOKEN=bench "$bin" >"$work/proxy.out" 2>"$work/proxy.err" & proxy=$!
pids+=($proxy)
for _ in $(seq 3000); do grep -q 'mesh-proxy: ready' "$work/proxy.out" 2>/dev/null && break; sleep 0.01; done
grep -q 'mesh-proxy: ready' "$work/proxy.out" || { echo "h2abuse: proxy not ready" >&2; cat "$work/proxy.out" "$work/proxy.err" >&2; exit 1; }
out="127.0.0.1:$((pb + 340))"

mb() { awk -v k="$1" '$1 == k":" { printf "%.1f", $2 / 1024 }' "/proc/$proxy/status"; }
metric() { # sum of a Prometheus metric's samples, in MB; "-" when the binary does not export it
  curl -s "http://127.0.0.1:$((pb + 391))/metrics" | awk -v m="$1" '$1 ~ "^"m"({|$)" { s += $2; n++ } END { if (n) printf "%.1f", s / 1048576; else printf "-" }'
}
sample() { # label
  kill -0 "$proxy" 2>/dev/null || { echo "h2abuse: the proxy exited" >&2; cat "$work/proxy.err" >&2; exit 1; }
  printf "| %s | %s | %s | %s | %s | %s |\n" "$1" "$(mb VmRSS)" "$(mb VmHWM)" \
    "$(metric dotnet_gc_last_collection_heap_size)" "$(metric dotnet_gc_last_collection_memory_committed_size)" "$(ls "/proc/$proxy/task" | wc -l)"
}

echo "mesh-proxy under HTTP/2 abuse, $(date -u '+%F %H:%M') UTC, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $bin"
echo
echo "| when | VmRSS MB | VmHWM MB | GC heap MB | GC committed MB | threads |"
echo "|---|---|---|---|---|---|"
sleep 1; sample "idle"
h2spec="${H2SPEC:-$root/../shared/tools/h2spec}"
if [ -x "$h2spec" ]; then
  H2SPEC_AUTHORITY=app.default:80 timeout 180 "$h2spec" -h 127.0.0.1 -p $((pb + 340)) -o 3 >"$work/h2spec.txt" 2>&1 || true
  sample "h2spec ($(grep -Eo '[0-9]+ tests, [0-9]+ passed, [0-9]+ skipped, [0-9]+ failed' "$work/h2spec.txt" | tail -1))"
fi
for r in $(seq "$rounds"); do
  for kind in rapid-reset:2000 continuation:500 settings:2000 hpack-bomb:200 big-headers:100 ping:2000; do
    timeout 40 python3 "$root/bench/proxy/h2abuse.py" "$out" app.default:80 "${kind%%:*}" "$conns" "${kind#*:}" 30 >>"$work/abuse.log" 2>&1 || true
  done
  timeout 60 h2load -n 20000 -c 50 -m 100 -t 1 -H ':authority: app.default:80' "http://$out/" >"$work/h2load.txt" 2>&1 || true
  sample "round $r ($(awk '/^requests:/ { print $8 " ok of " $2 }' "$work/h2load.txt"))"
  sleep "$idle"; sample "round $r + ${idle} s idle"
done
