#!/usr/bin/env bash
# The whole test suite: unit and command tests, then the e2e tier against a local control plane
# that this script starts (building or reusing its binaries) and always stops again. It uses its own
# state folder and ports, so a cluster started with `npm run cluster:up` is left alone.
# Against another cluster instead: MLK_E2E_KUBECONFIG=/path/to/kubeconfig npm run test:all
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -z "${MLK_E2E_KUBECONFIG:-}" ]; then
  export MLK_CLUSTER_STATE="${MLK_TEST_CLUSTER_STATE:-/tmp/mlk-cluster-test}" MLK_CLUSTER_PORT_OFFSET="${MLK_TEST_CLUSTER_PORT_OFFSET:-10000}"
fi
. test/cluster/lib.sh

started=0
cleanup() { if [ "$started" = 1 ]; then bash test/cluster/down.sh || true; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${MLK_E2E_KUBECONFIG:-}" ]; then
  bash test/cluster/build.sh
  bash test/cluster/down.sh   # what an interrupted earlier run left behind
  started=1
  bash test/cluster/up.sh >/dev/null
  export MLK_E2E_KUBECONFIG="$KUBECONFIG_PATH"
fi
export MLK_E2E_REQUIRED=1 MLK_E2E_KUBECTL="${MLK_E2E_KUBECTL:-$KUBECTL}" MLK_E2E_HELM="${MLK_E2E_HELM:-$HELM}"
export MLK_KUBECTL="${MLK_KUBECTL:-$MLK_E2E_KUBECTL}" MLK_HELM="${MLK_HELM:-$MLK_E2E_HELM}"
npm test
