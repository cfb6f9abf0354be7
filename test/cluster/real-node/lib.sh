# Shared settings of the real node (real-node-up.sh, real-node-down.sh); sourced after ../lib.sh.
# Every piece of the node's state is under $RN_DIR ($STATE_DIR/real-node); names and ports that
# live outside it (bridge, CNI network, cgroups, kubelet ports) are derived from
# MLK_CLUSTER_PORT_OFFSET, so clusters with different offsets keep apart.
_rn_off="${MLK_CLUSTER_PORT_OFFSET:-0}"
RN_NAME=real-node
RN_DIR="$STATE_DIR/real-node"
RN_PID_DIR="$RN_DIR/pids"
RN_LOG_DIR="$RN_DIR/logs"
KUBELET_BIN="$CACHE_ROOT/kubelet-$KUBE_VERSION"
RN_IMAGES="${MLK_REAL_NODE_IMAGES:-$CACHE_ROOT/images}"
MLK_REAL_NODE_KUBELET_PORT="${MLK_REAL_NODE_KUBELET_PORT:-$((20252 + _rn_off))}"
MLK_REAL_NODE_HEALTHZ_PORT="${MLK_REAL_NODE_HEALTHZ_PORT:-$((20248 + _rn_off))}"
# Pod network: a /24 on a Linux bridge this script creates; the bridge's address (.1) is the node's
# InternalIP (the kubelet refuses 127.0.0.1). Pods get no route beyond the /24, nothing is NATed or
# forwarded: traffic stays on this machine.
_rn_n=$(((_rn_off / 1000) % 256))
RN_SUBNET="${MLK_REAL_NODE_SUBNET:-10.250.$_rn_n.0/24}"
RN_PREFIX="${RN_SUBNET%.*}"
RN_NODE_IP="${MLK_REAL_NODE_IP:-$RN_PREFIX.1}"
RN_BRIDGE="${MLK_REAL_NODE_BRIDGE:-mlkrn$_rn_off}"
RN_CNI_NETWORK="mlk-real-node-$_rn_off"
RN_CGROUP="mlk-real-node-$_rn_off"
RN_SOCK="$RN_DIR/containerd/containerd.sock"
CONTAINERD_BIN=/usr/bin/containerd
CTR_BIN=/usr/bin/ctr
RUNC_BIN=/usr/sbin/runc
SHIM_BIN=/usr/bin/containerd-shim-runc-v2
CNI_BIN_DIR=/usr/lib/cni
# containerd, its shims and the containers, and the kubelet run in a mount namespace of their own
# (kept by the bind mount $RN_MNTNS). In it, each of these host folders, where containerd 1.6, libcni
# and the kubelet write whatever their configuration says (shim sockets, CNI result cache, the
# kubelet's device-plugin socket, /var/log/containers links), is a bind mount of $RN_DIR/host/<path>.
# Every mount they make (overlays, netns, volumes) is in that namespace too and goes with it.
RN_MNTNS="$RN_DIR/mnt.ns"
RN_PRIVATE_DIRS=(/run/containerd /var/lib/cni /var/lib/kubelet /var/log/containers)

rn_log() { printf '[real-node] %s\n' "$*" >&2; }
rn_ctr() { "$CTR_BIN" --address "$RN_SOCK" --namespace k8s.io "$@"; }

# rn_alive NAME: the pid in $RN_PID_DIR/NAME.pid is alive and still runs the binary recorded with it.
rn_alive() {
  local file="$RN_PID_DIR/$1.pid" pid="" exe=""
  [ -f "$file" ] || return 1
  read -r pid exe <"$file" || true
  [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ]
}

# rn_start NAME BINARY ARGS...: starts BINARY in its own session and in the node's mount namespace
# (nsenter execs it: same pid), logs to $RN_LOG_DIR/NAME.log, records "pid binary" in $RN_PID_DIR/NAME.pid.
rn_start() {
  local name="$1" bin="$2"; shift 2
  setsid nsenter --mount="$RN_MNTNS" -- "$bin" "$@" </dev/null >>"$RN_LOG_DIR/$name.log" 2>&1 &
  local pid=$!
  echo "$pid $bin" >"$RN_PID_DIR/$name.pid"
  rn_log "started $name (pid $pid)"
}

# rn_stop NAME [SECONDS]: SIGTERM to the recorded pid (only if it still runs the recorded binary),
# SIGKILL after SECONDS (default 15).
rn_stop() {
  local name="$1" wait="${2:-15}" file="$RN_PID_DIR/$1.pid" pid="" exe=""
  rn_alive "$name" || return 0
  read -r pid exe <"$file" || true
  rn_log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || return 0
  local deadline=$((SECONDS + wait))
  while [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ]; do
    if ((SECONDS >= deadline)); then
      rn_log "$name (pid $pid) did not stop ${wait}s after SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
}
