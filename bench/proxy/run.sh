#!/usr/bin/env bash
# Proxy benchmark on loopback, all in one run so the ratios compare like with like. Setups (the app is nginx
# `return 200 "ok"`, HTTP/1.1 on :PORT_BASE+80 and h2c prior knowledge on :PORT_BASE+83):
#   direct       client → app
#   yarp         client → one mesh-proxy (outbound, unmeshed endpoint) → app          (a single plain YARP hop;
#                HTTP/1.1 clients reach the app in HTTP/1.1, h2c clients in h2c: the proxy keeps the client's protocol)
#   yarp-jit     the yarp setup with the JIT-built proxy (AOT vs JIT, same run; HTTP/1.1 only)
#   mesh         client → mesh-proxy outbound → mesh mTLS (X25519MLKEM768, HTTP/2) → mesh-proxy inbound → app (HTTP/1.1)
#   nginx-pair   client → nginx → TLS 1.3 keepalive upstream (HTTP/1.1) → nginx → app (HTTP/1.1)
#   hap-pair     client → haproxy → HTTP/2 over mutual TLS 1.3 (client certificate, throwaway CA) → haproxy → app
#                (HTTP/1.1): the mesh leg's exact topology; one thread each (nbthread 1, like nginx's one worker)
#   caddy-pair   client → caddy → HTTP/2 over mutual TLS 1.3 (client certificate) → caddy → app (HTTP/1.1): a Go
#                (garbage-collected) proxy in the same topology; Go's default GOMAXPROCS (all cores)
# and, in the HTTP/1.1 saturation table only, the floor of one hop:
#   nginx-hop    client → nginx → keepalive upstream (HTTP/1.1, plaintext) → app: one full nginx HTTP proxy hop
#   tcp-relay    client → TcpRelay → app: a .NET byte relay (async sockets, no HTTP, no TLS; bench/proxy/TcpRelay), the
#                least any .NET hop costs on this runtime; tcp-relay-inline: the same with
#                DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 (loops run on the epoll thread, no thread-pool hop)
# Clients, in this order:
#   1. saturation, HTTP/1.1: wrk -t2 -c$conns (keep-alive, no pipelining)
#   2. saturation, HTTP/2:   h2load -t2 -c$H2_CLIENTS -m$H2_STREAMS, h2c prior knowledge (default 8 connections × 4
#      streams = the same 32 requests in flight as wrk, multiplexed)
#   3. fixed rate, both protocols: h2load [--h1] -t1 -c$FIXED_CLIENTS --rps (FIXED_RPS / FIXED_CLIENTS): FIXED_RPS total
#      (default 1600 req/s, well below every setup's saturation) over 16 connections (h2: up to -m$H2_STREAMS streams
#      each); p50/p99 from h2load's per-request log. h2load paces each client evenly but the clients start together,
#      so requests arrive in bursts of FIXED_CLIENTS every FIXED_CLIENTS/FIXED_RPS s (16 every 10 ms): p50 includes
#      draining such a burst. h2load does not correct for coordinated omission (harmless while every setup keeps the
#      rate, which the req/s column shows).
#   4. 5 alternating cold starts each of the AOT and the JIT proxy alone: start → "mesh-proxy: ready" (incl. Certify)
#      and RSS 1 s after ready (medians)
# Every setup runs twice for half the time per table, the second pass in reverse order (ABBA), reported together
# (PASSES=n: n passes of dur/n s, alternating order).
# Reported per run: RPS, p50/p99, proxy CPU (user+sys from /proc) per 1k requests (total, then per busy process: mesh
# client+server, ngx1+ngx2 workers), proxy RSS at the end of the run;
# then idle RSS, peak RSS (VmHWM), start → ready and the mesh / nginx-pair ratios. Every run checks its status codes:
# fewer than 99 % 2xx (a 404/502 flood is not a benchmark) fails the script after the tables are printed.
# Usage: bench/proxy/run.sh [seconds per setup and client, default 10 (2 halves)] [connections, default 32]
#   env: H2_CLIENTS, H2_STREAMS, FIXED_RPS, FIXED_CLIENTS (see above); MESH_PROXY_BIN / MESH_PROXY_JIT_BIN = prebuilt proxies;
#   PORT_BASE (default 18000); levers: MESH_AB="label:VAR=value[,VAR=value] …" adds a mesh pair per label started
#   with those variables, measured as setup mesh-<label> right after mesh in every table and compared to mesh
#   (MESH_AB_BIN=path among them: that pair runs that binary instead, e.g. a JIT or a size-optimized build);
#   ONLY="mesh mesh-x …" measures only those setups (and skips the cold starts); PASSES=n (default 2)
# Needs: wrk, h2load (nghttp2-client), nginx, haproxy, caddy, openssl, curl; builds mesh-proxy Native AOT (falls back to JIT if AOT
# fails; MESH_PROXY_BIN=path skips that build), mesh-proxy JIT (MESH_PROXY_JIT_BIN=path skips it) and the static
# discovery helper. Default run ≈ 5 min after the builds; every client run is bounded by `timeout`.
# h2load notes (nghttp2 1.52): the authority goes in `-H ':authority: …'` for both protocols (with --h1 it becomes
# Host; a literal `-H 'Host: …'` with --h1 makes h2load spin forever); --warm-up-time with -D reports 0 requests, so
# warm-ups are separate 1 s runs; --log-file appends, so every run gets a fresh file.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dur="${1:-10}"; conns="${2:-32}"; passes="${PASSES:-2}"; half=$(( (dur + passes - 1) / passes ))   # half = one pass
h2c="${H2_CLIENTS:-$(( conns / 4 > 2 ? conns / 4 : 2 ))}"; h2m="${H2_STREAMS:-4}"
fixed="${FIXED_RPS:-1600}"; fixc="${FIXED_CLIENTS:-16}"; perclient=$(( fixed / fixc > 0 ? fixed / fixc : 1 ))
authority=app.default:80
# Every port is PORT_BASE + an offset (default 18000, so the app is :18080); the run stops first if one is taken.
pb="${PORT_BASE:-18000}"
read -r -a ab_specs <<<"${MESH_AB:-}"
ab_offs=(); for (( i = 0; i < ${#ab_specs[@]}; i++ )); do for o in 0 1 2 3 4 5 9; do ab_offs+=($(( 1000 + 10 * i + o ))); done; done
for off in "${ab_offs[@]}" 80 81 82 83 85 86 87 88 701 702 703 711 713 240 243 244 245 291 292 340 343 391 440 443 491 540 543 591 640 643 691 900 901 902; do
  if ss -Hltn "sport = :$((pb + off))" | grep -q .; then echo "bench: port $((pb + off)) is taken; set PORT_BASE (e.g. PORT_BASE=28000)" >&2; exit 1; fi
done
work="$(mktemp -d /tmp/mesh-bench.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for tool in wrk h2load nginx haproxy caddy openssl curl; do command -v "$tool" >/dev/null || { echo "bench: $tool not found (scripts/setup.sh installs it)" >&2; exit 1; }; done

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
relay="$work/relay/TcpRelay"
dotnet publish "$root/bench/proxy/TcpRelay" -c Release -r linux-x64 -p:PublishAot=true -o "$work/relay" -nologo -v q >"$work/relay.log" 2>&1 ||
  dotnet publish "$root/bench/proxy/TcpRelay" -c Release -o "$work/relay" -nologo -v q >"$work/relay.log" 2>&1 || { cat "$work/relay.log" >&2; exit 1; }
echo "bench: $(uptime)" >&2

# --- the app and the nginx pair. keepalive_requests is raised everywhere: nginx's default (1000) closes client and
# upstream connections every 1000 requests, h2load does not reconnect in -D mode, and the proxies never recycle theirs.
# proxy_ssl_protocols must name TLSv1.3: nginx 1.22's default (TLSv1 TLSv1.1 TLSv1.2) fails every handshake with ngx2
# (runs before 2026-11-25 03:30 measured those 502s). nginx 1.22 (Debian 12) has no `http2 on;`: `listen … http2` without ssl is an h2c-prior-knowledge-only port.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 1 -subj /CN=localhost 2>/dev/null
nginx_conf() { # name body
  mkdir -p "$work/$1/logs"
  cat >"$work/$1/nginx.conf" <<NGX
worker_processes 1; daemon off; pid $work/$1/nginx.pid; error_log $work/$1/logs/error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 100000000; $2 }
NGX
  nginx -p "$work/$1" -c "$work/$1/nginx.conf" & pids+=($!)
}
nginx_conf app "server { listen 127.0.0.1:$((pb + 80)); listen 127.0.0.1:$((pb + 83)) http2; location / { return 200 \"ok\"; } }"
nginx_conf ngx2 "upstream app { server 127.0.0.1:$((pb + 80)); keepalive 64; keepalive_requests 100000000; }
  server { listen 127.0.0.1:$((pb + 82)) ssl; ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem; ssl_protocols TLSv1.3;
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"
nginx_conf ngx1 "upstream ngx2 { server 127.0.0.1:$((pb + 82)); keepalive 64; keepalive_requests 100000000; }
  server { listen 127.0.0.1:$((pb + 81)); listen 127.0.0.1:$((pb + 85)) http2;
    location / { proxy_pass https://ngx2; proxy_http_version 1.1; proxy_set_header Connection \"\";
      proxy_ssl_protocols TLSv1.3; proxy_ssl_session_reuse on; } }"
nginx_conf ngxhop "upstream app { server 127.0.0.1:$((pb + 80)); keepalive 64; keepalive_requests 100000000; }
  server { listen 127.0.0.1:$((pb + 86)); location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"

# --- the HAProxy and Caddy pairs: a throwaway CA, a server certificate for hop 2 and a client certificate for hop 1
# (hop 2 requires and verifies it), TLS 1.3 only, ALPN h2 between the hops.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" -days 1 -subj /CN=bench-ca 2>/dev/null
for n in server client; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/$n.key" -out "$work/$n.csr" -subj "/CN=$n" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=%s\n' "$([ $n = server ] && echo serverAuth || echo clientAuth)" >"$work/$n.ext"
  openssl x509 -req -in "$work/$n.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 1 -extfile "$work/$n.ext" -out "$work/$n.pem" 2>/dev/null
  cat "$work/$n.pem" "$work/$n.key" >"$work/$n.bundle.pem"
done
hap_conf() { # name frontend-binds backend-server
  cat >"$work/$1.cfg" <<HAP
global
  nbthread 1
  maxconn 8192
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
frontend in
$2
  default_backend out
backend out
  http-reuse always
  server next $3
HAP
  haproxy -db -f "$work/$1.cfg" >"$work/$1.log" 2>&1 & pids+=($!); echo $! >"$work/$1.pid"
}
hap_conf hap2 "  bind 127.0.0.1:$((pb + 703)) ssl crt $work/server.bundle.pem ca-file $work/ca.pem verify required alpn h2 ssl-min-ver TLSv1.3" \
  "127.0.0.1:$((pb + 80))"
# After an HTTP/2 hop HAProxy 2.6 writes HTTP/1.1 status lines without a reason phrase ("HTTP/1.1 200 "); h2load's
# HTTP/1.1 parser then never sees the status (every request "failed"). hop 1 puts the reason back for the app's 200.
hap_conf hap1 "  bind 127.0.0.1:$((pb + 701))
  bind 127.0.0.1:$((pb + 702)) proto h2
  http-response set-status 200 if { status 200 }" \
  "127.0.0.1:$((pb + 703)) ssl verify required ca-file $work/ca.pem crt $work/client.bundle.pem alpn h2 ssl-min-ver TLSv1.3 sni str(localhost)"
# Caddy 2.6: hop 1 serves HTTP/1.1 and h2c prior knowledge on one port. strict_sni_host is off on hop 2: with client
# auth Caddy otherwise answers 421 when the Host (app.default:80, kept by reverse_proxy) differs from the SNI.
caddy_conf() { # name protocols site-address body
  cat >"$work/$1.caddy" <<CADDY
{
	admin off
	auto_https off
	servers {
		protocols $2
		strict_sni_host insecure_off
	}
}
$3 {
	bind 127.0.0.1
$4
}
CADDY
  XDG_DATA_HOME="$work/xdg" XDG_CONFIG_HOME="$work/xdg" caddy run --config "$work/$1.caddy" --adapter caddyfile >"$work/$1.log" 2>&1 & pids+=($!); echo $! >"$work/$1.pid"
}
caddy_conf caddy2 "h1 h2" "https://:$((pb + 713))" "	tls $work/server.pem $work/server.key {
		protocols tls1.3
		client_auth {
			mode require_and_verify
			trusted_ca_cert_file $work/ca.pem
		}
	}
	reverse_proxy 127.0.0.1:$((pb + 80))"
caddy_conf caddy1 "h1 h2c" "http://:$((pb + 711))" "	reverse_proxy https://127.0.0.1:$((pb + 713)) {
		transport http {
			versions 2
			tls_client_auth $work/client.pem $work/client.key
			tls_trusted_ca_certs $work/ca.pem
			tls_server_name localhost
		}
	}"
"$relay" $((pb + 87)) $((pb + 80)) >/dev/null & pids+=($!); relay_pid=$!
DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 "$relay" $((pb + 88)) $((pb + 80)) >/dev/null & pids+=($!); relay_inline_pid=$!

# --- control planes: app.default:80 as the unmeshed app (HTTP/1.1 port; h2c port for the h2 yarp), and as the app
# behind proxy B
"$work/disco/StaticDiscovery" $((pb + 900)) "$work/anchors.pem" $authority 127.0.0.1:$((pb + 80)) >/dev/null & pids+=($!)
"$work/disco/StaticDiscovery" $((pb + 901)) "$work/anchors2.pem" $authority "127.0.0.1:$((pb + 80)):$((pb + 243)):spiffe://cluster.local/ns/default/sa/bench-b" >/dev/null & pids+=($!)
"$work/disco/StaticDiscovery" $((pb + 902)) "$work/anchors3.pem" $authority 127.0.0.1:$((pb + 83)) >/dev/null & pids+=($!)
for f in anchors anchors2 anchors3; do for _ in $(seq 200); do [ -s "$work/$f.pem" ] && break; sleep 0.05; done; done
for port in $((pb + 80)) $((pb + 81)) $((pb + 86)) $((pb + 701)) $((pb + 711)) $((pb + 87)) $((pb + 88)); do for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done; done
sleep 1

start_proxy() { # name workload inbound outbound admin control anchors [binary] → records pid and ready ms
  # The inbound forwards only to a port the workload declares: the app's HTTP/1.1 port is its app port.
  local t0; t0=$(date +%s%N)
  MESH_PROXY_WORKLOAD="$2" MESH_PROXY_INBOUND_ADDR="127.0.0.1:$3" MESH_PROXY_OUTBOUND_ADDR="127.0.0.1:$4" MESH_PROXY_ADMIN_ADDR="127.0.0.1:$5" \
  MESH_CONTROL_ADDR="http://127.0.0.1:$6" MESH_PROXY_TRUST_ANCHORS="$7" MESH_PROXY_TOKEN=bench \
  MESH_PROXY_APP_ADDR="127.0.0.1:$((pb + 80))" \
    env ${lever_env:-} "${8:-$proxy}" >"$work/$1.out" 2>"$work/$1.err" & local pid=$!
  pids+=($pid)
  for _ in $(seq 1000); do grep -q 'mesh-proxy: ready' "$work/$1.out" 2>/dev/null && break; sleep 0.01; done
  echo $(( ($(date +%s%N) - t0) / 1000000 )) >"$work/$1.ready"
  echo "$pid" >"$work/$1.pid"
}
start_proxy yarp bench-c $((pb + 343)) $((pb + 340)) $((pb + 391)) $((pb + 900)) "$work/anchors.pem"
start_proxy meshB bench-b $((pb + 243)) $((pb + 244)) $((pb + 292)) $((pb + 901)) "$work/anchors2.pem"
start_proxy meshA bench-a $((pb + 245)) $((pb + 240)) $((pb + 291)) $((pb + 901)) "$work/anchors2.pem"
start_proxy yarpjit bench-d $((pb + 443)) $((pb + 440)) $((pb + 491)) $((pb + 900)) "$work/anchors.pem" "$jit"
start_proxy yarph2 bench-f $((pb + 643)) $((pb + 640)) $((pb + 691)) $((pb + 902)) "$work/anchors3.pem"
# --- lever pairs (MESH_AB): a mesh pair per label with its own control plane, its variables set on both sidecars
ab_labels=(); ab_rows=()
for (( i = 0; i < ${#ab_specs[@]}; i++ )); do
  l="${ab_specs[$i]%%:*}"; o=$((pb + 1000 + 10 * i)); ab_labels+=("$l")
  "$work/disco/StaticDiscovery" $((o + 9)) "$work/anchors-$l.pem" $authority "127.0.0.1:$((pb + 80)):$((o + 3)):spiffe://cluster.local/ns/default/sa/bench-b" >/dev/null & pids+=($!)
  for _ in $(seq 200); do [ -s "$work/anchors-$l.pem" ] && break; sleep 0.05; done
  lever_env="${ab_specs[$i]#*:}"; lever_env="${lever_env//,/ }"
  # MESH_AB_BIN=path is not a variable: that pair runs another binary (a JIT build, a size-optimized AOT build).
  ab_bin="$proxy"; ab_vars=""
  for v in $lever_env; do case "$v" in MESH_AB_BIN=*) ab_bin="${v#MESH_AB_BIN=}" ;; *) ab_vars="$ab_vars $v" ;; esac; done
  lever_env="$ab_vars"
  start_proxy "meshB-$l" bench-b $((o + 3)) $((o + 4)) $((o + 5)) $((o + 9)) "$work/anchors-$l.pem" "$ab_bin"
  start_proxy "meshA-$l" bench-a $((o + 1)) $((o + 0)) $((o + 2)) $((o + 9)) "$work/anchors-$l.pem" "$ab_bin"
  lever_env=""
  ab_rows+=("mesh-$l|http://127.0.0.1:$o/|$(cat "$work/meshA-$l.pid") $(cat "$work/meshB-$l.pid")")
done
pid_of() { cat "$work/$1.pid"; }
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$1/status"; }
hwm() { awk '/VmHWM/ {print int($2/1024)}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
for n in yarp meshA meshB yarpjit yarph2 "${ab_labels[@]/#/meshA-}" "${ab_labels[@]/#/meshB-}"; do rss "$(pid_of $n)" >"$work/$n.idle"; done
# nginx pids: the masters (worker_processes 1 → the worker is a child; count both)
ngx_pids() { local m; m=$(cat "$work/$1/nginx.pid"); echo "$m $(pgrep -P "$m" | tr '\n' ' ')"; }

# --- every setup must answer 200 "ok" in both protocols before anything is measured
failed=0
check() { # label url protocol(h1|h2)
  local flag=() body; [ "$3" = h2 ] && flag=(--http2-prior-knowledge)
  body=$(curl -s -m 5 "${flag[@]}" -H "Host: $authority" -w ' %{http_code} %{http_version}' "$2" || true)
  if [ "${body%% *}" != ok ] || [ "$(echo "$body" | awk '{print $2}')" != 200 ]; then
    echo "bench: $1 ($3, $2) answered '$body', expected 'ok 200'" >&2; failed=1
  fi
}
check direct http://127.0.0.1:$((pb + 80))/ h1;     check direct http://127.0.0.1:$((pb + 83))/ h2
check yarp http://127.0.0.1:$((pb + 340))/ h1;       check yarp http://127.0.0.1:$((pb + 640))/ h2
check yarp-jit http://127.0.0.1:$((pb + 440))/ h1
check mesh http://127.0.0.1:$((pb + 240))/ h1;       check mesh http://127.0.0.1:$((pb + 240))/ h2
check nginx-pair http://127.0.0.1:$((pb + 81))/ h1; check nginx-pair http://127.0.0.1:$((pb + 85))/ h2
check hap-pair http://127.0.0.1:$((pb + 701))/ h1; check hap-pair http://127.0.0.1:$((pb + 702))/ h2
check caddy-pair http://127.0.0.1:$((pb + 711))/ h1; check caddy-pair http://127.0.0.1:$((pb + 711))/ h2
for (( i = 0; i < ${#ab_labels[@]}; i++ )); do
  check "mesh-${ab_labels[$i]}" "http://127.0.0.1:$((pb + 1000 + 10 * i))/" h1; check "mesh-${ab_labels[$i]}" "http://127.0.0.1:$((pb + 1000 + 10 * i))/" h2
done
check nginx-hop http://127.0.0.1:$((pb + 86))/ h1;  check tcp-relay http://127.0.0.1:$((pb + 87))/ h1; check tcp-relay-inline http://127.0.0.1:$((pb + 88))/ h1
[ "$failed" = 0 ] || { echo "bench: a setup does not answer; see the proxies' logs:" >&2; tail -n 3 "$work"/*.err "$work"/*/logs/error.log "$work"/hap*.log "$work"/caddy*.log >&2; exit 1; }

ms() { # wrk latency ("309.00us", "1.04ms", "1.20s") → ms with 2 decimals
  awk -v v="$1" 'BEGIN { u = v; sub(/^[0-9.]+/, "", u); n = v + 0; f = (u == "us") ? 0.001 : (u == "s") ? 1000 : 1; printf "%.2f", n * f }'
}
pct() { # log file → "p50 p99 max" in ms (nearest rank, completed requests only)
  awk -F'\t' '$2 != -1 {print $3}' "$1" | sort -n |
    awk '{ a[NR] = $1 } END { if (NR == 0) { print "- - -"; exit }
      i50 = int(NR * 0.50); if (i50 < NR * 0.50) i50++; i99 = int(NR * 0.99); if (i99 < NR * 0.99) i99++
      printf "%.2f %.2f %.2f\n", a[i50] / 1000, a[i99] / 1000, a[NR] / 1000 }'
}
cpu_snap() { local p; for p in "$@"; do printf '%s ' "$(cpu_ticks "$p")"; done; }
add_cpu() { # key "ticks before" "ticks after" → adds the per-process deltas to $work/key.cpu
  awk -v b="$2" -v a="$3" -v f="$work/$1.cpu" 'BEGIN { n = split(b, B, " "); split(a, A, " ")
    if ((getline line < f) > 0) split(line, C, " "); for (i = 1; i <= n; i++) printf "%d ", C[i] + A[i] - B[i]; print "" }' >"$work/$1.cpu.new"
  mv "$work/$1.cpu.new" "$work/$1.cpu"
}
row_tail() { # key reqs pids... → "cpu/1k (per busy process) | rss now"
  local key=$1 reqs=$2; shift 2
  if [ "$#" -eq 0 ]; then echo "- | -"; return; fi
  local rssl="" p
  for p in "$@"; do rssl="$rssl$(rss "$p")/"; done
  awk -v r="$reqs" -v hz="$(getconf CLK_TCK)" -v m="${rssl%/} MB" '{
    n = split($0, D, " "); t = 0; parts = ""
    for (i = 1; i <= n; i++) { t += D[i]; if (D[i] > 0 && r > 0) parts = parts (parts == "" ? "" : "+") sprintf("%.0f", D[i] * 1000 / hz / r * 1000) }
    printf "%.1f ms%s | %s", (r > 0 ? t * 1000 / hz / r * 1000 : 0), (index(parts, "+") ? " (" parts ")" : ""), m
    printf "%.1f\n", (r > 0 ? t * 1000 / hz / r * 1000 : 0) > (f ".cpu1k") }' f="$work/$key" "$work/$key.cpu"
}
verdict() { # label ok total → flags the run when under 99 % 2xx (a file: this runs in a command substitution)
  if [ "$3" -eq 0 ] || [ $(( $2 * 100 )) -lt $(( $3 * 99 )) ]; then
    echo "bench: $1: only $2 of $3 responses were 2xx — not a benchmark" >&2; touch "$work/failed"; echo " **$2/$3 2xx**"
  fi
}
secs() { awk -v v="$1" 'BEGIN { sub(/,$/, "", v); u = v; sub(/^[0-9.]+/, "", u); printf "%f", (v + 0) * (u == "ms" ? 0.001 : u == "us" ? 0.000001 : 1) }'; }

# Each table runs every setup twice for half the time, the second pass in reverse order (ABBA), and reports the two
# halves together: load from other tenants of a shared machine then lands on every setup alike, instead of on whichever
# happened to run during a build.
one_pass() { # mode(sat-h1|sat-h2|fix-h1|fix-h2) pass label url pids...
  local mode=$1 pass=$2 label=$3 url=$4; shift 4
  local key="$label.$mode" base="$work/$label.$mode.p$pass" b e args=(-H ":authority: $authority")
  case $mode in
    sat-h1) [ "$pass" = 1 ] && { timeout -s KILL 20 wrk -t2 -c"$conns" -d1s -H "Host: $authority" "$url" >/dev/null 2>&1 || true; } ;;   # warm-up
    sat-h2) args+=(-t2 -c"$h2c" -m"$h2m")
            [ "$pass" = 1 ] && { timeout -s KILL 20 h2load "${args[@]}" -D 1 "$url" >/dev/null 2>&1 || true; } ;;               # warm-up
    fix-h1) args+=(--h1 -t1 -c"$fixc" --rps "$perclient") ;;
    fix-h2) args+=(-t1 -c"$fixc" -m"$h2m" --rps "$perclient") ;;
  esac
  b=$(cpu_snap "$@")
  if [ "$mode" = sat-h1 ]; then
    timeout -s KILL $((half + 20)) wrk -t2 -c"$conns" -d"${half}s" --latency -H "Host: $authority" "$url" >"$base.wrk" 2>&1 || true
  else
    timeout -s KILL $((half + 20)) h2load "${args[@]}" -D "$half" --log-file="$base.log" "$url" >"$base.out" 2>&1 || true
  fi
  e=$(cpu_snap "$@")
  add_cpu "$key" "$b" "$e"
}

report() { # mode label pids... → one table row from both passes
  local mode=$1 label=$2; shift 2
  local key="$label.$mode" f reqs=0 ok=0 t=0 rps p50 p99 max w50=0 w99=0
  if [ "$mode" = sat-h1 ]; then
    for f in "$work/$key".p*.wrk; do
      local n bad; n=$(awk '/requests in/ {print $1}' "$f"); n=${n:-0}
      bad=$(awk '/Non-2xx or 3xx/ {print $NF}' "$f"); bad=${bad:-0}
      reqs=$((reqs + n)); ok=$((ok + n - bad))
      t=$(awk -v a="$t" -v b="$(secs "$(awk '/requests in/ {print $4}' "$f")")" 'BEGIN { print a + b }')
      # wrk keeps no per-request times: p50/p99 are the request-weighted means of the two halves
      w50=$(awk -v a="$w50" -v n="$n" -v v="$(ms "$(awk '$1=="50%" {print $2}' "$f")")" 'BEGIN { print a + n * v }')
      w99=$(awk -v a="$w99" -v n="$n" -v v="$(ms "$(awk '$1=="99%" {print $2}' "$f")")" 'BEGIN { print a + n * v }')
    done
    p50=$(awk -v a="$w50" -v n="$reqs" 'BEGIN { printf "%.2f", (n > 0 ? a / n : 0) }'); p99=$(awk -v a="$w99" -v n="$reqs" 'BEGIN { printf "%.2f", (n > 0 ? a / n : 0) }')
  else
    for f in "$work/$key".p*.out; do
      local n k; n=$(awk '/^requests:/ {print $6}' "$f"); k=$(awk '/^status codes:/ {print $3}' "$f")
      reqs=$((reqs + ${n:-0})); ok=$((ok + ${k:-0}))
      t=$(awk -v a="$t" -v b="$(secs "$(awk '/^finished in/ {print $3}' "$f")")" 'BEGIN { print a + b }')
    done
    read -r p50 p99 max < <(cat "$work/$key".p*.log | pct /dev/stdin)
  fi
  rps=$(awk -v n="$reqs" -v t="$t" 'BEGIN { printf "%d", (t > 0 ? n / t : 0) }')
  if [ "${mode#sat}" != "$mode" ]; then
    printf "| %-14s | %7s | %7s ms | %7s ms | %s |%s\n" "$label" "$rps" "$p50" "$p99" "$(row_tail "$key" "$reqs" "$@")" "$(verdict "$label $mode" "$ok" "$reqs")"
  else
    printf "| %-14s | %-8s | %7s | %7s ms | %7s ms | %7s ms | %s |%s\n" "$label" "${mode#fix-}" "$rps" "$p50" "$p99" "$max" "$(row_tail "$key" "$reqs" "$@")" "$(verdict "$label $mode" "$ok" "$reqs")"
  fi
  echo "$rps" >"$work/$key.rps"; echo "$p99" >"$work/$key.p99"
}

measure() { # mode "label|url|pids"... → $passes passes (every other one reversed), then the rows in the given order
  local mode=$1; shift
  local i l u p k rows=()   # $p (the pids) is split into words on purpose
  for (( i = 1; i <= $#; i++ )); do   # the MESH_AB pairs go right after mesh; ONLY keeps the named setups
    rows+=("${!i}"); [ "${!i%%|*}" = mesh ] && rows+=("${ab_rows[@]}")
  done
  if [ -n "${ONLY:-}" ]; then local kept=(); for l in "${rows[@]}"; do [[ " $ONLY " == *" ${l%%|*} "* ]] && kept+=("$l"); done; rows=("${kept[@]}"); fi
  for (( k = 1; k <= passes; k++ )); do
    if (( k % 2 )); then for (( i = 0; i < ${#rows[@]}; i++ )); do IFS='|' read -r l u p <<<"${rows[$i]}"; one_pass "$mode" $k "$l" "$u" $p; done
    else for (( i = ${#rows[@]} - 1; i >= 0; i-- )); do IFS='|' read -r l u p <<<"${rows[$i]}"; one_pass "$mode" $k "$l" "$u" $p; done; fi
  done
  for (( i = 0; i < ${#rows[@]}; i++ )); do IFS='|' read -r l u p <<<"${rows[$i]}"; report "$mode" "$l" $p; done
}

A=$(pid_of meshA); B=$(pid_of meshB); NGX="$(ngx_pids ngx1) $(ngx_pids ngx2)"
HAP="$(cat "$work/hap1.pid") $(cat "$work/hap2.pid")"; CADDY="$(cat "$work/caddy1.pid") $(cat "$work/caddy2.pid")"
# the hop-2 leg of each pair must be HTTP/2 over mutual TLS: a handshake without a client certificate must fail
for port in $((pb + 703)) $((pb + 713)); do
  if curl -s -k -m 5 -o /dev/null "https://127.0.0.1:$port/"; then echo "bench: :$port answered without a client certificate" >&2; exit 1; fi
done
echo
echo "### Saturation, HTTP/1.1: wrk -t2 -c$conns, ${passes} × ${half} s per setup (ABBA order, 1 s warm-up), loopback, $(nproc) cores"
echo
echo "| setup          |     RPS |        p50 |        p99 | CPU / 1k req | proxy RSS (end of run) |"
echo "|----------------|--------:|-----------:|-----------:|-------------:|------------------------|"
measure sat-h1 "direct|http://127.0.0.1:$((pb + 80))/|" "yarp|http://127.0.0.1:$((pb + 340))/|$(pid_of yarp)" "yarp-jit|http://127.0.0.1:$((pb + 440))/|$(pid_of yarpjit)" \
  "mesh|http://127.0.0.1:$((pb + 240))/|$A $B" "nginx-pair|http://127.0.0.1:$((pb + 81))/|$NGX" \
  "hap-pair|http://127.0.0.1:$((pb + 701))/|$HAP" "caddy-pair|http://127.0.0.1:$((pb + 711))/|$CADDY" \
  "nginx-hop|http://127.0.0.1:$((pb + 86))/|$(ngx_pids ngxhop)" "tcp-relay|http://127.0.0.1:$((pb + 87))/|$relay_pid" "tcp-relay-inline|http://127.0.0.1:$((pb + 88))/|$relay_inline_pid"
ka=$(ss -Htn state established "( dport = :$((pb + 82)) )" | wc -l); tw=$(ss -Htn state time-wait "( dport = :$((pb + 82)) )" | wc -l)

echo
echo "### Saturation, HTTP/2: h2load -t2 -c$h2c -m$h2m (h2c prior knowledge), ${passes} × ${half} s per setup (ABBA order, 1 s warm-up)"
echo
echo "| setup          |     RPS |        p50 |        p99 | CPU / 1k req | proxy RSS (end of run) |"
echo "|----------------|--------:|-----------:|-----------:|-------------:|------------------------|"
measure sat-h2 "direct|http://127.0.0.1:$((pb + 83))/|" "yarp|http://127.0.0.1:$((pb + 640))/|$(pid_of yarph2)" "mesh|http://127.0.0.1:$((pb + 240))/|$A $B" \
  "nginx-pair|http://127.0.0.1:$((pb + 85))/|$NGX" "hap-pair|http://127.0.0.1:$((pb + 702))/|$HAP" "caddy-pair|http://127.0.0.1:$((pb + 711))/|$CADDY"

echo
echo "### Fixed rate: h2load [--h1] -t1 -c$fixc --rps $perclient (= $((perclient * fixc)) req/s total; h2: -m$h2m), ${passes} × ${half} s per setup (ABBA order)"
echo
echo "| setup          | protocol |   req/s |        p50 |        p99 |        max | CPU / 1k req | proxy RSS (end of run) |"
echo "|----------------|----------|--------:|-----------:|-----------:|-----------:|-------------:|------------------------|"
measure fix-h1 "direct|http://127.0.0.1:$((pb + 80))/|" "yarp|http://127.0.0.1:$((pb + 340))/|$(pid_of yarp)" "mesh|http://127.0.0.1:$((pb + 240))/|$A $B" \
  "nginx-pair|http://127.0.0.1:$((pb + 81))/|$NGX" "hap-pair|http://127.0.0.1:$((pb + 701))/|$HAP" "caddy-pair|http://127.0.0.1:$((pb + 711))/|$CADDY"
measure fix-h2 "direct|http://127.0.0.1:$((pb + 83))/|" "yarp|http://127.0.0.1:$((pb + 640))/|$(pid_of yarph2)" "mesh|http://127.0.0.1:$((pb + 240))/|$A $B" \
  "nginx-pair|http://127.0.0.1:$((pb + 85))/|$NGX" "hap-pair|http://127.0.0.1:$((pb + 702))/|$HAP" "caddy-pair|http://127.0.0.1:$((pb + 711))/|$CADDY"

val() { cat "$work/$1" 2>/dev/null || echo 0; }
ratio() { awk -v a="$(val "$1")" -v b="$(val "$2")" 'BEGIN { printf (b > 0 ? "%.2f" : "-"), (b > 0 ? a / b : 0) }'; }
lever_summary() { # every MESH_AB pair against mesh, per table: RPS, CPU per request, p99 (ratios < 1 on CPU and p99 are wins)
  local l m
  for l in "${ab_labels[@]}"; do
    echo "- mesh-$l / mesh: idle RSS client/server $(val "meshA-$l.idle")/$(val "meshB-$l.idle") vs $(val meshA.idle)/$(val meshB.idle) MB"
    for m in sat-h1 sat-h2 fix-h1 fix-h2; do
      echo "  - $m: RPS $(ratio "mesh-$l.$m.rps" "mesh.$m.rps"), CPU/req $(ratio "mesh-$l.$m.cpu1k" "mesh.$m.cpu1k") ($(val "mesh-$l.$m.cpu1k") vs $(val "mesh.$m.cpu1k") ms/1k), p99 $(ratio "mesh-$l.$m.p99" "mesh.$m.p99") ($(val "mesh-$l.$m.p99") vs $(val "mesh.$m.p99") ms)"
    done
  done
}
if [ -n "${ONLY:-}" ]; then
  echo; lever_summary
  if [ -e "$work/failed" ]; then echo "bench: FAILED: some runs were not mostly 2xx (see above)" >&2; exit 1; fi
  exit 0
fi
echo
echo "- mesh / nginx-pair RPS at saturation: HTTP/1.1 $(ratio mesh.sat-h1.rps nginx-pair.sat-h1.rps), HTTP/2 $(ratio mesh.sat-h2.rps nginx-pair.sat-h2.rps)"
echo "- p99 at $((perclient * fixc)) req/s, mesh vs nginx-pair: HTTP/1.1 $(cat "$work/mesh.fix-h1.p99") vs $(cat "$work/nginx-pair.fix-h1.p99") ms ($(ratio mesh.fix-h1.p99 nginx-pair.fix-h1.p99)×), HTTP/2 $(cat "$work/mesh.fix-h2.p99") vs $(cat "$work/nginx-pair.fix-h2.p99") ms ($(ratio mesh.fix-h2.p99 nginx-pair.fix-h2.p99)×)"
echo "- mesh / nginx-pair proxy CPU per request (robust to the machine's load, unlike RPS): saturation HTTP/1.1 $(ratio mesh.sat-h1.cpu1k nginx-pair.sat-h1.cpu1k), HTTP/2 $(ratio mesh.sat-h2.cpu1k nginx-pair.sat-h2.cpu1k); fixed rate HTTP/1.1 $(ratio mesh.fix-h1.cpu1k nginx-pair.fix-h1.cpu1k), HTTP/2 $(ratio mesh.fix-h2.cpu1k nginx-pair.fix-h2.cpu1k)"
echo "- mesh / hap-pair: RPS HTTP/1.1 $(ratio mesh.sat-h1.rps hap-pair.sat-h1.rps), HTTP/2 $(ratio mesh.sat-h2.rps hap-pair.sat-h2.rps); p99 at $((perclient * fixc)) req/s HTTP/1.1 $(ratio mesh.fix-h1.p99 hap-pair.fix-h1.p99)×, HTTP/2 $(ratio mesh.fix-h2.p99 hap-pair.fix-h2.p99)×; CPU per request saturation HTTP/1.1 $(ratio mesh.sat-h1.cpu1k hap-pair.sat-h1.cpu1k), HTTP/2 $(ratio mesh.sat-h2.cpu1k hap-pair.sat-h2.cpu1k)"
echo "- mesh / caddy-pair: RPS HTTP/1.1 $(ratio mesh.sat-h1.rps caddy-pair.sat-h1.rps), HTTP/2 $(ratio mesh.sat-h2.rps caddy-pair.sat-h2.rps); CPU per request saturation HTTP/1.1 $(ratio mesh.sat-h1.cpu1k caddy-pair.sat-h1.cpu1k), HTTP/2 $(ratio mesh.sat-h2.cpu1k caddy-pair.sat-h2.cpu1k)"
echo "- RSS of the baseline hops (MB, end of run): haproxy $(rss "$(cat "$work/hap1.pid")")/$(rss "$(cat "$work/hap2.pid")"), caddy $(rss "$(cat "$work/caddy1.pid")")/$(rss "$(cat "$work/caddy2.pid")")"
echo "- floor of one hop, CPU per request vs one nginx HTTP hop (HTTP/1.1 saturation): tcp-relay $(ratio tcp-relay.sat-h1.cpu1k nginx-hop.sat-h1.cpu1k), tcp-relay-inline $(ratio tcp-relay-inline.sat-h1.cpu1k nginx-hop.sat-h1.cpu1k), one mesh proxy (half the pair) $(awk -v a="$(cat "$work/mesh.sat-h1.cpu1k")" -v b="$(cat "$work/nginx-hop.sat-h1.cpu1k")" 'BEGIN { printf (b > 0 ? "%.2f" : "-"), (b > 0 ? a / 2 / b : 0) }')"
echo "- yarp-jit / yarp RPS (HTTP/1.1): $(ratio yarp-jit.sat-h1.rps yarp.sat-h1.rps)"
echo "- idle RSS (MB, before any load): yarp $(cat "$work/yarp.idle"), yarp h2 $(cat "$work/yarph2.idle"), mesh client $(cat "$work/meshA.idle"), mesh server $(cat "$work/meshB.idle"), yarp-jit $(cat "$work/yarpjit.idle")"
echo "- peak RSS (MB, VmHWM over the whole run): yarp $(hwm "$(pid_of yarp)"), yarp h2 $(hwm "$(pid_of yarph2)"), mesh client $(hwm "$A"), mesh server $(hwm "$B"), yarp-jit $(hwm "$(pid_of yarpjit)")"
echo "- start → ready (ms, incl. Certify, while the others start): yarp $(cat "$work/yarp.ready"), mesh server $(cat "$work/meshB.ready"), mesh client $(cat "$work/meshA.ready")"
echo "- nginx ngx1 → ngx2 TLS connections after the HTTP/1.1 run: $ka established, $tw in TIME-WAIT (keepalive upstream check; TIME-WAIT includes runs of the last 60 s)"
echo "- proxy binary: $proxy (JIT: $jit)"
lever_summary

# --- cold starts of a lone proxy (the yarp setup), AOT and JIT alternating so load drifts hit both alike:
# start → "mesh-proxy: ready" (incl. Certify) and RSS 1 s after ready, with nothing else running through it.
for n in yarp meshA meshB yarpjit yarph2; do kill "$(pid_of $n)" 2>/dev/null || true; done
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for i in 1 2 3 4 5; do
  for f in aot jit; do
    bin="$proxy"; [ "$f" = jit ] && bin="$jit"
    start_proxy "cold-$f-$i" bench-e $((pb + 543)) $((pb + 540)) $((pb + 591)) $((pb + 900)) "$work/anchors.pem" "$bin"
    sleep 1
    rss "$(pid_of "cold-$f-$i")" >"$work/cold-$f-$i.idle"
    kill "$(pid_of "cold-$f-$i")"; wait "$(pid_of "cold-$f-$i")" 2>/dev/null || true
  done
done
echo
echo "| lone proxy, cold start (5 each) | start → ready, incl. Certify (median [min–max]) | idle RSS, MB (median [min–max]) |"
echo "|---------------------------------|------------------------------------------------:|--------------------------------:|"
for f in aot jit; do
  r=$(cat "$work"/cold-$f-*.ready | median); rmin=$(cat "$work"/cold-$f-*.ready | sort -n | head -1); rmax=$(cat "$work"/cold-$f-*.ready | sort -n | tail -1)
  m=$(cat "$work"/cold-$f-*.idle | median); mmin=$(cat "$work"/cold-$f-*.idle | sort -n | head -1); mmax=$(cat "$work"/cold-$f-*.idle | sort -n | tail -1)
  printf "| %-31s | %47s | %31s |\n" "$([ $f = aot ] && echo "Native AOT" || echo JIT)" "$r ms [$rmin–$rmax]" "$m [$mmin–$mmax]"
done
if [ -e "$work/failed" ]; then echo "bench: FAILED: some runs were not mostly 2xx (see above)" >&2; exit 1; fi
