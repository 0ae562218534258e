#!/usr/bin/env bash
# Apps that close their keep-alive connections, through the mesh-proxy: nginx with its DEFAULT keepalive_requests (1000:
# after 1,000 requests on a connection HTTP/1.1 answers `Connection: close`, HTTP/2 sends GOAWAY and closes).
# Legs, each `h2load -n N -c 50 -m M` real requests, 127.0.0.1 only:
#   h2c   outbound → nginx h2c (unmeshed app, the client's HTTP/2 kept)
#   h1    outbound → nginx HTTP/1.1 (unmeshed app; the client speaks HTTP/1.1, h2load --h1, -m 1)
#   mesh  outbound → mTLS HTTP/2 → inbound → nginx HTTP/1.1 (two sidecars)
#   direct, for comparison: the same h2load straight to nginx h2c
# Per leg: h2load's 2xx / 5xx / failed, and the proxies' 502s (proxy_errors_total), retries and ejections from /metrics.
# Usage: bench/proxy/keepalive.sh BINARY   env N (20000), M (100), ROUNDS (1), PORT_BASE (23000), KEEPALIVE (nginx's
# keepalive_requests; unset = nginx's default), KEEP_LOGS=DIR keeps the proxies' output (with MESH_PROXY_LOG_LEVEL=information:
# the forwarding errors). Needs nginx, h2load, curl, ss.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="${1:?usage: keepalive.sh BINARY}"
n="${N:-20000}"; m="${M:-100}"; rounds="${ROUNDS:-1}"; pb="${PORT_BASE:-23000}"
for off in 80 81 900 901 902 340 343 391 440 443 491 540 543 591 640 643 691; do
  if ss -Hltn "sport = :$((pb + off))" | grep -q .; then echo "keepalive: port $((pb + off)) is taken; set PORT_BASE" >&2; exit 1; fi
done
work="$(mktemp -d /tmp/mesh-keepalive.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS"; cp "$work"/*.out "$work"/*.err "$KEEP_LOGS"/ 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

disco="${STATIC_DISCOVERY_BIN:-}"
if [ ! -x "$disco" ]; then
  dotnet publish "$root/bench/proxy/StaticDiscovery" -c Release -o "$work/disco" -nologo -v q >"$work/disco.log" 2>&1 || { cat "$work/disco.log" >&2; exit 1; }
  disco="$work/disco/StaticDiscovery"
fi
mkdir -p "$work/app/logs"
ka=""; [ -n "${KEEPALIVE:-}" ] && ka="keepalive_requests $KEEPALIVE;"
cat >"$work/app/nginx.conf" <<NGX
worker_processes 1; daemon off; pid $work/app/nginx.pid; error_log $work/app/logs/error.log warn;
events { worker_connections 4096; }
http { access_log off; $ka
  server { listen 127.0.0.1:$((pb + 80)) http2; location / { return 200 "ok"; } }
  server { listen 127.0.0.1:$((pb + 81)); location / { return 200 "ok"; } } }
NGX
nginx -p "$work/app" -c "$work/app/nginx.conf" & pids+=($!)
# Control planes: h2c app / HTTP/1.1 app (unmeshed) / HTTP/1.1 app behind sidecar B (meshed, B's inbound at +543).
"$disco" $((pb + 900)) "$work/a1.pem" app.default:80 127.0.0.1:$((pb + 80)) >/dev/null & pids+=($!)
"$disco" $((pb + 901)) "$work/a2.pem" app.default:80 127.0.0.1:$((pb + 81)) >/dev/null & pids+=($!)
"$disco" $((pb + 902)) "$work/a3.pem" app.default:80 "127.0.0.1:$((pb + 81)):$((pb + 543)):spiffe://cluster.local/ns/default/sa/ka-b" >/dev/null & pids+=($!)
for _ in $(seq 200); do
  [ -f "$work/a1.pem" ] && [ -f "$work/a2.pem" ] && [ -f "$work/a3.pem" ] && curl -s --http2-prior-knowledge -o /dev/null http://127.0.0.1:$((pb + 80))/ && break; sleep 0.05
done
sleep 0.5

start_proxy() { # name workload inbound outbound admin control anchors [app]
  MESH_PROXY_WORKLOAD="$2" MESH_PROXY_INBOUND_ADDR="127.0.0.1:$3" MESH_PROXY_OUTBOUND_ADDR="127.0.0.1:$4" MESH_PROXY_ADMIN_ADDR="127.0.0.1:$5" \
  MESH_CONTROL_ADDR="http://127.0.0.1:$6" MESH_PROXY_TRUST_ANCHORS="$7" MESH_PROXY_TOKEN=bench MESH_PROXY_APP_ADDR="${8:-127.0.0.1}" \
    "$bin" >"$work/$1.out" 2>"$work/$1.err" & pids+=($!)
  for _ in $(seq 3000); do grep -q 'mesh-proxy: ready' "$work/$1.out" 2>/dev/null && break; sleep 0.01; done
  grep -q 'mesh-proxy: ready' "$work/$1.out" || { echo "keepalive: $1 not ready" >&2; cat "$work/$1.out" "$work/$1.err" >&2; exit 1; }
}
start_proxy a ka-a $((pb + 343)) $((pb + 340)) $((pb + 391)) $((pb + 900)) "$work/a1.pem"
start_proxy h ka-h $((pb + 443)) $((pb + 440)) $((pb + 491)) $((pb + 901)) "$work/a2.pem"
start_proxy c ka-c $((pb + 643)) $((pb + 640)) $((pb + 691)) $((pb + 902)) "$work/a3.pem"
start_proxy b ka-b $((pb + 543)) $((pb + 540)) $((pb + 591)) $((pb + 902)) "$work/a3.pem" "127.0.0.1:$((pb + 81))"

metric() { # admin-port metric-regex → sum of its samples
  curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 ~ "^("m")({|$)" { s += $2 } END { printf "%d", s }'
}
errors502() { curl -s "http://127.0.0.1:$1/metrics" | awk '$1 ~ /^proxy_errors_total\{/ && /upstream|unknown/ { s += $2 } END { printf "%d", s }'; }
leg() { # label target admin-ports h2load-args...
  local label=$1 target=$2 admins=$3; shift 3
  local e0=0 r0=0 j0=0 a
  for a in $admins; do e0=$((e0 + $(errors502 "$a"))); r0=$((r0 + $(metric "$a" outbound_http_retry_total))); j0=$((j0 + $(metric "$a" outbound_endpoint_ejections_total))); done
  timeout 120 h2load -n "$n" -c 50 -t 1 "$@" -H ':authority: app.default:80' "http://$target/" >"$work/h2load.txt" 2>&1 || true
  local e1=0 r1=0 j1=0
  for a in $admins; do e1=$((e1 + $(errors502 "$a"))); r1=$((r1 + $(metric "$a" outbound_http_retry_total))); j1=$((j1 + $(metric "$a" outbound_endpoint_ejections_total))); done
  printf "| %s | %s | %s | %s | %s | %s | %s |\n" "$label" \
    "$(awk '/^requests:/ { print $8 " of " $2 }' "$work/h2load.txt")" \
    "$(awk '/^status codes:/ { gsub(",", ""); print $3 }' "$work/h2load.txt")" \
    "$(awk '/^status codes:/ { gsub(",", ""); print $9 }' "$work/h2load.txt")" \
    "$(awk '/^requests:/ { gsub(",", ""); print $10 }' "$work/h2load.txt")" \
    "$((e1 - e0)) / $((r1 - r0))" "$((j1 - j0))"
}

echo "mesh-proxy vs nginx keepalive_requests=${KEEPALIVE:-default (1000)}, $(date -u '+%F %H:%M') UTC, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $bin"
echo
echo "| leg | h2load succeeded | 2xx | 5xx | failed | proxy 502s / retries | ejections |"
echo "|---|---|---|---|---|---|---|"
for _ in $(seq "$rounds"); do
  leg "direct h2c (no proxy)" "127.0.0.1:$((pb + 80))" "" -m "$m"
  leg "h2c: outbound → nginx h2c" "127.0.0.1:$((pb + 340))" "$((pb + 391))" -m "$m"
  leg "h1: outbound → nginx HTTP/1.1" "127.0.0.1:$((pb + 440))" "$((pb + 491))" --h1 -m 1
  leg "mesh: outbound → inbound → nginx HTTP/1.1" "127.0.0.1:$((pb + 640))" "$((pb + 691)) $((pb + 591))" -m "$m"
done
