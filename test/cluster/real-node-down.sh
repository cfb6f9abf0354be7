#!/usr/bin/env bash
# Removes the real node of real-node-up.sh: stops the kubelet and containerd it started (by recorded
# pid, after checking the pid still runs the recorded binary), kills and deletes every container and
# sandbox, stops the shims of this containerd and whatever else is left in the node's mount namespace,
# ends that namespace (and with it every mount made in it: overlays, network namespaces, volumes),
# deletes the bridge and the veths on it and the pod cgroups, the Node object and the pods bound to it
# (when the API server still answers), and finally $STATE_DIR/real-node. Safe to run twice and when
# nothing is up. Exits 1 when something could not be removed (and then keeps $STATE_DIR/real-node).
# MLK_CLUSTER_LOGS_OUT=DIR keeps a copy of the node's logs in DIR/real-node (as down.sh does).
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$CLUSTER_DIR/real-node/lib.sh"
exec 1>&2

failed=0
warn() { rn_log "$*"; failed=1; }

# --- kubelet first, so nothing restarts the containers
rn_stop kubelet 20

# --- containers and sandboxes, through containerd while it runs
listed() { local out; out="$(rn_ctr "$1" ls -q 2>/dev/null)"; grep -qFx "$2" <<<"$out"; }
if rn_alive containerd; then
  for id in $(rn_ctr tasks ls -q 2>/dev/null); do
    rn_ctr tasks kill --signal SIGKILL "$id" >/dev/null 2>&1 || true
  done
  # The CRI plugin deletes the task of a container that exited by itself; a task gone meanwhile is fine.
  for id in $(rn_ctr tasks ls -q 2>/dev/null); do
    rn_ctr tasks delete --force "$id" >/dev/null 2>&1 ||
      ! listed tasks "$id" || warn "could not delete task $id"
  done
  ids="$(rn_ctr containers ls -q 2>/dev/null)"
  [ -z "$ids" ] || rn_log "removing $(wc -w <<<"$ids") container(s) and sandbox(es)"
  for id in $ids; do
    rn_ctr containers delete "$id" >/dev/null 2>&1 ||
      ! listed containers "$id" || warn "could not delete container $id"
  done
fi
# ... and through runc for whatever is left (containerd died, or a task would not go)
for root in "$RN_DIR"/runc/*/; do
  [ -d "$root" ] || continue
  for id in $("$RUNC_BIN" --root "$root" list -q 2>/dev/null); do
    rn_log "runc: deleting container $id"
    "$RUNC_BIN" --root "$root" delete --force "$id" >/dev/null 2>&1 || warn "runc could not delete $id"
  done
done

rn_stop containerd 15

# --- shims of this containerd (their command line names its socket); they outlive containerd
shim_pids() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/exe" 2>/dev/null)" = "$SHIM_BIN" ] || continue
    tr '\0' '\n' <"$p/cmdline" 2>/dev/null | grep -qFx "$RN_SOCK" && echo "${p#/proc/}"
  done
}
pids="$(shim_pids)"
if [ -n "$pids" ]; then
  rn_log "stopping containerd shims: $(paste -sd' ' <<<"$pids")"
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 25); do
    pids="$(shim_pids)"
    [ -n "$pids" ] || break
    sleep 0.2
  done
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
fi

# --- anything else still in the node's mount namespace (all of it descends from that containerd and
# kubelet): a container process that outlived its runc state, say
if [ "$(stat -fc %T "$RN_MNTNS" 2>/dev/null)" = nsfs ] && ns="$(stat -Lc %i "$RN_MNTNS")"; then
  left=""
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "mnt:[$ns]" ] && left="$left ${p#/proc/}"
  done
  if [ -n "$left" ]; then
    rn_log "killing processes left in the node's mount namespace:$left"
    kill -KILL $left 2>/dev/null || true
    sleep 0.5
  fi
fi

# --- mounts under $RN_DIR, deepest first: the namespace's own bind (dropping it ends the namespace and
# with it every mount made inside: rootfs overlays, sandbox /dev/shm, netns, volumes)
our_mounts() {
  awk '{print $5}' /proc/self/mountinfo | while read -r m; do
    m="$(printf '%b' "$m")"
    case "$m" in "$RN_DIR" | "$RN_DIR"/*) echo "$m" ;; esac
  done | sort -r
}
for attempt in 1 2 3 4 5; do
  mounts="$(our_mounts)"
  [ -n "$mounts" ] || break
  [ "$attempt" != 1 ] || rn_log "unmounting $(wc -l <<<"$mounts") mount(s) under $RN_DIR"
  while IFS= read -r m; do
    umount "$m" 2>/dev/null || { [ "$attempt" -ge 3 ] && umount -l "$m" 2>/dev/null; } || true
  done <<<"$mounts"
done
mounts="$(our_mounts)"
[ -z "$mounts" ] || warn "still mounted under $RN_DIR: $(paste -sd' ' <<<"$mounts")"

# --- network: veths left on the bridge (their netns are gone once unmounted), then the bridge
if ip link show "$RN_BRIDGE" >/dev/null 2>&1; then
  for veth in $(ip -o link show master "$RN_BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip link delete "$veth" 2>/dev/null || true
  done
  ip link delete "$RN_BRIDGE" && rn_log "deleted bridge $RN_BRIDGE" || warn "could not delete bridge $RN_BRIDGE"
fi

# --- pod cgroups (runc removes each container's; the parent is ours)
for d in /sys/fs/cgroup/*/"$RN_CGROUP" /sys/fs/cgroup/"$RN_CGROUP"; do
  [ -d "$d" ] || continue
  find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
  [ ! -d "$d" ] || warn "could not remove cgroup $d"
done

# --- mount points made for the namespace (empty in the host's view)
if [ -f "$RN_DIR/made-dirs" ]; then
  tac "$RN_DIR/made-dirs" | while read -r dir; do rmdir "$dir" 2>/dev/null || true; done
fi

# --- the Node object, so the next real-node-up.sh registers it afresh (labels, taint), and the pods
# bound to it (the pod GC would delete them only after 40s, and a real node started again sooner
# would run them again)
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG_PATH" "$@"; }
if [ -f "$KUBECONFIG_PATH" ] && [ -x "$KUBECTL" ] && kc --request-timeout=3s get node "$RN_NAME" >/dev/null 2>&1; then
  kc --request-timeout=10s delete node "$RN_NAME" --wait=false >/dev/null && rn_log "deleted node $RN_NAME"
  pods="$(kc --request-timeout=10s get pods -A --field-selector "spec.nodeName=$RN_NAME" -o name 2>/dev/null | wc -l)"
  if [ "$pods" != 0 ]; then
    kc --request-timeout=20s delete pods -A --field-selector "spec.nodeName=$RN_NAME" --force --grace-period=0 >/dev/null 2>&1 &&
      rn_log "deleted the $pods pod(s) bound to $RN_NAME"
  fi
fi

# --- the state folder (only once nothing is mounted in it any more)
if [ -d "$RN_DIR" ]; then
  if [ -n "${MLK_CLUSTER_LOGS_OUT:-}" ] && [ -d "$RN_LOG_DIR" ]; then
    mkdir -p "$MLK_CLUSTER_LOGS_OUT/real-node" && cp -r "$RN_LOG_DIR/." "$MLK_CLUSTER_LOGS_OUT/real-node/"
  fi
  if [ -z "$(our_mounts)" ] && ! rn_alive kubelet && ! rn_alive containerd; then
    rm -rf --one-file-system "$RN_DIR" && rn_log "removed $RN_DIR"
  else
    warn "kept $RN_DIR: something still runs or is mounted there"
  fi
else
  rn_log "nothing to remove ($RN_DIR does not exist)"
fi
rn_log "real node down in ${SECONDS}s"
exit "$failed"
