#!/usr/bin/env bash
# Makes Released pool volumes Available again (their claims were deleted), so a long test run
# does not drain the pool. Safe to run any time.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
k() { "$KUBECTL" --kubeconfig "${KUBECONFIG:-$KUBECONFIG_PATH}" "$@"; }
for pv in $(k get pv -l mlk.test/pool=true -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{" "}{end}'); do
  k patch pv "$pv" --type=json -p '[{"op":"remove","path":"/spec/claimRef"}]' >/dev/null
  log "reclaimed $pv"
done
