#!/usr/bin/env bash
# Kubernetes-level smoke test of the local cluster with the real kubectl. Exits non-zero on the
# first failed check; every wait is bounded. Uses its own namespace and deletes it at the end.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export KUBECONFIG="${KUBECONFIG:-$KUBECONFIG_PATH}"
NS="mlk-smoke-$$"
k() { "$KUBECTL" -n "$NS" "$@"; }
pass() { printf '  ok   %s\n' "$*"; }
fail() { printf '  FAIL %s\n' "$*" >&2; exit 1; }

cleanup() {
  "$KUBECTL" delete namespace "$NS" --wait=true --timeout=60s >/dev/null 2>&1 || true
  bash "$CLUSTER_DIR/pv-reclaim.sh" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# jp RESOURCE JSONPATH: prints the field (empty when missing)
jp() { k get "$1" -o jsonpath="$2" 2>/dev/null || true; }
# until_match TIMEOUT DESCRIPTION RESOURCE JSONPATH REGEX
until_match() {
  local timeout="$1" what="$2" res="$3" path="$4" re="$5" deadline=$((SECONDS + $1)) v=""
  while ((SECONDS < deadline)); do
    v="$(jp "$res" "$path")"
    if [[ "$v" =~ $re ]]; then pass "$what"; return 0; fi
    sleep 1
  done
  fail "$what: $res $path = '$v' after ${timeout}s (wanted /$re/)"
}

start=$SECONDS
echo "smoke test in namespace $NS ($("$KUBECTL" version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])'))"
"$KUBECTL" create namespace "$NS" >/dev/null
wait_for 30 "default ServiceAccount in $NS" k get serviceaccount default || fail "no default ServiceAccount in $NS"

# --- workloads
k apply -f - >/dev/null <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}, annotations: {kwok.x-k8s.io/usage-cpu: 150m}}
    spec:
      containers:
      - name: server
        image: ghcr.io/example/model-server:1.0
        ports: [{containerPort: 8080}]
        resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 500m, memory: 256Mi}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: train}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: trainer, image: ghcr.io/example/trainer:1.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: gpu}
spec:
  containers:
  - name: cuda
    image: nvcr.io/nvidia/cuda:12.4.0-base-ubuntu22.04
    resources: {limits: {nvidia.com/gpu: 2}}
---
apiVersion: v1
kind: Pod
metadata: {name: gpu-too-big}
spec:
  containers:
  - name: cuda
    image: nvcr.io/nvidia/cuda:12.4.0-base-ubuntu22.04
    resources: {limits: {nvidia.com/gpu: 16}}
---
apiVersion: v1
kind: Service
metadata: {name: web-lb}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: model-store}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 10Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: with-volume}
spec:
  containers:
  - name: app
    image: ghcr.io/example/model-server:1.0
    volumeMounts: [{name: models, mountPath: /models}]
  volumes:
  - name: models
    persistentVolumeClaim: {claimName: model-store}
EOF

k rollout status deployment/web --timeout=60s >/dev/null || fail "deployment web did not roll out"
pass "deployment rolls out ($(jp deployment/web '{.status.readyReplicas}') ready)"
k wait --for=condition=complete job/train --timeout=60s >/dev/null || fail "job train did not complete"
pass "job completes (succeeded=$(jp job/train '{.status.succeeded}'))"

until_match 30 "GPU pod runs" pod/gpu '{.status.phase}' '^Running$'
gpu_node="$(jp pod/gpu '{.spec.nodeName}')"
product="$("$KUBECTL" get node "$gpu_node" -o jsonpath='{.metadata.labels.nvidia\.com/gpu\.product}')"
[ -n "$product" ] || fail "GPU pod landed on $gpu_node, which has no nvidia.com/gpu.product label"
pass "GPU pod lands on a GPU node ($gpu_node, $product)"

until_match 30 "16-GPU pod stays Pending: Insufficient nvidia.com/gpu" pod/gpu-too-big \
  '{.status.conditions[?(@.type=="PodScheduled")].message}' 'Insufficient nvidia\.com/gpu'
[ "$(jp pod/gpu-too-big '{.status.phase}')" = Pending ] || fail "gpu-too-big is not Pending"
k get events --field-selector involvedObject.name=gpu-too-big,reason=FailedScheduling -o jsonpath='{.items[*].message}' |
  grep -q 'Insufficient nvidia.com/gpu' || fail "no FailedScheduling event naming nvidia.com/gpu"
pass "FailedScheduling event: $(k get events --field-selector involvedObject.name=gpu-too-big,reason=FailedScheduling -o jsonpath='{.items[0].message}')"

lines="$(k logs deployment/web --tail=20 2>/dev/null | wc -l)"
[ "$lines" -ge 10 ] || fail "kubectl logs returned $lines lines"
pass "kubectl logs returns lines ($lines with --tail=20)"

# LoadBalancer: there is no load-balancer controller, so the Service gets a ClusterIP and node
# ports but never an ingress address.
[ "$(jp service/web-lb '{.spec.type}')" = LoadBalancer ] || fail "service web-lb is not a LoadBalancer"
[ -n "$(jp service/web-lb '{.spec.ports[0].nodePort}')" ] || fail "service web-lb has no nodePort"
[ -z "$(jp service/web-lb '{.status.loadBalancer.ingress}')" ] || fail "service web-lb unexpectedly has an address"
pass "LoadBalancer service exists (nodePort $(jp service/web-lb '{.spec.ports[0].nodePort}'), no external address: expected)"

until_match 30 "10Gi RWO claim binds" pvc/model-store '{.status.phase}' '^Bound$'
pass "claim bound to $(jp pvc/model-store '{.spec.volumeName}') ($(jp pvc/model-store '{.status.capacity.storage}'))"
until_match 30 "pod mounting the claim runs" pod/with-volume '{.status.phase}' '^Running$'

# --- metrics: kubectl top and an HPA with a current CPU value
deadline=$((SECONDS + 90))
until top="$(k top pods 2>&1)" && grep -q '^web-' <<<"$top"; do
  ((SECONDS < deadline)) || fail "kubectl top pods: $top"
  sleep 2
done
pass "kubectl top pods works ($(grep -m1 '^web-' <<<"$top" | tr -s ' '))"
k apply -f - >/dev/null <<'EOF'
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 4
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
EOF
until_match 90 "HPA reports a current CPU utilization" hpa/web \
  '{.status.currentMetrics[0].resource.current.averageUtilization}' '^[0-9]+$'
pass "HPA current CPU: $(jp hpa/web '{.status.currentMetrics[0].resource.current.averageUtilization}')% (target 70%)"

# --- failure annotations (see README.md)
k apply -f - >/dev/null <<'EOF'
apiVersion: batch/v1
kind: Job
metadata: {name: fail-exit}
spec:
  backoffLimit: 0
  template:
    metadata: {annotations: {mlk.test/fail: exit, mlk.test/exit-code: "3"}}
    spec:
      restartPolicy: Never
      containers: [{name: trainer, image: ghcr.io/example/trainer:1.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: fail-crashloop, annotations: {mlk.test/fail: crashloop, mlk.test/restart-interval: 2s}}
spec:
  containers: [{name: server, image: ghcr.io/example/model-server:1.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: fail-never-ready, annotations: {mlk.test/fail: never-ready}}
spec:
  containers: [{name: server, image: ghcr.io/example/model-server:1.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: fail-image-pull, annotations: {mlk.test/fail: image-pull}}
spec:
  containers: [{name: server, image: ghcr.io/example/does-not-exist:0.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: fail-oom, annotations: {mlk.test/fail: oom}}
spec:
  containers: [{name: server, image: ghcr.io/example/model-server:1.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: fail-oom-never, annotations: {mlk.test/fail: oom}}
spec:
  restartPolicy: Never
  containers: [{name: trainer, image: ghcr.io/example/trainer:1.0}]
EOF

k wait --for=condition=failed job/fail-exit --timeout=60s >/dev/null || fail "job fail-exit did not fail"
pod="$(k get pods -l job-name=fail-exit -o jsonpath='{.items[0].metadata.name}')"
until_match 10 "exit: pod Failed" "pod/$pod" '{.status.phase}' '^Failed$'
until_match 5 "exit: terminated Error exitCode 3" "pod/$pod" \
  '{.status.containerStatuses[0].state.terminated.reason}/{.status.containerStatuses[0].state.terminated.exitCode}' '^Error/3$'
pass "exit: job condition Failed reason $(jp job/fail-exit '{.status.conditions[?(@.type=="Failed")].reason}')"

until_match 30 "crashloop: waiting CrashLoopBackOff" pod/fail-crashloop '{.status.containerStatuses[0].state.waiting.reason}' '^CrashLoopBackOff$'
until_match 30 "crashloop: restartCount grows to >= 2" pod/fail-crashloop '{.status.containerStatuses[0].restartCount}' '^([2-9]|[1-9][0-9]+)$'
until_match 5 "crashloop: lastState terminated Error exitCode 1" pod/fail-crashloop \
  '{.status.containerStatuses[0].lastState.terminated.reason}/{.status.containerStatuses[0].lastState.terminated.exitCode}' '^Error/1$'
until_match 5 "crashloop: phase Running, Ready False" pod/fail-crashloop \
  '{.status.phase}/{.status.conditions[?(@.type=="Ready")].status}' '^Running/False$'
prev="$(k logs fail-crashloop --previous 2>&1 | tail -n 1)"
grep -q RuntimeError <<<"$prev" || fail "crashloop: kubectl logs --previous: $prev"
pass "crashloop: kubectl logs --previous ends with: ${prev#* }"

until_match 30 "never-ready: Running, container running, Ready False ContainersNotReady" pod/fail-never-ready \
  '{.status.phase}/{.status.containerStatuses[0].state.running.startedAt}/{.status.conditions[?(@.type=="Ready")].status}/{.status.conditions[?(@.type=="Ready")].reason}' \
  '^Running/.+/False/ContainersNotReady$'

until_match 30 "image-pull: waiting ErrImagePull or ImagePullBackOff" pod/fail-image-pull \
  '{.status.containerStatuses[0].state.waiting.reason}' '^(ErrImagePull|ImagePullBackOff)$'
until_match 30 "image-pull: then ImagePullBackOff, phase Pending" pod/fail-image-pull \
  '{.status.phase}/{.status.containerStatuses[0].state.waiting.reason}' '^Pending/ImagePullBackOff$'

until_match 30 "oom (restartPolicy Always): lastState OOMKilled 137, CrashLoopBackOff" pod/fail-oom \
  '{.status.containerStatuses[0].lastState.terminated.reason}/{.status.containerStatuses[0].lastState.terminated.exitCode}/{.status.containerStatuses[0].state.waiting.reason}' \
  '^OOMKilled/137/CrashLoopBackOff$'
until_match 30 "oom (restartPolicy Never): Failed, terminated OOMKilled 137" pod/fail-oom-never \
  '{.status.phase}/{.status.containerStatuses[0].state.terminated.reason}/{.status.containerStatuses[0].state.terminated.exitCode}' \
  '^Failed/OOMKilled/137$'

echo "smoke test passed in $((SECONDS - start))s"
