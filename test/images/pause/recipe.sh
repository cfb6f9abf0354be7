#!/usr/bin/env bash
# The pause image's root filesystem: one static Go binary, /pause, run as 65535:65535 like the
# upstream image. Called by build.sh with IMAGES, ROOTFS and CONFIG set (see build.sh); needs Go.
set -euo pipefail
. "$IMAGES/lib/common.sh"
: "${ROOTFS:?}" "${CONFIG:?}"

mkdir -p "$ROOTFS"
(
  cd "$IMAGES/pause"
  CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$ROOTFS/pause" .
)
chmod 0755 "$ROOTFS/pause"

# Check: it waits, and exits 0 on SIGTERM and on SIGINT.
for sig in TERM INT; do
  "$ROOTFS/pause" &
  pid=$!
  sleep 0.3
  kill -0 "$pid" 2>/dev/null || die "pause exited before SIG$sig"
  kill -s "$sig" "$pid"
  rc=0; wait "$pid" || rc=$?
  [ "$rc" = 0 ] || die "pause exited $rc on SIG$sig (want 0)"
done

cat >"$CONFIG" <<'JSON'
{
  "Entrypoint": ["/pause"],
  "User": "65535:65535",
  "WorkingDir": "/",
  "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
  "Labels": {"org.opencontainers.image.title": "mlk-test pause", "org.opencontainers.image.description": "Pod sandbox: waits for SIGINT/SIGTERM, exits 0"}
}
JSON
