#!/usr/bin/env bash
# A fault for the e2e tier (test/e2e/faults.test.ts): kills the kube-apiserver of the cluster in
# $MLK_CLUSTER_STATE with SIGKILL (a crash: open connections are cut, nothing is drained), leaves it
# down for DOWN seconds (first argument, default 3), starts it again with the arguments it ran with
# (read from /proc/PID/cmdline, so the ports and flags are exactly up.sh's), and waits until /readyz
# answers ok. The log of the new run is appended to $LOG_DIR/kube-apiserver.log and the pid file is
# updated, so down.sh stops the new process. Progress on stderr; exit 0 once the API server is ready
# (and the metrics APIService it aggregates is Available again).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

down="${1:-3}"
timeout="${MLK_CLUSTER_START_TIMEOUT:-120}"

if ! is_running kube-apiserver; then
  log "no kube-apiserver of this cluster is running (state $STATE_DIR); start the cluster with up.sh"
  exit 1
fi
read -r pid exe <"$PID_DIR/kube-apiserver.pid"
args=()
while IFS= read -r -d '' arg; do args+=("$arg"); done <"/proc/$pid/cmdline"
args=("${args[@]:1}") # without argv[0]
port=""
for arg in "${args[@]}"; do
  case "$arg" in --secure-port=*) port="${arg#--secure-port=}" ;; esac
done
[ -n "$port" ] || { log "kube-apiserver (pid $pid) runs without --secure-port=PORT; cannot tell when it is back"; exit 1; }

kill -KILL "$pid"
deadline=$((SECONDS + 15))
while is_running kube-apiserver; do
  if ((SECONDS >= deadline)); then
    log "kube-apiserver (pid $pid) still runs 15s after SIGKILL"
    exit 1
  fi
  sleep 0.1
done
log "killed kube-apiserver (pid $pid); down for ${down}s"
sleep "$down"

began=$SECONDS
start kube-apiserver "$exe" "${args[@]}"
ready() {
  curl -sf --max-time 3 --cacert "$PKI_DIR/ca.crt" --cert "$PKI_DIR/admin.crt" --key "$PKI_DIR/admin.key" \
    "https://127.0.0.1:$port/readyz" | grep -q '^ok$'
}
deadline=$((SECONDS + timeout))
until ready; do
  if ! is_running kube-apiserver; then
    log "kube-apiserver exited while starting again; last lines of $LOG_DIR/kube-apiserver.log:"
    tail -n 20 "$LOG_DIR/kube-apiserver.log" >&2
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    log "timed out after ${timeout}s waiting for kube-apiserver /readyz; see $LOG_DIR/kube-apiserver.log"
    exit 1
  fi
  sleep 0.25
done
# What the aggregator serves (metrics-server) is back too, so later tests (kubectl top) find it as before.
metrics_available() {
  [ "$("$KUBECTL" --kubeconfig "$KUBECONFIG_PATH" get apiservice v1beta1.metrics.k8s.io \
    -o jsonpath='{.status.conditions[?(@.type=="Available")].status}' 2>/dev/null)" = True ]
}
if "$KUBECTL" --kubeconfig "$KUBECONFIG_PATH" get apiservice v1beta1.metrics.k8s.io >/dev/null 2>&1; then
  wait_for "$timeout" "the metrics.k8s.io APIService to be Available again" metrics_available
fi
log "kube-apiserver ready again $((SECONDS - began))s after its restart"
