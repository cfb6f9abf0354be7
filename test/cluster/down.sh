#!/usr/bin/env bash
# Stops exactly the processes up.sh started (by recorded pid, after checking that the pid still
# runs the recorded binary) and removes the state directory. Safe to run when nothing is up.
# MLK_CLUSTER_LOGS_OUT=DIR keeps a copy of the component logs (for CI artifacts).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

running() { [ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$2" ]; }

# The real node first (its kubelet talks to the apiserver, and its mounts must be gone before the
# state folder is removed); when something of it is left, keep the folder and fail.
real_node_left=0
bash "$CLUSTER_DIR/real-node-down.sh" || real_node_left=1

# One at a time, in reverse start order: clients of the apiserver first, etcd last (the apiserver
# talks to etcd while it shuts down, so stopping both at once makes it hang).
for name in metrics-server kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  file="$PID_DIR/$name.pid"
  [ -f "$file" ] || continue
  pid="" exe=""
  read -r pid exe <"$file" || true
  [ -n "$pid" ] && running "$pid" "$exe" || continue
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || continue
  deadline=$((SECONDS + 15))
  while running "$pid" "$exe"; do
    if ((SECONDS >= deadline)); then
      log "$name (pid $pid) did not stop 15s after SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
done

if [ -n "${MLK_CLUSTER_LOGS_OUT:-}" ] && [ -d "$LOG_DIR" ]; then
  mkdir -p "$MLK_CLUSTER_LOGS_OUT" && cp -r "$LOG_DIR/." "$MLK_CLUSTER_LOGS_OUT/"
  log "component logs copied to $MLK_CLUSTER_LOGS_OUT"
fi
if [ "$real_node_left" = 1 ]; then
  log "the real node left something behind (see above); keeping $STATE_DIR"
  exit 1
fi
if [ -d "$STATE_DIR" ]; then
  rm -rf "$STATE_DIR"
  log "removed $STATE_DIR"
else
  log "nothing to remove ($STATE_DIR does not exist)"
fi
