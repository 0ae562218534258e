#!/usr/bin/env bash
# Proxy benchmark on loopback, all in one run so the ratios compare like with like:
#   direct       wrk → app (nginx static "ok")
#   yarp         wrk → one mesh-proxy (outbound, unmeshed endpoint) → app         (a single plain YARP hop)
#   mesh         wrk → mesh-proxy outbound → mesh mTLS (X25519MLKEM768, HTTP/2) → mesh-proxy inbound → app
#   nginx-pair   wrk → nginx → TLS 1.3 keepalive → nginx → app
# Usage: bench/proxy/run.sh [seconds per run, default 10] [connections, default 32]
#   yarp-jit     the yarp setup with the JIT-built proxy (AOT vs JIT CPU per request, same run)
# Then start → ready and idle RSS of the AOT and the JIT proxy, 5 alternating cold starts each (medians).
# Needs: wrk, nginx, openssl, curl; builds mesh-proxy Native AOT (falls back to JIT if AOT fails; MESH_PROXY_BIN=path skips
# that build), mesh-proxy JIT (MESH_PROXY_JIT_BIN=path skips it) and the static discovery helper.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dur="${1:-10}"; conns="${2:-32}"
work="$(mktemp -d /tmp/mesh-bench.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

echo "bench: building (AOT proxy, JIT proxy, static discovery)" >&2
proxy="$work/aot/mesh-proxy"
jit="$work/jit/mesh-proxy"
if [ -x "${MESH_PROXY_JIT_BIN:-}" ]; then
  jit="$MESH_PROXY_JIT_BIN"; echo "bench: using $jit (JIT)" >&2
else
  dotnet publish "$root/Proxy/Mesh.Proxy" -c Release -o "$work/jit" -nologo -v q >"$work/jit.log" 2>&1 || { cat "$work/jit.log" >&2; exit 1; }
fi
if [ -x "${MESH_PROXY_BIN:-}" ]; then
  proxy="$MESH_PROXY_BIN"; echo "bench: using $proxy" >&2
else
  t0=$(date +%s)
  if dotnet publish "$root/Proxy/Mesh.Proxy" -c Release -r linux-x64 -p:PublishAot=true -o "$work/aot" -nologo -v q >"$work/aot.log" 2>&1; then
    echo "bench: AOT publish took $(( $(date +%s) - t0 )) s" >&2
  else
    echo "bench: AOT publish failed (see below), using JIT" >&2; tail -5 "$work/aot.log" >&2
    proxy="$jit"
  fi
fi
dotnet publish "$root/bench/proxy/StaticDiscovery" -c Release -o "$work/disco" -nologo -v q >"$work/disco.log" || { cat "$work/disco.log" >&2; exit 1; }

# --- the app and the nginx pair
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 1 -subj /CN=localhost 2>/dev/null
nginx_conf() { # name body
  mkdir -p "$work/$1/logs"
  cat >"$work/$1/nginx.conf" <<NGX
worker_processes 1; daemon off; pid $work/$1/nginx.pid; error_log $work/$1/logs/error.log warn;
events { worker_connections 4096; }
http { access_log off; $2 }
NGX
  nginx -p "$work/$1" -c "$work/$1/nginx.conf" & pids+=($!)
}
nginx_conf app 'server { listen 127.0.0.1:18080; location / { return 200 "ok"; } }'
nginx_conf ngx2 "upstream app { server 127.0.0.1:18080; keepalive 64; }
  server { listen 127.0.0.1:18082 ssl; ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem; ssl_protocols TLSv1.3;
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"
nginx_conf ngx1 "upstream ngx2 { server 127.0.0.1:18082; keepalive 64; }
  server { listen 127.0.0.1:18081; location / { proxy_pass https://ngx2; proxy_http_version 1.1; proxy_set_header Connection \"\";
    proxy_ssl_session_reuse on; } }"

# --- control planes: one answers app.default:80 with the unmeshed app, the other with the app behind proxy B
"$work/disco/StaticDiscovery" 18900 "$work/anchors.pem" app.default:80 127.0.0.1:18080 >/dev/null & pids+=($!)
"$work/disco/StaticDiscovery" 18901 "$work/anchors2.pem" app.default:80 "127.0.0.1:18080:18243:spiffe://cluster.local/ns/default/sa/bench-b" >/dev/null & pids+=($!)
for port in 18080 18081 18900 18901; do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break; [ "$port" -ge 18900 ] && [ -f "$work/anchors2.pem" ] && [ -f "$work/anchors.pem" ] && break; sleep 0.1; done
done
sleep 1

start_proxy() { # name workload inbound outbound admin control anchors [binary] → records pid and ready ms
  local t0; t0=$(date +%s%N)
  MESH_PROXY_WORKLOAD="$2" MESH_PROXY_INBOUND_ADDR="127.0.0.1:$3" MESH_PROXY_OUTBOUND_ADDR="127.0.0.1:$4" MESH_PROXY_ADMIN_ADDR="127.0.0.1:$5" \
  MESH_CONTROL_ADDR="http://127.0.0.1:$6" MESH_PROXY_TRUST_ANCHORS="$7" MESH_PROXY_TOKEN=bench \
    "${8:-$proxy}" >"$work/$1.out" 2>"$work/$1.err" & local pid=$!
  pids+=($pid)
  for _ in $(seq 1000); do grep -q 'mesh-proxy: ready' "$work/$1.out" 2>/dev/null && break; sleep 0.01; done
  echo $(( ($(date +%s%N) - t0) / 1000000 )) >"$work/$1.ready"
  echo "$pid" >"$work/$1.pid"
}
start_proxy yarp bench-c 18343 18340 18391 18900 "$work/anchors.pem"
start_proxy meshB bench-b 18243 18244 18292 18901 "$work/anchors2.pem"
start_proxy meshA bench-a 18245 18240 18291 18901 "$work/anchors2.pem"
start_proxy yarpjit bench-d 18443 18440 18491 18900 "$work/anchors.pem" "$jit"
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
for n in yarp meshA meshB yarpjit; do echo "$(rss "$(cat "$work/$n.pid")")" >"$work/$n.idle"; done

run() { # label url host pids...
  local label=$1 url=$2 host=$3; shift 3
  local before=0 after=0 p
  for p in "$@"; do before=$((before + $(cpu_ticks "$p"))); done
  wrk -t2 -c"$conns" -d1s -H "Host: $host" "$url" >/dev/null 2>&1 || true   # warm-up
  for p in "$@"; do before=$((before + 0)); done
  local b2=0; for p in "$@"; do b2=$((b2 + $(cpu_ticks "$p"))); done
  wrk -t2 -c"$conns" -d"${dur}s" --latency -H "Host: $host" "$url" >"$work/$label.wrk"
  for p in "$@"; do after=$((after + $(cpu_ticks "$p"))); done
  local rps p50 p99 reqs cpu1k rssl=""
  rps=$(awk '/Requests\/sec/ {print int($2)}' "$work/$label.wrk")
  reqs=$(awk '/requests in/ {print $1}' "$work/$label.wrk")
  p50=$(awk '$1=="50%" {print $2}' "$work/$label.wrk"); p99=$(awk '$1=="99%" {print $2}' "$work/$label.wrk")
  if [ "$#" -gt 0 ]; then
    cpu1k=$(awk -v t=$((after - b2)) -v r="$reqs" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f ms", t * 1000 / hz / r * 1000 }')
    for p in "$@"; do rssl="$rssl$(rss "$p")/"; done; rssl="${rssl%/} MB"
  else cpu1k="-"; rssl="-"; fi
  printf "| %-10s | %8s | %8s | %8s | %14s | %s |\n" "$label" "$rps" "$p50" "$p99" "$cpu1k" "$rssl"
  echo "$rps" >"$work/$label.rps"
}

# nginx pids: the masters (worker_processes 1 → the worker is a child; count both)
ngx_pids() { local m; m=$(cat "$work/$1/nginx.pid"); echo "$m $(pgrep -P "$m" | tr '\n' ' ')"; }

echo
echo "wrk -t2 -c$conns -d${dur}s, HTTP/1.1 client, loopback, $(nproc) cores; CPU = proxies' user+sys per 1k requests; RSS under load"
echo
echo "| setup      |      RPS |      p50 |      p99 | CPU / 1k req   | proxy RSS |"
echo "|------------|---------:|---------:|---------:|---------------:|-----------|"
run direct     http://127.0.0.1:18080/ app.default:80
run yarp       http://127.0.0.1:18340/ app.default:80 "$(cat "$work/yarp.pid")"
run yarp-jit   http://127.0.0.1:18440/ app.default:80 "$(cat "$work/yarpjit.pid")"
run mesh       http://127.0.0.1:18240/ app.default:80 "$(cat "$work/meshA.pid")" "$(cat "$work/meshB.pid")"
# shellcheck disable=SC2046
run nginx-pair http://127.0.0.1:18081/ app.default:80 $(ngx_pids ngx1) $(ngx_pids ngx2)
echo
echo "mesh / nginx-pair RPS: $(awk -v a="$(cat "$work/mesh.rps")" -v b="$(cat "$work/nginx-pair.rps")" 'BEGIN { printf "%.2f", a / b }')"
echo "idle RSS (MB): yarp $(cat "$work/yarp.idle"), mesh client $(cat "$work/meshA.idle"), mesh server $(cat "$work/meshB.idle")"
echo "start → ready (ms, incl. Certify): yarp $(cat "$work/yarp.ready"), mesh server $(cat "$work/meshB.ready"), mesh client $(cat "$work/meshA.ready")"
echo "yarp-jit / yarp RPS: $(awk -v a="$(cat "$work/yarp-jit.rps")" -v b="$(cat "$work/yarp.rps")" 'BEGIN { printf "%.2f", a / b }')"
echo "proxy binary: $proxy (JIT: $jit)"

# --- cold starts of a lone proxy (the yarp setup), AOT and JIT alternating so load drifts hit both alike:
# start → "mesh-proxy: ready" (incl. Certify) and RSS 1 s after ready, with nothing else running through it.
for n in yarp meshA meshB yarpjit; do kill "$(cat "$work/$n.pid")" 2>/dev/null || true; done
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for i in 1 2 3 4 5; do
  for f in aot jit; do
    bin="$proxy"; [ "$f" = jit ] && bin="$jit"
    start_proxy "cold-$f-$i" bench-e 18543 18540 18591 18900 "$work/anchors.pem" "$bin"
    sleep 1
    rss "$(cat "$work/cold-$f-$i.pid")" >"$work/cold-$f-$i.idle"
    kill "$(cat "$work/cold-$f-$i.pid")"; wait "$(cat "$work/cold-$f-$i.pid")" 2>/dev/null || true
  done
done
echo
echo "| cold start (5 each, median [min–max]) | start → ready (ms) | idle RSS (MB) |"
echo "|---------------------------------------|-------------------:|--------------:|"
for f in aot jit; do
  r=$(cat "$work"/cold-$f-*.ready | median); rmin=$(cat "$work"/cold-$f-*.ready | sort -n | head -1); rmax=$(cat "$work"/cold-$f-*.ready | sort -n | tail -1)
  m=$(cat "$work"/cold-$f-*.idle | median); mmin=$(cat "$work"/cold-$f-*.idle | sort -n | head -1); mmax=$(cat "$work"/cold-$f-*.idle | sort -n | tail -1)
  printf "| %-37s | %18s | %13s |\n" "$f" "$r [$rmin–$rmax]" "$m [$mmin–$mmax]"
done
