#!/usr/bin/env bash
# Installs the system packages the tests, the demo and the benchmarks need. Idempotent: installs only what is missing.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have redis-server || need+=(redis-server)
have nginx || need+=(nginx-light)
have iptables || need+=(iptables)
have ip || need+=(iproute2)
have tcpdump || need+=(tcpdump)
have wrk || need+=(wrk)
have h2load || need+=(nghttp2-client)
# bench/proxy/run.sh's HAProxy and Caddy pairs (baselines beside the nginx pair)
have haproxy || need+=(haproxy)
have caddy || need+=(caddy)
have chromium || need+=(chromium)
have clang || need+=(clang)
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
have flock || need+=(util-linux)
# The Kubernetes tests drive the fake API server with Debian's Python client (for the system python3, not a pyenv one).
/usr/bin/python3 -c 'import kubernetes' >/dev/null 2>&1 || need+=(python3-kubernetes)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing ${need[*]}; run as root (or install them) to get them" >&2
    exit 0
  fi
  echo "setup: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# kubectl 1.32 drives the fake API server in Tests/Mesh.Kubernetes.Tests. Debian does not package it (this machine image
# ships it as package 'kubectl'); without it those tests fail and say so.
have kubectl || echo "setup: kubectl not found: Tests/Mesh.Kubernetes.Tests (KubectlTests) need kubectl 1.32 on PATH" >&2
# Debian starts these on install; the tests start their own instances on free ports.
for svc in redis-server nginx haproxy caddy; do
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now "$svc" >/dev/null 2>&1 || true; fi
  service "$svc" stop >/dev/null 2>&1 || true
done
