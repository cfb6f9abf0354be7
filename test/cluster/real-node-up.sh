#!/usr/bin/env bash
# Adds one real node, `real-node`, to the running local control plane (up.sh): containerd 1.6,
# runc and the CNI plugins from Debian's packages (installed when missing) and a kubelet built from
# the control plane's Kubernetes version (build.sh real-node). The node is labelled and tainted
# mlk.dev/real-node=true (NoSchedule), so only pods that tolerate the taint run there, for real.
# No registry is reachable: every OCI archive (*.tar) in MLK_REAL_NODE_IMAGES (default
# $CACHE_ROOT/images), plus MLK_REAL_NODE_PAUSE_IMAGE if set, is imported with `ctr image import`;
# one of them must be registry.k8s.io/pause:3.6. Pods use imagePullPolicy IfNotPresent or Never.
# Everything the node writes is under $STATE_DIR/real-node/ (the few traces outside it are listed in
# real-node/README.md); real-node-down.sh removes it all.
# Prints nothing on stdout (progress on stderr), so up.sh can call it before its `export` line.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$CLUSTER_DIR/real-node/lib.sh"
exec 1>&2

START_TIMEOUT="${MLK_REAL_NODE_START_TIMEOUT:-120}"
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

node_ready() {
  [ "$(k get node "$RN_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

# --- the control plane must be up
if ! [ -f "$KUBECONFIG_PATH" ] || ! k get --raw /readyz >/dev/null 2>&1; then
  rn_log "no running cluster in $STATE_DIR: start it with test/cluster/up.sh first"
  exit 1
fi

# --- an earlier real node: up, partial, or stale
if [ -d "$RN_DIR" ]; then
  if [ -f "$RN_DIR/ready" ] && rn_alive containerd && rn_alive kubelet && node_ready; then
    rn_log "real node already up (state in $RN_DIR)"
    exit 0
  fi
  if rn_alive containerd || rn_alive kubelet; then
    rn_log "a partial real node is running (or its start failed); run test/cluster/real-node-down.sh first"
    exit 1
  fi
  rn_log "stale real-node state in $RN_DIR with nothing running; cleaning it up"
  bash "$CLUSTER_DIR/real-node-down.sh"
fi

# --- packages (a fresh machine has none of them)
missing=()
{ [ -x "$CONTAINERD_BIN" ] && [ -x "$CTR_BIN" ] && [ -x "$SHIM_BIN" ]; } || missing+=(containerd)
[ -x "$RUNC_BIN" ] || missing+=(runc)
for plugin in bridge host-local loopback; do
  [ -x "$CNI_BIN_DIR/$plugin" ] || { missing+=(containernetworking-plugins); break; }
done
if ((${#missing[@]})); then
  rn_log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
containerd_version="$("$CONTAINERD_BIN" --version | awk '{print $3}')"
runc_version="$("$RUNC_BIN" --version | awk 'NR==1{print $3}')"
case "$containerd_version" in 1.6.*) ;; *) rn_log "warning: containerd $containerd_version; tested with 1.6.20" ;; esac
case "$runc_version" in 1.1.*) ;; *) rn_log "warning: runc $runc_version; tested with 1.1.5" ;; esac

# --- kubelet
[ -n "${MLK_CLUSTER_SKIP_BUILD:-}" ] || bash "$CLUSTER_DIR/build.sh" real-node
if ! [ -x "$KUBELET_BIN/kubelet" ]; then
  rn_log "no kubelet at $KUBELET_BIN/kubelet: run test/cluster/build.sh real-node"
  exit 1
fi

# --- preflight: ports and names outside $RN_DIR must be free
for port in "$MLK_REAL_NODE_KUBELET_PORT" "$MLK_REAL_NODE_HEALTHZ_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    rn_log "port $port is in use; set MLK_REAL_NODE_KUBELET_PORT / MLK_REAL_NODE_HEALTHZ_PORT"
    exit 1
  fi
done
if ip link show "$RN_BRIDGE" >/dev/null 2>&1; then
  rn_log "network interface $RN_BRIDGE already exists; run test/cluster/real-node-down.sh (or set MLK_REAL_NODE_BRIDGE)"
  exit 1
fi

# Each kube component holds inotify instances; at the kernel's default of 128 per user, a machine
# running a control plane or two has none left for the kubelet (its file watches and cAdvisor's get
# "too many open files"). Raised for the whole machine, and left raised.
if [ "$(cat /proc/sys/fs/inotify/max_user_instances)" -lt 1024 ]; then
  rn_log "raising fs.inotify.max_user_instances from $(cat /proc/sys/fs/inotify/max_user_instances) to 1024"
  echo 1024 >/proc/sys/fs/inotify/max_user_instances
fi

mkdir -p "$RN_DIR" "$RN_PID_DIR" "$RN_LOG_DIR" "$RN_DIR/pki" "$RN_DIR/containerd" "$RN_DIR/cni/net.d" "$RN_DIR/kubelet"
chmod 700 "$RN_DIR"

# --- certificates from the cluster's CA: the kubelet's client (Node authorizer identity) and serving certs
# rn_cert NAME SUBJECT EKU [SANS]
rn_cert() {
  local name="$1" subject="$2" eku="$3" sans="${4:-}" dir="$RN_DIR/pki"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    [ -z "$sans" ] || echo "subjectAltName=$sans"
  } >"$dir/$name.ext"
  openssl req -new -nodes -newkey rsa:2048 -keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "$subject" 2>/dev/null
  openssl x509 -req -sha256 -days 3650 -in "$dir/$name.csr" -CA "$PKI_DIR/ca.crt" -CAkey "$PKI_DIR/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -extfile "$dir/$name.ext" -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}
rn_cert kubelet-client "/O=system:nodes/CN=system:node:$RN_NAME" clientAuth
rn_cert kubelet "/CN=$RN_NAME" serverAuth "DNS:$RN_NAME,DNS:localhost,IP:$RN_NODE_IP,IP:127.0.0.1"
cat >"$RN_DIR/kubelet.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: mlk-local
  cluster:
    server: https://127.0.0.1:$MLK_APISERVER_PORT
    certificate-authority: $PKI_DIR/ca.crt
users:
- name: $RN_NAME
  user:
    client-certificate: $RN_DIR/pki/kubelet-client.crt
    client-key: $RN_DIR/pki/kubelet-client.key
contexts:
- name: mlk-local
  context:
    cluster: mlk-local
    user: $RN_NAME
current-context: mlk-local
EOF
chmod 600 "$RN_DIR/kubelet.kubeconfig"

# --- configuration files from the templates in real-node/
fill() {
  sed -e "s|@RN@|$RN_DIR|g" -e "s|@RUNC@|$RUNC_BIN|g" -e "s|@CNI_BIN@|$CNI_BIN_DIR|g" \
    -e "s|@CNI_NETWORK@|$RN_CNI_NETWORK|g" -e "s|@BRIDGE@|$RN_BRIDGE|g" -e "s|@SUBNET@|$RN_SUBNET|g" \
    -e "s|@NODE_IP@|$RN_NODE_IP|g" -e "s|@KUBELET_PORT@|$MLK_REAL_NODE_KUBELET_PORT|g" \
    -e "s|@KUBELET_HEALTHZ_PORT@|$MLK_REAL_NODE_HEALTHZ_PORT|g" -e "s|@CA_FILE@|$PKI_DIR/ca.crt|g" \
    -e "s|@CGROUP_ROOT@|$RN_CGROUP|g" "$CLUSTER_DIR/real-node/$1"
}
fill containerd.toml >"$RN_DIR/containerd/config.toml"
fill cni.conflist >"$RN_DIR/cni/net.d/10-$RN_CNI_NETWORK.conflist"
fill kubelet.yaml >"$RN_DIR/kubelet-config.yaml"

# --- the pod network's bridge; its address is the node's InternalIP
ip link add "$RN_BRIDGE" type bridge
ip addr add "$RN_NODE_IP/${RN_SUBNET#*/}" dev "$RN_BRIDGE"
ip link set "$RN_BRIDGE" up
rn_log "bridge $RN_BRIDGE with $RN_NODE_IP/${RN_SUBNET#*/} (pod subnet $RN_SUBNET)"

# --- the cgroup the kubelet roots its pod cgroups at (cgroupRoot), in every hierarchy
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
  mkdir -p "/sys/fs/cgroup/$RN_CGROUP" # cgroup v2 only (untested here): controllers come from the root's subtree_control
else
  for hierarchy in /sys/fs/cgroup/*/; do
    [ "$(stat -fc %T "$hierarchy")" = cgroupfs ] || continue # v1 controllers and name=systemd, not `unified`
    mkdir -p "$hierarchy$RN_CGROUP"
  done
fi

COMPONENT_LOGS="$RN_LOG_DIR" RUNNING_CHECK=rn_alive   # for alive and wait_up (lib.sh)

# --- the node's mount namespace (see real-node/lib.sh). Of the host only the mount points remain: the
# folders in RN_PRIVATE_DIRS, made empty when missing (and removed by real-node-down.sh).
: >"$RN_MNTNS"
if ! unshare --mount="$RN_MNTNS" --propagation private true 2>/dev/null; then
  # The file that keeps the namespace must not be on a shared mount (systemd makes / shared): make
  # $RN_DIR a private mount of its own (real-node-down.sh unmounts it).
  mount --bind "$RN_DIR" "$RN_DIR" && mount --make-private "$RN_DIR"
  unshare --mount="$RN_MNTNS" --propagation private true
fi
for dir in "${RN_PRIVATE_DIRS[@]}"; do
  [ -d "$dir" ] || { mkdir -p "$dir" && echo "$dir" >>"$RN_DIR/made-dirs"; }
  mkdir -p "$RN_DIR/host$dir"
  nsenter --mount="$RN_MNTNS" -- mount --bind "$RN_DIR/host$dir" "$dir"
done

# --- containerd
rn_start containerd "$CONTAINERD_BIN" --config "$RN_DIR/containerd/config.toml"
wait_up containerd "containerd on $RN_SOCK" "$CTR_BIN" --address "$RN_SOCK" version

# --- kubelet (registers the node while the images are imported)
# Two dead containers per container, not one: kubelet 1.35 requeues a crash-looping pod only when its
# back-off ends, so between restarts its status mostly shows state.terminated (reason Error) of the
# last attempt with lastState the attempt before, which `kubectl logs --previous` reads.
rn_start kubelet "$KUBELET_BIN/kubelet" \
  --config="$RN_DIR/kubelet-config.yaml" \
  --kubeconfig="$RN_DIR/kubelet.kubeconfig" \
  --root-dir="$RN_DIR/kubelet" --cert-dir="$RN_DIR/pki" \
  --hostname-override="$RN_NAME" --node-ip="$RN_NODE_IP" \
  --node-labels=mlk.dev/real-node=true \
  --maximum-dead-containers-per-container=2 \
  --v=1

# --- images
import_started=$SECONDS
archives=()
[ -z "${MLK_REAL_NODE_PAUSE_IMAGE:-}" ] || archives+=("$MLK_REAL_NODE_PAUSE_IMAGE")
if [ -d "$RN_IMAGES" ]; then
  while IFS= read -r -d '' f; do archives+=("$f"); done < <(find "$RN_IMAGES" -maxdepth 1 -name '*.tar' -type f -print0 | sort -z)
fi
for archive in "${archives[@]}"; do
  alive containerd || exit 1
  if ! out="$(rn_ctr images import "$archive" 2>&1)"; then
    rn_log "importing $archive failed: $out"
    exit 1
  fi
  rn_log "imported $archive: $(sed -n 's/^unpacking \([^ ]*\) .*/\1/p' <<<"$out" | paste -sd' ')"
done
images="$(rn_ctr images ls -q)"
if ! grep -qFx registry.k8s.io/pause:3.6 <<<"$images"; then
  rn_log "no registry.k8s.io/pause:3.6 among the images imported from $RN_IMAGES (${#archives[@]} archives):"
  rn_log "put an OCI archive of it there (test/images/) or point MLK_REAL_NODE_PAUSE_IMAGE at one"
  exit 1
fi
rn_log "${#archives[@]} image archive(s) imported in $((SECONDS - import_started))s"

wait_up kubelet "node $RN_NAME to be Ready" node_ready
date -u +%FT%TZ >"$RN_DIR/ready"
rn_log "real node ready in ${SECONDS}s: node $RN_NAME (InternalIP $RN_NODE_IP, kubelet :$MLK_REAL_NODE_KUBELET_PORT), taint mlk.dev/real-node=true:NoSchedule, logs $RN_LOG_DIR"
