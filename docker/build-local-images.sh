#!/usr/bin/env bash
# The images the Dockerfile and the container tests start from, made locally where the public ones cannot be pulled
# (a machine without access to Docker Hub). An image that exists already is kept, so a second run takes a second.
#
#   segment-refiner/debian:bookworm   Debian bookworm (minbase), made by debootstrap from the machine's Debian mirror,
#                                     the way Debian's official images are made
#   segment-refiner/jre:17            that, with OpenJDK 17's headless JRE and curl: the RUNTIME_IMAGE of the Dockerfile
#
# Usage: docker/build-local-images.sh            prints the runtime image to use on its last line
# Settings (environment): DEBIAN_MIRROR (default: the first URIs of /etc/apt/sources.list.d/debian.sources),
# PUBLIC_RUNTIME_IMAGE (default eclipse-temurin:17-jre: used, and nothing built, when it can be pulled).
set -euo pipefail

PUBLIC_RUNTIME_IMAGE=${PUBLIC_RUNTIME_IMAGE:-eclipse-temurin:17-jre}
BASE_IMAGE=segment-refiner/debian:bookworm
JRE_IMAGE=segment-refiner/jre:17

have() { docker image inspect "$1" > /dev/null 2>&1; }

if have "$PUBLIC_RUNTIME_IMAGE" || timeout 60 docker pull -q "$PUBLIC_RUNTIME_IMAGE" > /dev/null 2>&1; then
  echo "$PUBLIC_RUNTIME_IMAGE"
  exit 0
fi
echo "build-local-images: $PUBLIC_RUNTIME_IMAGE cannot be pulled; using local images" >&2

if ! have "$BASE_IMAGE"; then
  command -v debootstrap > /dev/null || { echo "build-local-images: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
  mirror=${DEBIAN_MIRROR:-$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2> /dev/null || true)}
  mirror=${mirror:-http://deb.debian.org/debian}
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  echo "build-local-images: debootstrap bookworm from $mirror" >&2
  debootstrap --variant=minbase bookworm "$root" "$mirror" > "$root.log" 2>&1 || { tail -20 "$root.log" >&2; exit 1; }
  rm -f "$root.log"
  tar -C "$root" -c . | docker import --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" > /dev/null
fi

if ! have "$JRE_IMAGE"; then
  echo "build-local-images: $JRE_IMAGE on $BASE_IMAGE" >&2
  DOCKER_BUILDKIT=0 docker build -q -t "$JRE_IMAGE" --build-arg BASE="$BASE_IMAGE" - > /dev/null <<'DOCKERFILE'
ARG BASE
FROM ${BASE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless curl ca-certificates \
    && rm -rf /var/lib/apt/lists/*
DOCKERFILE
fi
echo "$JRE_IMAGE"
