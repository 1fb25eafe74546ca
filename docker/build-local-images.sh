#!/usr/bin/env bash
# The images the Dockerfiles and the container tests start from, made locally where the public ones cannot be
# pulled (a machine without access to Docker Hub). An image that exists already is kept, so a second run takes a
# second.
#
#   segment-refiner/debian:bookworm   Debian bookworm (minbase), made by debootstrap from the machine's Debian mirror,
#                                     the way Debian's official images are made
#   segment-refiner/jre:17            that, with OpenJDK 17's headless JRE and curl: the RUNTIME_IMAGE of the
#                                     Dockerfile and of docker/kafka, in place of eclipse-temurin:17-jre
#   segment-refiner/debian:trixie     Debian trixie (minbase), the same way
#   segment-refiner/jre:21            that, with OpenJDK 21's: the RUNTIME_IMAGE of docker/apicurio (Apicurio Registry
#                                     needs Java 21), in place of eclipse-temurin:21-jre
#
# Usage: docker/build-local-images.sh                     both, printed as the variables the container tests read:
#          SEGMENT_REFINER_RUNTIME_IMAGE=...
#          SEGMENT_REFINER_REGISTRY_RUNTIME_IMAGE=...
#        docker/build-local-images.sh --runtime           the Java 17 one only, its name alone
#        docker/build-local-images.sh --registry-runtime  the Java 21 one only, its name alone
# Settings (environment): DEBIAN_MIRROR (default: the first URIs of /etc/apt/sources.list.d/debian.sources).
set -euo pipefail

have() { docker image inspect "$1" > /dev/null 2>&1; }
pullable() { have "$1" || timeout 60 docker pull -q "$1" > /dev/null 2>&1; }

debian() { # debian SUITE: segment-refiner/debian:SUITE
  local image=segment-refiner/debian:$1 root mirror
  if ! have "$image"; then
    command -v debootstrap > /dev/null || { echo "build-local-images: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
    mirror=${DEBIAN_MIRROR:-$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2> /dev/null || true)}
    mirror=${mirror:-http://deb.debian.org/debian}
    root=$(mktemp -d)
    echo "build-local-images: debootstrap $1 from $mirror" >&2
    debootstrap --variant=minbase "$1" "$root" "$mirror" > "$root.log" 2>&1 || { tail -20 "$root.log" >&2; rm -rf "$root"; exit 1; }
    tar -C "$root" -c . | docker import --change 'CMD ["/bin/bash"]' - "$image" > /dev/null
    rm -rf "$root" "$root.log"
  fi
  echo "$image"
}

jre() { # jre VERSION SUITE: segment-refiner/jre:VERSION on segment-refiner/debian:SUITE
  local image=segment-refiner/jre:$1 base
  if ! have "$image"; then
    base=$(debian "$2")
    echo "build-local-images: $image on $base" >&2
    # The legacy builder (docker.io has no BuildKit) warns on every build: its output is shown only when it fails.
    DOCKER_BUILDKIT=0 docker build -q -t "$image" --build-arg BASE="$base" --build-arg JRE="openjdk-$1-jre-headless" - \
      > /tmp/build-local-images.log 2>&1 <<'DOCKERFILE' || { cat /tmp/build-local-images.log >&2; exit 1; }
ARG BASE
FROM ${BASE}
ARG JRE
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$JRE" curl ca-certificates \
    && rm -rf /var/lib/apt/lists/*
DOCKERFILE
  fi
  echo "$image"
}

runtime() { # runtime PUBLIC VERSION SUITE: the public image when it can be had, else the local one
  if pullable "$1"; then
    echo "$1"
  else
    echo "build-local-images: $1 cannot be pulled; using a local image" >&2
    jre "$2" "$3"
  fi
}

case "${1:-}" in
  --runtime) runtime eclipse-temurin:17-jre 17 bookworm ;;
  --registry-runtime) runtime eclipse-temurin:21-jre 21 trixie ;;
  "")
    echo "SEGMENT_REFINER_RUNTIME_IMAGE=$(runtime eclipse-temurin:17-jre 17 bookworm)"
    echo "SEGMENT_REFINER_REGISTRY_RUNTIME_IMAGE=$(runtime eclipse-temurin:21-jre 21 trixie)"
    ;;
  *) echo "usage: $0 [--runtime | --registry-runtime]" >&2; exit 2 ;;
esac
