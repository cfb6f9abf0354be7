#!/usr/bin/env bash
# Stops exactly the processes up.sh started (by recorded pid, after checking that the pid still
# runs the recorded binary) and removes the state directory. Safe to run when nothing is up.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Reverse start order: clients of the apiserver first, etcd last.
ORDER=(metrics-server kwok kube-scheduler kube-controller-manager kube-apiserver etcd)
pids=()
for name in "${ORDER[@]}"; do
  file="$PID_DIR/$name.pid"
  [ -f "$file" ] || continue
  read -r pid exe <"$file" || true
  if [ -n "${pid:-}" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ]; then
    kill -TERM "$pid" 2>/dev/null && pids+=("$pid:$exe:$name")
    log "stopping $name (pid $pid)"
  fi
done

deadline=$((SECONDS + 20))
for entry in "${pids[@]}"; do
  pid="${entry%%:*}"; rest="${entry#*:}"; exe="${rest%%:*}"; name="${rest#*:}"
  while [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ]; do
    if ((SECONDS >= deadline)); then
      log "$name (pid $pid) did not stop after SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
done

if [ -d "$STATE_DIR" ]; then
  rm -rf "$STATE_DIR"
  log "removed $STATE_DIR"
else
  log "nothing to remove ($STATE_DIR does not exist)"
fi
