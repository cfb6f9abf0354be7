#!/usr/bin/env bash
# The whole test suite: the checks, unit and command tests, then the e2e tier against a local
# control plane that this script starts (building or reusing its binaries) and always stops again.
# It uses its own state folder and ports, so a cluster started with `npm run cluster:up` is left alone.
# Against another cluster instead: MLK_E2E_KUBECONFIG=/path/to/kubeconfig npm run test:all
#
# The checks are lint, format, the dependency rules, and a build in which a warning is an error.
# A failing check does not stop the run: the tests still run and the script fails at the end, so one
# run shows every problem. It ends with one line, `N passed, N failed`, counting each check as one test
# and every vitest test (from vitest's JSON report). With MLK_TEST_SUMMARY=FILE that line is written
# to FILE instead of printed (.ci/run prints it last).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -z "${MLK_E2E_KUBECONFIG:-}" ]; then
  export MLK_CLUSTER_STATE="${MLK_TEST_CLUSTER_STATE:-/tmp/mlk-cluster-test}" MLK_CLUSTER_PORT_OFFSET="${MLK_TEST_CLUSTER_PORT_OFFSET:-10000}"
fi
. test/cluster/lib.sh

started=0
report_dir="$(mktemp -d "${TMPDIR:-/tmp}/mlk-test-all.XXXXXX")"
cleanup() {
  if [ "$started" = 1 ]; then bash test/cluster/down.sh || true; fi
  rm -rf "$report_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The checks: each counts as one test; a failure is remembered, not fatal.
checks_passed=0 checks_failed=0 failed_checks=()
check() {
  local name="$1"
  shift
  echo "[test-all] check: $name"
  if "$@"; then
    checks_passed=$((checks_passed + 1))
  else
    checks_failed=$((checks_failed + 1))
    failed_checks+=("$name")
    echo "[test-all] check failed: $name" >&2
  fi
}
check lint npm run --silent lint
check format npm run --silent format:check
check deps npm run --silent check:deps
check build env MLK_STRICT_BUILD=1 npm run --silent build   # the build prints no warnings (rolldown.config.js)

if [ -z "${MLK_E2E_KUBECONFIG:-}" ]; then
  bash test/cluster/build.sh
  # The real node (real containers beside the simulated ones; MLK_REAL_NODE=0 leaves it out): its
  # images first (cached by content), its kubelet is built by up.sh; its suite must then run, not skip.
  export MLK_REAL_NODE="${MLK_REAL_NODE:-1}"
  if [ "$MLK_REAL_NODE" = 1 ]; then
    bash test/images/build.sh >/dev/null
    export MLK_REAL_NODE_REQUIRED=1
  fi
  bash test/cluster/down.sh   # what an interrupted earlier run left behind
  started=1
  bash test/cluster/up.sh >/dev/null
  export MLK_E2E_KUBECONFIG="$KUBECONFIG_PATH"
fi
[ -n "${MLK_KUBE_SCORE:-}" ] || bash test/cluster/build.sh kube-score
export MLK_KUBE_SCORE="${MLK_KUBE_SCORE:-$KUBE_SCORE_BIN/kube-score}"
export MLK_E2E_REQUIRED=1 MLK_E2E_KUBECTL="${MLK_E2E_KUBECTL:-$KUBECTL}" MLK_E2E_HELM="${MLK_E2E_HELM:-$HELM}"
export MLK_KUBECTL="${MLK_KUBECTL:-$MLK_E2E_KUBECTL}" MLK_HELM="${MLK_HELM:-$MLK_E2E_HELM}"

report="$report_dir/vitest.json"
tests_status=0
npm test -- --reporter=default --reporter=json --outputFile.json="$report" || tests_status=$?

# Stop the cluster now, so that the summary below is the last thing printed.
if [ "$started" = 1 ]; then
  bash test/cluster/down.sh || true
  started=0
fi

# The closing line: every check and every vitest test. A test file that failed to load, or a vitest run
# that failed without a failed test (an unhandled error, a failed build), counts as one failure.
summary_status=0
summary="$(node - "$report" "$tests_status" "$checks_passed" "$checks_failed" "${failed_checks[@]}" <<'JS'
const fs = require('node:fs');
const path = require('node:path');
const [report, testsStatus, checksPassed, checksFailed, ...failedChecks] = process.argv.slice(2);
let passed = Number(checksPassed);
let failed = Number(checksFailed);
let skipped = 0;
const problems = failedChecks.map((name) => `check ${name}`);
let json;
try {
  json = JSON.parse(fs.readFileSync(report, 'utf8'));
} catch {
  json = undefined;
}
if (json) {
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  skipped += json.numPendingTests + json.numTodoTests;
  for (const result of json.testResults) {
    const file = { ...result, name: path.relative(process.cwd(), result.name) };
    const failures = file.assertionResults.filter((a) => a.status === 'failed');
    for (const a of failures) problems.push(`${file.name}: ${a.fullName}`);
    if (file.status === 'failed' && failures.length === 0) {
      failed += 1;
      problems.push(`${file.name}: ${(file.message || 'failed to run').split('\n')[0]}`);
    }
  }
}
if (Number(testsStatus) !== 0 && failed === Number(checksFailed)) {
  failed += 1;
  problems.push(json ? `vitest exited with ${testsStatus} (unhandled errors?)` : `npm test exited with ${testsStatus} and wrote no report (build failed?)`);
}
if (problems.length) process.stderr.write(`[test-all] failed:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
JS
)" || summary_status=$?
summary="${summary:-0 passed, 1 failed}"
if [ -n "${MLK_TEST_SUMMARY:-}" ]; then
  printf '%s\n' "$summary" >"$MLK_TEST_SUMMARY"
else
  printf '%s\n' "$summary"
fi
if [ "$summary_status" != 0 ] || [ "$tests_status" != 0 ] || [ "$checks_failed" != 0 ]; then exit 1; fi
