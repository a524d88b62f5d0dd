#!/usr/bin/env bash
# Build the runtime image on this machine with podman: no registry, no network during the build.
#
#   tools/container/build_local.sh [TAG]        (default localhost/chat-lex:dev; prints the tag on its last line)
#
# 1. A Debian bookworm base (python3 3.11 and venv) made by debootstrap and imported into podman, cached as
#    $CHAT_LEX_BASE_IMAGE: about 25 s the first time, nothing after.
# 2. A wheelhouse: the wheels of requirements/runtime.lock plus the build's setuptools (pinned in test.lock),
#    downloaded on the host and hash-checked, cached under var/container/ by the locks' content.
# 3. `podman build --network none` of the Dockerfile with BASE=that base and the wheelhouse mounted read-only.
#
# Podman runs through tools/container/containers.conf with runc (this VM's cgroups and ulimits need both); run
# the image the same way: CONTAINERS_CONF=tools/container/containers.conf podman --runtime runc run ...
set -euo pipefail
shopt -s inherit_errexit # a failure inside $(...) stops the script too

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TAG="${1:-localhost/chat-lex:dev}"
BASE_IMAGE="${CHAT_LEX_BASE_IMAGE:-localhost/chat-lex-base:bookworm-py311}"
CACHE="${CHAT_LEX_CONTAINER_CACHE:-$ROOT/var/container}"
BASE_LOCK="/var/tmp/chat-lex-base-image.lock" # podman's image store is machine-wide: one debootstrap at a time
export CONTAINERS_CONF="${CONTAINERS_CONF:-$ROOT/tools/container/containers.conf}"
PODMAN=(podman --runtime runc)

log() { printf 'build_local [%3ds]: %s\n' "$SECONDS" "$*" >&2; }
die() {
    log "$*"
    exit 1
}

need() {
    local missing=()
    for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
    if ((${#missing[@]})); then
        die "missing ${missing[*]}: run 'make container' (apt-get install -y podman runc debootstrap)"
    fi
}

# The Debian mirror apt already uses (deb822 .sources or one-line .list), so debootstrap needs no other network.
debian_mirror() {
    if [[ -n "${CHAT_LEX_DEBIAN_MIRROR:-}" ]]; then
        echo "$CHAT_LEX_DEBIAN_MIRROR"
        return
    fi
    local uri
    uri="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk '{ sub(/\[[^]]*\] */, "") }
             $1 == "deb" && $3 == "bookworm" { print $2; exit }
             $1 == "URIs:" && $2 ~ /\/debian\/?$/ { print $2; exit }' || true)"
    echo "${uri:-http://deb.debian.org/debian}"
}

ensure_base() {
    (
        flock 9
        if "${PODMAN[@]}" image exists "$BASE_IMAGE"; then
            log "base image $BASE_IMAGE: cached"
            exit 0
        fi
        need debootstrap
        ((EUID == 0)) || die "debootstrap needs root to make $BASE_IMAGE"
        local rootfs mirror
        rootfs="$(mktemp -d /var/tmp/chat-lex-rootfs.XXXXXX)"
        trap 'rm -rf "$rootfs"' EXIT
        mirror="$(debian_mirror)"
        log "base image $BASE_IMAGE: debootstrap bookworm from $mirror"
        debootstrap --variant=minbase --include=python3,python3-venv bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 ||
            die "debootstrap failed; its log: $rootfs.log"
        rm -f "$rootfs.log"
        # Like the Docker Hub images: no package lists or downloaded .debs in the layer.
        rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
        tar --numeric-owner -C "$rootfs" -c . | "${PODMAN[@]}" import --change 'CMD ["python3"]' - "$BASE_IMAGE" >/dev/null
        log "base image $BASE_IMAGE: made"
    ) 9>"$BASE_LOCK"
}

# The setuptools lines (pin and hashes) of test.lock: the same extraction as the Dockerfile's.
build_lock() {
    awk '/^setuptools==/ { keep = 1 } keep { print } keep && !/\\$/ { exit }' "$ROOT/requirements/test.lock"
}

# Prints the wheelhouse folder for the current locks, downloading it when it is not cached yet.
ensure_wheelhouse() {
    mkdir -p "$CACHE"
    build_lock >"$CACHE/build.lock"
    grep -q '^setuptools==' "$CACHE/build.lock" || die "requirements/test.lock pins no setuptools"
    local key dir python platforms=()
    key="$(cat "$ROOT/requirements/runtime.lock" "$CACHE/build.lock" | sha256sum | cut -c1-16)"
    dir="$CACHE/wheelhouse-$key"
    if [[ -d "$dir" ]]; then
        log "wheelhouse $dir: cached"
    else
        python="$ROOT/.venv/bin/python"
        [[ -x "$python" ]] || python="python3.11"
        log "wheelhouse $dir: downloading the locked wheels"
        rm -rf "$dir.tmp" "$CACHE"/wheelhouse-*
        # The image's platform, whatever the host's: CPython 3.11 on glibc 2.36 (bookworm). pip does not widen a
        # PEP 600 platform to older glibc versions by itself, so every one the image accepts is named.
        for minor in $(seq 36 -1 17); do platforms+=(--platform "manylinux_2_${minor}_$(uname -m)"); done
        platforms+=(--platform "manylinux2014_$(uname -m)")
        "$python" -m pip download --quiet --require-hashes --no-deps --only-binary=:all: \
            --implementation cp --python-version 3.11 --abi cp311 "${platforms[@]}" \
            -r "$ROOT/requirements/runtime.lock" -r "$CACHE/build.lock" -d "$dir.tmp" >&2
        mv "$dir.tmp" "$dir"
        log "wheelhouse: $(find "$dir" -name '*.whl' | wc -l) wheels"
    fi
    echo "$dir"
}

main() {
    need podman runc
    [[ -f "$ROOT/Dockerfile" ]] || die "no Dockerfile in $ROOT"
    ensure_base
    local wheelhouse previous current
    wheelhouse="$(ensure_wheelhouse)"
    previous="$("${PODMAN[@]}" image inspect --format '{{.Id}}' "$TAG" 2>/dev/null || true)"
    log "building $TAG"
    # docker format: an OCI image would drop the HEALTHCHECK.
    "${PODMAN[@]}" build --format docker --network none --pull=never \
        --build-arg BASE="$BASE_IMAGE" --build-arg WHEELHOUSE=/wheelhouse \
        --volume "$wheelhouse:/wheelhouse:ro" \
        --tag "$TAG" --file "$ROOT/Dockerfile" "$ROOT" >&2
    current="$("${PODMAN[@]}" image inspect --format '{{.Id}}' "$TAG")"
    # The image the tag named before keeps a copy of the venv (~200 MB); drop it unless a container still uses it.
    if [[ -n "$previous" && "$previous" != "$current" ]]; then
        "${PODMAN[@]}" rmi "$previous" >/dev/null 2>&1 || log "kept the previous $TAG image ${previous:0:12}: still in use"
    fi
    log "built $TAG"
    echo "$TAG"
}

main "$@"
