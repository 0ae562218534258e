#!/usr/bin/env bash
# The publish step the images are built from: `./mesh`'s own build into .mesh-build/ (the CLI with mesh-silo in
# .mesh-build/cli/, the proxy in .mesh-build/proxy/), then prints the docker commands. No image is built or pushed here.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MESH_BUILD_DIR="$root/.mesh-build" "$root/mesh" version --client >/dev/null
version="$("$root/.mesh-build/cli/mesh" version --client | sed "s/^Client version: //")"
echo "built $root/.mesh-build/cli and $root/.mesh-build/proxy; images:"
echo "  docker build -f deploy/docker/silo.Dockerfile -t mesh/silo:$version $root"
echo "  docker build -f deploy/docker/proxy.Dockerfile -t mesh/proxy:$version $root"
