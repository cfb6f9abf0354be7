#!/usr/bin/env bash
# The whole test suite: unit and command tests, then the e2e tier against a local control plane
# that this script starts (building or reusing its binaries) and always stops again.
# Against another cluster instead: MLK_E2E_KUBECONFIG=/path/to/kubeconfig npm test
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. test/cluster/lib.sh

started=0
cleanup() { if [ "$started" = 1 ]; then bash test/cluster/down.sh || true; fi; }
trap cleanup EXIT INT TERM

if [ -z "${MLK_E2E_KUBECONFIG:-}" ]; then
  bash test/cluster/up.sh
  started=1
  export MLK_E2E_KUBECONFIG="$KUBECONFIG_PATH"
fi
export MLK_E2E_REQUIRED=1 MLK_E2E_KUBECTL="${MLK_E2E_KUBECTL:-$KUBECTL}" MLK_E2E_HELM="${MLK_E2E_HELM:-$HELM}"
export MLK_KUBECTL="${MLK_KUBECTL:-$MLK_E2E_KUBECTL}" MLK_HELM="${MLK_HELM:-$MLK_E2E_HELM}"
npm test
