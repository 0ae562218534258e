#!/usr/bin/env bash
# Memory of the mesh-proxy (Native AOT), reproducibly: for each given binary, in one run (so load drifts hit all alike):
#   idle RSS 1 s and 10 s after "mesh-proxy: ready", /proc/PID/smaps_rollup (Rss, Pss, anonymous, file-backed),
#   file-backed RSS per mapping (binary, libcrypto, rest), thread count and names;
#   then wrk -t2 -cCONNS -dDUR through one hop (outbound → unmeshed app) — RPS, RSS at the end, peak (VmHWM) —
#   and through the mesh pair (outbound → mTLS/HTTP/2 → inbound → app) — RPS, RSS of both proxies.
# Usage: bench/proxy/rss.sh [BINARY|LABEL=BINARY]...   (default: publish Proxy/Mesh.Proxy Native AOT once)
#   env DUR (10 s), CONNS (32), IDLE (10: the second idle sample, s after ready; the proxy's first idle trim is at 20 s), ROUNDS (1: repeat the whole set, binaries alternating), PAIR (1: also the mesh pair).
#   A binary may be a wrapper script that ends in `exec` (e.g. to set DOTNET_* variables): the pid stays the proxy's.
# Every stage must answer `ok 200` (curl) before it is measured, and a load run with non-2xx responses is marked void and
# fails the script at the end.
# Ports PORT_BASE+80…+901 on 127.0.0.1 (env PORT_BASE, default 21000; bench/proxy/run.sh uses 18xxx); it stops if one is
# taken. Needs wrk, nginx, curl, ss.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dur="${DUR:-10}"; idle="${IDLE:-10}"; conns="${CONNS:-32}"; rounds="${ROUNDS:-1}"; pair="${PAIR:-1}"; pb="${PORT_BASE:-21000}"
for off in 80 900 901 340 343 391 240 243 244 245 291 292; do
  if ss -Hltn "sport = :$((pb + off))" | grep -q .; then echo "rss: port $((pb + off)) is taken; set PORT_BASE" >&2; exit 1; fi
done
work="$(mktemp -d /tmp/mesh-rss.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

bins=("$@")
if [ "${#bins[@]}" -eq 0 ]; then
  echo "rss: publishing mesh-proxy Native AOT" >&2
  dotnet publish "$root/Proxy/Mesh.Proxy" -c Release -r linux-x64 -p:PublishAot=true -o "$work/aot" -nologo -v q >"$work/aot.log" 2>&1 \
    || { tail -20 "$work/aot.log" >&2; exit 1; }
  bins=("aot=$work/aot/mesh-proxy")
fi
disco="${STATIC_DISCOVERY_BIN:-}"
if [ ! -x "$disco" ]; then
  dotnet publish "$root/bench/proxy/StaticDiscovery" -c Release -o "$work/disco" -nologo -v q >"$work/disco.log" 2>&1 || { cat "$work/disco.log" >&2; exit 1; }
  disco="$work/disco/StaticDiscovery"
fi

# --- the app (nginx return 200) and two static control planes: unmeshed app (single hop) / app behind proxy B (pair)
mkdir -p "$work/app/logs"
cat >"$work/app/nginx.conf" <<NGX
worker_processes 1; daemon off; pid $work/app/nginx.pid; error_log $work/app/logs/error.log warn;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:$((pb + 80)); location / { return 200 "ok"; } } }
NGX
nginx -p "$work/app" -c "$work/app/nginx.conf" & pids+=($!)
"$disco" $((pb + 900)) "$work/anchors.pem" app.default:80 127.0.0.1:$((pb + 80)) >/dev/null & pids+=($!)
"$disco" $((pb + 901)) "$work/anchors2.pem" app.default:80 "127.0.0.1:$((pb + 80)):$((pb + 243)):spiffe://cluster.local/ns/default/sa/rss-b" >/dev/null & pids+=($!)
for _ in $(seq 200); do
  [ -f "$work/anchors.pem" ] && [ -f "$work/anchors2.pem" ] && curl -s -o /dev/null http://127.0.0.1:$((pb + 80))/ && break; sleep 0.05
done
sleep 0.5

start_proxy() { # name workload inbound outbound admin control anchors binary → $work/name.pid, .ready (ms)
  # The inbound forwards only to a port the workload declares: the app's port is its app port (as in run.sh). Without
  # it the pair's inbound refused every request (the mesh-pair stage measured error responses until 2026-12-08).
  local t0; rm -f "$work/$1.out"; t0=$(date +%s%N)
  MESH_PROXY_WORKLOAD="$2" MESH_PROXY_INBOUND_ADDR="127.0.0.1:$3" MESH_PROXY_OUTBOUND_ADDR="127.0.0.1:$4" MESH_PROXY_ADMIN_ADDR="127.0.0.1:$5" \
  MESH_CONTROL_ADDR="http://127.0.0.1:$6" MESH_PROXY_TRUST_ANCHORS="$7" MESH_PROXY_TOKEN=bench \
  MESH_PROXY_APP_ADDR="127.0.0.1:$((pb + 80))" \
    "$8" >"$work/$1.out" 2>"$work/$1.err" & local pid=$!
  pids+=($pid)
  for _ in $(seq 3000); do grep -q 'mesh-proxy: ready' "$work/$1.out" 2>/dev/null && break; sleep 0.01; done
  grep -q 'mesh-proxy: ready' "$work/$1.out" || { echo "rss: $1 not ready" >&2; cat "$work/$1.out" "$work/$1.err" >&2; exit 1; }
  echo $(( ($(date +%s%N) - t0) / 1000000 )) >"$work/$1.ready"
  echo "$pid" >"$work/$1.pid"
}
stop_proxy() { local p; p=$(cat "$work/$1.pid"); kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; }
mb() { awk -v k="$2" '$1 == k":" { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
rollup() { awk '{ v[$1] = $2 } END { printf "Rss %.1f  Pss %.1f  Anonymous %.1f  file-backed %.1f  (Private_Dirty %.1f, Shared_Clean %.1f, Private_Clean %.1f)",
  v["Rss:"]/1024, v["Pss:"]/1024, v["Anonymous:"]/1024, (v["Rss:"]-v["Anonymous:"])/1024, v["Private_Dirty:"]/1024, v["Shared_Clean:"]/1024, v["Private_Clean:"]/1024 }' "/proc/$1/smaps_rollup"; }
# file-backed RSS per mapped file, and anonymous RSS split by mapping size (GC regions/heaps are large, stacks are ≤ 8 MB + guard)
by_mapping() {
  awk 'function hex(s,  n, i) { n = 0; for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return n }
       /^[0-9a-f]+-[0-9a-f]+ / { split($1, a, "-"); size = (hex(a[2]) - hex(a[1])) / 1024; name = ($6 == "" ? "[anon]" : $6); next }
       $1 == "Rss:" { if (name == "[anon]") { if (size >= 65536) big += $2; else if (size > 1024) mid += $2; else small += $2 } else f[name] += $2 }
       END { for (n in f) if (f[n] >= 512) { k = n; sub(".*/", "", k); printf "%s %.1f  ", k, f[n]/1024 }
             printf "| anon: mappings ≥ 64 MB %.1f, 1–64 MB %.1f, ≤ 1 MB %.1f", big/1024, mid/1024, small/1024 }' "/proc/$1/smaps"
}
threads() { local p=$1; echo "$(ls "/proc/$p/task" | wc -l) [$(cat /proc/"$p"/task/*/comm 2>/dev/null | sed 's/ *[0-9]*$//' | sort | uniq -c | awk '{ n = $1; $1 = ""; printf "%s%s×%s", sep, substr($0, 2), n; sep = ", " }')]"; }

failed=0
# Every stage must serve the app's answer before it is measured, and only 2xx during it: a row of error responses
# would measure the error path's memory, not the proxy's.
check_ok() { # label url (in the script's shell, not in $(…))
  local body
  body=$(curl -s --max-time 5 -H "Host: app.default:80" -w ' %{http_code}' "$2" || true)
  [ "$body" = "ok 200" ] || { echo "rss: $1 answers '$body', not 'ok 200'" >&2; exit 1; }
}
load() { # label url pid... → RPS; RSS of each pid at the end of the load; peak RSS sampled every 0.2 s
  local label=$1 url=$2; shift 2
  wrk -t2 -c"$conns" -d1s -H "Host: app.default:80" "$url" >/dev/null 2>&1 || true # warm-up
  for p in "$@"; do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done             # VmHWM := current RSS
  wrk -t2 -c"$conns" -d"${dur}s" -H "Host: app.default:80" "$url" >"$work/$label.wrk" 2>&1 & local w=$!
  local peak=0 p r
  while kill -0 "$w" 2>/dev/null; do
    for p in "$@"; do r=$(awk '/VmRSS/ {print $2}' "/proc/$p/status"); [ "$r" -gt "$peak" ] && peak=$r; done
    sleep 0.2
  done
  wait "$w" || true
  local end=""; for p in "$@"; do end="$end$(mb "$p" VmRSS)/"; done
  printf "%s RPS, RSS at end %s MB, peak %.1f MB, VmHWM %s MB (since warm-up)" "$(awk '/Requests\/sec/ {print int($2)}' "$work/$label.wrk")" "${end%/}" "$(awk -v k="$peak" 'BEGIN { print k / 1024 }')" "$(mb "$1" VmHWM)"
  awk '/Socket errors|Non-2xx/' "$work/$label.wrk" | tr '\n' ' '
  if grep -q 'Non-2xx' "$work/$label.wrk"; then printf ' **NOT ALL 2xx: void**'; fi
}

echo "mesh-proxy memory, $(date -u '+%F %H:%M') UTC, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); wrk -t2 -c$conns -d${dur}s"
for round in $(seq "$rounds"); do
  for spec in "${bins[@]}"; do
    label="${spec%%=*}"; bin="${spec#*=}"; [ "$label" = "$spec" ] && label="$(basename "$(dirname "$bin")")/$(basename "$bin")"
    echo; echo "## $label (round $round): $bin"
    start_proxy hop rss-c $((pb + 343)) $((pb + 340)) $((pb + 391)) $((pb + 900)) "$work/anchors.pem" "$bin"
    p=$(cat "$work/hop.pid")
    sleep 1
    echo "ready after $(cat "$work/hop.ready") ms; idle +1 s: RSS $(mb "$p" VmRSS) MB; threads $(threads "$p")"
    echo "  smaps_rollup +1 s:  $(rollup "$p")"
    sleep $((idle - 1))
    echo "idle +$idle s: RSS $(mb "$p" VmRSS) MB"
    echo "  smaps_rollup +$idle s: $(rollup "$p")"
    echo "  by mapping (MB):    $(by_mapping "$p")"
    check_ok hop http://127.0.0.1:$((pb + 340))/
    echo "single hop load: $(load hop http://127.0.0.1:$((pb + 340))/ "$p")"
    grep -q 'Non-2xx' "$work/hop.wrk" && failed=1
    echo "  after load: threads $(threads "$p")"
    echo "  smaps_rollup:       $(rollup "$p")"
    echo "  by mapping (MB):    $(by_mapping "$p")"
    stop_proxy hop
    if [ "$pair" = 1 ]; then
      start_proxy meshB rss-b $((pb + 243)) $((pb + 244)) $((pb + 292)) $((pb + 901)) "$work/anchors2.pem" "$bin"
      start_proxy meshA rss-a $((pb + 245)) $((pb + 240)) $((pb + 291)) $((pb + 901)) "$work/anchors2.pem" "$bin"
      a=$(cat "$work/meshA.pid"); b=$(cat "$work/meshB.pid")
      sleep 1
      echo "mesh pair idle +1 s: client $(mb "$a" VmRSS) MB, server $(mb "$b" VmRSS) MB"
      check_ok pair http://127.0.0.1:$((pb + 240))/
      echo "mesh pair load: $(load pair http://127.0.0.1:$((pb + 240))/ "$a" "$b") (client/server; VmHWM of the client)"
      grep -q 'Non-2xx' "$work/pair.wrk" && failed=1
      echo "  server after load: $(rollup "$b")"
      stop_proxy meshA; stop_proxy meshB
    fi
  done
done
[ "$failed" = 0 ] || { echo "rss: a stage answered non-2xx (marked void above)" >&2; exit 1; }
