# The silo image: mesh-silo as `./mesh` builds it into .mesh-build/cli/ (framework-dependent, with the ASP.NET Core
# runtime from the base image). Build from the repository root after the project's own build step:
#   deploy/publish.sh   # then the docker build command it prints, e.g. docker build -f deploy/docker/silo.Dockerfile -t mesh/silo:0.1.0 .
# Tests/Mesh.Kubernetes.Tests/Deploy/DockerfileTests checks that every COPY source exists after that step.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
# Non-root, as the StatefulSet's securityContext runs it (uid/gid 2102); the root filesystem is mounted read-only.
RUN groupadd --gid 2102 mesh && useradd --uid 2102 --gid 2102 --no-create-home --shell /usr/sbin/nologin mesh
COPY --chown=0:0 .mesh-build/cli/ /opt/mesh/
USER 2102:2102
ENV MESH_DATA_DIR=/var/lib/mesh
EXPOSE 8085 8086 8443 11111 30000
ENTRYPOINT ["/opt/mesh/mesh-silo"]
