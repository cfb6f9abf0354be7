#!/usr/bin/env bash
# Starts the local control plane on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kwok (fake kubelets) and metrics-server, then registers fake nodes, storage and
# the metrics APIService. Prints `export KUBECONFIG=... MLK_KUBECTL=... MLK_HELM=...` on stdout when
# the cluster is ready (`eval "$(bash test/cluster/up.sh)"`); progress goes to stderr.
# `--real-node` (or MLK_REAL_NODE=1) also starts one real kubelet and containerd node beside the
# simulated ones (test/cluster/real-node-up.sh; see test/cluster/real-node/README.md).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$CLUSTER_DIR/pki.sh"

for arg in "$@"; do
  case "$arg" in
    --real-node) export MLK_REAL_NODE=1 ;;
    *) log "unknown argument $arg (known: --real-node)"; exit 2 ;;
  esac
done
real_node() { [ "${MLK_REAL_NODE:-}" != 1 ] || bash "$CLUSTER_DIR/real-node-up.sh"; }

SERVICE_CIDR="${MLK_SERVICE_CIDR:-10.96.0.0/16}"
SERVICE_IP="${MLK_SERVICE_IP:-10.96.0.1}"
POD_CIDR="${MLK_POD_CIDR:-10.244.0.0/16}"
ADVERTISE_ADDRESS="${MLK_ADVERTISE_ADDRESS:-127.0.0.1}"
START_TIMEOUT="${MLK_CLUSTER_START_TIMEOUT:-120}"

k() { "$KUBECTL" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

ALL_COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok metrics-server)

if [ -f "$KUBECONFIG_PATH" ]; then
  running=0
  for c in "${ALL_COMPONENTS[@]}"; do is_running "$c" && running=$((running + 1)); done
  if [ "$running" = "${#ALL_COMPONENTS[@]}" ] && k get --raw /readyz >/dev/null 2>&1; then
    log "cluster already up (state in $STATE_DIR): kubectl $KUBECTL, helm $HELM, kubeconfig $KUBECONFIG_PATH"
    real_node
    env_line
    exit 0
  fi
  if [ "$running" != 0 ]; then
    log "a partial cluster is running ($running of ${#ALL_COMPONENTS[@]} components); run test/cluster/down.sh first"
    exit 1
  fi
  log "stale state in $STATE_DIR with nothing running; removing it"
  rm -rf "$STATE_DIR"
fi

[ -n "${MLK_CLUSTER_SKIP_BUILD:-}" ] || bash "$CLUSTER_DIR/build.sh"

for port in "$MLK_ETCD_PORT" "$MLK_ETCD_PEER_PORT" "$MLK_APISERVER_PORT" "$MLK_KCM_PORT" "$MLK_SCHEDULER_PORT" "$MLK_KWOK_PORT" "$MLK_METRICS_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "port 127.0.0.1:$port is already in use; set the matching MLK_*_PORT variable (see test/cluster/README.md)"
    exit 1
  fi
done

mkdir -p "$STATE_DIR" "$PID_DIR" "$LOG_DIR" "$STATE_DIR/etcd" "$STATE_DIR/pv"
chmod 700 "$STATE_DIR"
make_pki
write_kubeconfig "$KUBECONFIG_PATH" admin
for who in controller-manager scheduler kwok metrics-server; do
  write_kubeconfig "$STATE_DIR/$who.kubeconfig" "$who"
done

COMPONENT_LOGS="$LOG_DIR"   # for alive and wait_up (lib.sh)

curl_ok() { curl -sf --max-time 3 --cacert "$PKI_DIR/ca.crt" --cert "$PKI_DIR/admin.crt" --key "$PKI_DIR/admin.key" "$1" | grep -q '^ok$'; }
# The controller manager and scheduler serve /healthz with their own self-signed certificates.
curl_ok_selfsigned() { curl -skf --max-time 3 "$1" | grep -q '^ok$'; }

# --- etcd
start etcd "$ETCD_BIN/etcd" \
  --name=mlk-local --data-dir="$STATE_DIR/etcd" \
  --listen-client-urls="http://127.0.0.1:$MLK_ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$MLK_ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$MLK_ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$MLK_ETCD_PEER_PORT" \
  --initial-cluster="mlk-local=http://127.0.0.1:$MLK_ETCD_PEER_PORT" \
  --listen-metrics-urls="" \
  --unsafe-no-fsync=true --quota-backend-bytes=2147483648 --log-level=warn
wait_up etcd "etcd /health" sh -c "curl -sf --max-time 3 http://127.0.0.1:$MLK_ETCD_PORT/health | grep -q '\"health\":\"true\"'"

# --- kube-apiserver
start kube-apiserver "$KUBE_BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$MLK_ETCD_PORT" \
  --bind-address=127.0.0.1 --secure-port="$MLK_APISERVER_PORT" --advertise-address="$ADVERTISE_ADDRESS" \
  --tls-cert-file="$PKI_DIR/apiserver.crt" --tls-private-key-file="$PKI_DIR/apiserver.key" \
  --client-ca-file="$PKI_DIR/ca.crt" \
  --authorization-mode=Node,RBAC \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI_DIR/sa.pub" --service-account-signing-key-file="$PKI_DIR/sa.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" --service-node-port-range=30000-32767 \
  --allow-privileged=true \
  --kubelet-client-certificate="$PKI_DIR/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI_DIR/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority="$PKI_DIR/ca.crt" --kubelet-preferred-address-types=InternalIP,Hostname \
  --proxy-client-cert-file="$PKI_DIR/front-proxy-client.crt" --proxy-client-key-file="$PKI_DIR/front-proxy-client.key" \
  --requestheader-client-ca-file="$PKI_DIR/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --enable-aggregator-routing=false \
  --profiling=false --v=1
wait_up kube-apiserver "kube-apiserver /readyz" curl_ok "https://127.0.0.1:$MLK_APISERVER_PORT/readyz"

# --- kube-controller-manager and kube-scheduler
common_flags=(--bind-address=127.0.0.1 --leader-elect=false --profiling=false
  --authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics)
start kube-controller-manager "$KUBE_BIN/kube-controller-manager" "${common_flags[@]}" \
  --secure-port="$MLK_KCM_PORT" \
  --kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
  --root-ca-file="$PKI_DIR/ca.crt" --service-account-private-key-file="$PKI_DIR/sa.key" \
  --use-service-account-credentials=true \
  --cluster-signing-cert-file="$PKI_DIR/ca.crt" --cluster-signing-key-file="$PKI_DIR/ca.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --horizontal-pod-autoscaler-sync-period=5s \
  --v=1
start kube-scheduler "$KUBE_BIN/kube-scheduler" "${common_flags[@]}" \
  --secure-port="$MLK_SCHEDULER_PORT" \
  --kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
  --authentication-kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
  --authorization-kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
  --v=1
wait_up kube-controller-manager "kube-controller-manager /healthz" curl_ok_selfsigned "https://127.0.0.1:$MLK_KCM_PORT/healthz"
wait_up kube-scheduler "kube-scheduler /healthz" curl_ok_selfsigned "https://127.0.0.1:$MLK_SCHEDULER_PORT/healthz"

# --- cluster objects: RBAC and APIService for metrics-server, storage, fake nodes
sed -e "s|@CA_BUNDLE@|$(base64 -w0 "$PKI_DIR/ca.crt")|" -e "s|@METRICS_PORT@|$MLK_METRICS_PORT|" \
  "$CLUSTER_DIR/manifests/metrics-server.yaml" | k apply -f - >/dev/null
bash "$CLUSTER_DIR/storage.sh" | k apply -f - >/dev/null
# The pool's folders exist up front and are writable by any user, like a shared volume, so a container
# on the real node that runs as non-root can write its model there (hostPath would make them root's 0755).
(umask 000 && k get pv -o jsonpath='{range .items[*]}{.spec.hostPath.path}{"\n"}{end}' | xargs mkdir -p -m 1777)
k create -f "$CLUSTER_DIR/manifests/nodes.yaml" >/dev/null

# --- kwok: fake kubelets for the nodes annotated kwok.x-k8s.io/node=fake
python3 "$CLUSTER_DIR/kwok/make-logs.py" "$STATE_DIR/pod.log" "$STATE_DIR/pod-previous.log"
: >"$STATE_DIR/live.log" # the log of pods named mlk-live-log (kwok/runtime.yaml)
sed -e "s|@STATE_DIR@|$STATE_DIR|g" "$CLUSTER_DIR/kwok/runtime.yaml" >"$STATE_DIR/kwok-runtime.yaml"
start kwok "$KWOK_BIN/kwok" \
  --kubeconfig="$STATE_DIR/kwok.kubeconfig" \
  --config="$CLUSTER_DIR/kwok/node-stages.yaml" --config="$CLUSTER_DIR/kwok/pod-stages.yaml" \
  --config="$CLUSTER_DIR/kwok/volume-stages.yaml" \
  --config="$STATE_DIR/kwok-runtime.yaml" \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --node-ip=127.0.0.1 --node-port="$MLK_KWOK_PORT" --server-address="127.0.0.1:$MLK_KWOK_PORT" \
  --tls-cert-file="$PKI_DIR/kwok-serving.crt" --tls-private-key-file="$PKI_DIR/kwok-serving.key" \
  --cidr="$POD_CIDR"
nodes_ready() {
  local out
  out="$(k get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}')"
  [ -n "$out" ] && ! grep -qv '^True$' <<<"$out"
}
wait_up kwok "all nodes Ready" nodes_ready

# --- metrics-server
start metrics-server "$METRICS_BIN/metrics-server" \
  --bind-address=127.0.0.1 --secure-port="$MLK_METRICS_PORT" \
  --tls-cert-file="$PKI_DIR/metrics-server-serving.crt" --tls-private-key-file="$PKI_DIR/metrics-server-serving.key" \
  --kubeconfig="$STATE_DIR/metrics-server.kubeconfig" \
  --authentication-kubeconfig="$STATE_DIR/metrics-server.kubeconfig" \
  --authorization-kubeconfig="$STATE_DIR/metrics-server.kubeconfig" \
  --requestheader-client-ca-file="$PKI_DIR/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
  --kubelet-preferred-address-types=InternalIP,Hostname --kubelet-use-node-status-port \
  --kubelet-certificate-authority="$PKI_DIR/ca.crt" \
  --metric-resolution=15s --kubelet-request-timeout=5s --profiling=false
api_available() {
  [ "$(k get apiservice v1beta1.metrics.k8s.io -o jsonpath='{.status.conditions[?(@.type=="Available")].status}')" = True ]
}
wait_up metrics-server "the metrics.k8s.io APIService to be Available" api_available

wait_up kube-controller-manager "the default ServiceAccount" k -n default get serviceaccount default

log "cluster ready in ${SECONDS}s: kubectl $KUBECTL, helm $HELM, kubeconfig $KUBECONFIG_PATH, logs $LOG_DIR"
real_node
env_line
