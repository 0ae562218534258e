# The proxy image: mesh-proxy as `./mesh` builds it into .mesh-build/proxy/ (Native AOT when the build machine has
# clang and zlib1g-dev, else JIT; the base image runs either). The injector runs it twice per pod: `mesh-proxy init`
# (iptables redirect, as root with NET_ADMIN, in the init container) and the proxy itself as the sidecar (non-root).
# Build from the repository root after the project's own build step:
#   deploy/publish.sh   # then the docker build command it prints, e.g. docker build -f deploy/docker/proxy.Dockerfile -t mesh/proxy:0.1.0 .
FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update && apt-get install -y --no-install-recommends iptables && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 2102 mesh-proxy && useradd --uid 2102 --gid 2102 --no-create-home --shell /usr/sbin/nologin mesh-proxy
COPY --chown=0:0 .mesh-build/proxy/ /opt/mesh-proxy/
USER 2102:2102
EXPOSE 4140 4143 4191
ENTRYPOINT ["/opt/mesh-proxy/mesh-proxy"]
