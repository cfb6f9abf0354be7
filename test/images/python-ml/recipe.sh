#!/usr/bin/env bash
# The python-ml image's root filesystem: Debian 12 minbase with python3, a venv at /opt/venv holding
# MLServer + mlserver-sklearn, scikit-learn, numpy and joblib (requirements.txt), a user mlk (1000:1000)
# and the helper scripts in files/ at /opt/mlk-test. Called by build.sh with IMAGES, ROOTFS, CONFIG,
# DOWNLOADS, LOGS and ARCH set (see build.sh). Everything that runs inside the root filesystem runs
# through in_chroot (private namespaces: nothing stays mounted or running).
set -euo pipefail
. "$IMAGES/lib/common.sh"
: "${ROOTFS:?}" "${CONFIG:?}" "${DOWNLOADS:?}" "${LOGS:?}" "${ARCH:?}"
here="$IMAGES/python-ml"
suite=bookworm
venv=/opt/venv
step() { log "python-ml +${SECONDS}s: $*"; }

# The image's environment; verify.sh runs with it too. MLServer keeps its metrics and environments in
# the working directory unless told otherwise, and / is not writable for uid 1000.
IMAGE_ENV=(
  "PATH=$venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  "VIRTUAL_ENV=$venv"
  "LANG=C.UTF-8"
  "PYTHONUNBUFFERED=1"
  "MLSERVER_METRICS_DIR=/tmp/.mlserver/metrics"
  "MLSERVER_ENVIRONMENTS_DIR=/tmp/.mlserver/envs"
)

# 1. Debian: minbase plus packages.txt, from the mirror this machine's apt uses; .debs cached.
packages="$(sed 's/#.*//' "$here/packages.txt" | xargs | tr ' ' ,)"
mirror="$(debian_mirror)"
debs="$DOWNLOADS/debootstrap-$suite-$ARCH"
mkdir -p "$debs"
step "debootstrap --variant=minbase $suite from $mirror, with $packages"
# Its own mount namespace: the /proc and /sys it mounts in the target go away with it, even on failure.
unshare --mount --propagation private -- \
  debootstrap --variant=minbase --arch="$ARCH" --include="$packages" --cache-dir="$debs" \
  "$suite" "$ROOTFS" "$mirror" >"$LOGS/debootstrap.log" 2>&1 ||
  { tail -n 30 "$LOGS/debootstrap.log" >&2; die "debootstrap failed (above: the end of $LOGS/debootstrap.log)"; }

# 2. The user the image runs as.
in_chroot "$ROOTFS" 0:0 useradd --uid 1000 --user-group --create-home --shell /bin/bash mlk

# 3. Python packages: pip inside the root filesystem (its own Python 3.11 and ABI), wheels only, every
# version pinned; wheels cached outside the image. The host's CA bundle and proxy/index settings come
# along for the download only.
in_chroot "$ROOTFS" 0:0 python3 -m venv "$venv"
mkdir -p "$ROOTFS/tmp/mlk-build" "$DOWNLOADS/wheels"
cp "$here/requirements.txt" "$ROOTFS/tmp/mlk-build/requirements.txt"
CHROOT_ENV=(PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_ROOT_USER_ACTION=ignore)
ca="$(host_ca_bundle)"
if [ -n "$ca" ]; then
  cp "$ca" "$ROOTFS/tmp/mlk-build/ca.crt"
  CHROOT_ENV+=(PIP_CERT=/tmp/mlk-build/ca.crt)
fi
for v in PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
  [ -z "${!v:-}" ] || CHROOT_ENV+=("$v=${!v}")
done
step "pip install -r requirements.txt ($(grep -c '==' "$here/requirements.txt") pinned packages)"
# Wheels are kept in a folder of their own rather than pip's HTTP cache, which stores nothing behind
# proxies that drop caching headers.
CHROOT_BINDS="$DOWNLOADS/wheels:/var/cache/mlk-wheels" in_chroot "$ROOTFS" 0:0 sh -euc '
  pip download --no-deps --only-binary=:all: -d /var/cache/mlk-wheels -r /tmp/mlk-build/requirements.txt
  pip install --no-index --find-links /var/cache/mlk-wheels --no-deps --only-binary=:all: --require-virtualenv \
    -r /tmp/mlk-build/requirements.txt' >"$LOGS/pip.log" 2>&1 ||
  { tail -n 30 "$LOGS/pip.log" >&2; die "pip failed (above: the end of $LOGS/pip.log)"; }
in_chroot "$ROOTFS" 0:0 pip check >"$LOGS/pip-check.log" 2>&1 || { cat "$LOGS/pip-check.log" >&2; die "pip check failed"; }
# The venv is frozen: pip itself is not needed at run time.
in_chroot "$ROOTFS" 0:0 pip uninstall -q -y pip >&2
CHROOT_ENV=()

# 4. The helpers the e2e suite and verify.sh use.
install -d -m 0755 "$ROOTFS/opt/mlk-test"
install -m 0644 "$here/files/train_iris.py" "$here/files/predict.py" "$ROOTFS/opt/mlk-test/"
install -m 0755 "$here/files/verify.sh" "$ROOTFS/opt/mlk-test/"

step "trimming"
# 5. Smaller: no apt lists or .debs, docs, man pages, translations, logs, caches, the test suites of
# numpy, scipy, scikit-learn and pandas (about 100 MB). Bytecode stays: uid 1000 cannot write it at
# run time, and compiling these libraries on every start would cost seconds.
(
  cd "$ROOTFS"
  rm -rf var/lib/apt/lists/* var/cache/apt/* var/cache/debconf/*-old usr/share/doc/* usr/share/man/* \
    usr/share/info/* root/.cache tmp/mlk-build var/cache/mlk-wheels
  find usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  find var/log -type f -delete
  site="$(echo "./$venv"/lib/python3.*/site-packages)"
  for pkg in numpy scipy sklearn pandas; do
    find "$site/$pkg" -depth -type d -name tests -exec rm -rf {} +
  done
  # What debootstrap copied from this machine; the kubelet mounts its own.
  : >etc/resolv.conf
  echo localhost >etc/hostname
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >etc/hosts
)

# 6. Check it as the container will run it: uid 1000, working directory /, the image's environment.
read -r http grpc metrics < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
step "verifying in the root filesystem (train, serve on 127.0.0.1:$http, predict)"
CHROOT_ENV=("${IMAGE_ENV[@]}")
CHROOT_TMPFS=1 in_chroot "$ROOTFS" 1000:1000 sh /opt/mlk-test/verify.sh "$http" "$grpc" "$metrics" \
  >"$LOGS/verify.log" 2>&1 || { cat "$LOGS/verify.log" >&2; die "python-ml verification failed"; }
CHROOT_ENV=()
sed 's/^/  /' "$LOGS/verify.log" | grep -E 'python-ml:|ready after|accuracy' >&2 || true

# Device nodes: the runtime makes /dev; rootless and user-namespaced unpacking could not create them.
find "$ROOTFS/dev" -mindepth 1 -delete

# 7. The image's run settings: no entrypoint (the pod gives the command), uid 1000, working directory /.
versions="$(grep -E '^(mlserver|mlserver-sklearn|scikit-learn|numpy|joblib|pandas|scipy)==' "$here/requirements.txt" | awk '{print $1}' | xargs)"
python3 - "$CONFIG" "$versions" "${IMAGE_ENV[@]}" <<'PY'
import json, sys
out, versions, env = sys.argv[1], sys.argv[2], sys.argv[3:]
json.dump({
    "Env": env,
    "WorkingDir": "/",
    "User": "1000:1000",
    "ExposedPorts": {"8080/tcp": {}, "8081/tcp": {}, "8082/tcp": {}},
    "Labels": {
        "org.opencontainers.image.title": "mlk-test python-ml",
        "org.opencontainers.image.description": "Debian 12 minbase, Python 3.11, MLServer (Open Inference Protocol V2) with scikit-learn; user mlk 1000:1000",
        "io.mlk-test.python-packages": versions,
    },
}, open(out, "w"), indent=2)
PY
step "root filesystem ready: $(du -sh "$ROOTFS" | cut -f1)"
