#!/usr/bin/env bash
# Builds (or reuses) the container images of the real test node, as OCI image archives that
# `ctr -n k8s.io image import` takes, from Debian packages, PyPI wheels and Go source only (no image
# registry is needed). Each image is cached as $MLK_IMAGE_CACHE/NAME.tar with NAME.ref (its reference)
# and NAME.key (the hash of its inputs: lib/, its folder, the architecture); a run whose inputs did not
# change is a no-op. The logs of the last build of NAME are in $MLK_IMAGE_CACHE/logs/NAME/.
#
#   bash test/images/build.sh [--force] [NAME...]      NAME: pause, python-ml (default: both)
#
# Prints one line per image on stdout, "NAME REFERENCE ARCHIVE built|cached"; progress goes to stderr.
# Needs root (debootstrap, chroot, mounts in private namespaces) on Debian; installs debootstrap,
# zstd, python3 and Go (golang-go) with apt-get when they are missing.
set -euo pipefail
IMAGES="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$IMAGES/lib/common.sh"

CACHE="${MLK_IMAGE_CACHE:-$HOME/.cache/mlk-cluster/images}"
FORMAT=1          # bump when how images are assembled changes in a way their inputs do not show
COMPRESSION=zstd  # of the layer: containerd 1.6 imports zstd; 3x smaller than none, 3x faster than gzip
ALL=(pause python-ml)

force=""
names=()
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    pause | python-ml) names+=("$arg") ;;
    *) die "unknown image or option: $arg (images: ${ALL[*]})" ;;
  esac
done
[ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")

mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd)"
ARCH="$(dpkg --print-architecture 2>/dev/null || echo amd64)"

# One build at a time per cache; a run killed earlier may have left its work folders behind.
exec 9>"$CACHE/.lock"
flock 9
rm -rf --one-file-system "$CACHE"/.work-* "$CACHE"/.oci-* "$CACHE"/*.tar.tmp

# The hash of everything an image is made from: the shared lib/, the image's folder (less lock.sh and
# requirements.in, whose result is requirements.txt, and docs), the architecture and this file's knobs.
image_key() {
  {
    echo "format=$FORMAT arch=$ARCH compression=$COMPRESSION image=$1"
    cd "$IMAGES" && find lib "$1" -type f ! -name lock.sh ! -name requirements.in ! -name '*.md' -print0 |
      LC_ALL=C sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-64
}

image_ref() { # name key
  case "$1" in
    pause) echo registry.k8s.io/pause:3.6 ;; # containerd 1.6's default sandbox image
    *) echo "docker.io/mlk-test/$1:${2:0:12}" ;;
  esac
}

image_deps() {
  case "$1" in
    pause) command -v go >/dev/null || ensure_packages golang-go ;;
    python-ml) ensure_packages debootstrap ;;
  esac
  command -v zstd >/dev/null || ensure_packages zstd
  command -v python3 >/dev/null || ensure_packages python3
}

WORK=""
cleanup() {
  [ -n "$WORK" ] && [ -d "$WORK" ] || return 0
  # Every mount the recipes make lives in a private namespace; this is only a safety net.
  awk -v w="$WORK/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

human() { numfmt --to=iec --suffix=B "$1"; }

build_image() {
  local name="$1" key ref out start
  key="$(image_key "$name")"
  ref="$(image_ref "$name" "$key")"
  out="$CACHE/$name.tar"
  if [ -z "$force" ] && [ -f "$out" ] && [ "$(cat "$CACHE/$name.key" 2>/dev/null)" = "$key" ] &&
    [ "$(cat "$CACHE/$name.ref" 2>/dev/null)" = "$ref" ]; then
    echo "$name $ref $out cached"
    return
  fi
  start=$SECONDS
  log "building $name ($ref)"
  image_deps "$name"
  rm -f "$CACHE/$name.key"
  WORK="$(mktemp -d "$CACHE/.work-$name.XXXXXX")"
  local logs="$CACHE/logs/$name"
  rm -rf "$logs" && mkdir -p "$logs"
  # The recipe's inputs: IMAGES (this folder), WORK (its scratch folder), ROOTFS (to create), CONFIG (the
  # image's run settings to write, JSON), DOWNLOADS (a cache of downloads it may keep), LOGS (where its
  # step logs go; kept after the build), ARCH (Debian's).
  (
    export IMAGES WORK ARCH ROOTFS="$WORK/rootfs" CONFIG="$WORK/config.json" DOWNLOADS="$CACHE/.downloads" LOGS="$logs"
    bash "$IMAGES/$name/recipe.sh"
  )
  local unpacked
  unpacked="$(du -sb "$WORK/rootfs" | cut -f1)"
  log "$name: packing the OCI archive ($COMPRESSION)"
  python3 "$IMAGES/lib/oci.py" --rootfs "$WORK/rootfs" --config "$WORK/config.json" --ref "$ref" \
    --out "$out" --compression "$COMPRESSION" >"$WORK/oci.json"
  echo "$ref" >"$CACHE/$name.ref"
  echo "$key" >"$CACHE/$name.key"
  cleanup
  WORK=""
  log "built $name in $((SECONDS - start))s: $ref, archive $(human "$(stat -c %s "$out")"), unpacked $(human "$unpacked")"
  echo "$name $ref $out built"
}

for name in "${names[@]}"; do
  build_image "$name"
done
