#!/usr/bin/env bash
# Runs the whole suite. pytest's exit code 5 ("no tests collected") is a failure here, never green.
#
# With no arguments the suite runs as two pytest processes side by side: the browser tests (e2e/) and
# everything else (tests/). Measured on this 2-core machine: one serial process 43 min; two pytest-xdist
# workers were slower still (the browser tests must stay last in a process: Playwright's sync API leaves
# a running loop behind that pytest-asyncio cannot start under, so they end up alone at the end); the two
# processes overlap the browser's waits with the API suite's CPU (see docs/CONTRIBUTING.md for figures).
# Each process has its own embedded PostgreSQL (var/test-pg, var/e2e-pg) and its own temporary folder.
# The browser log is printed when both have finished, so the two outputs do not interleave.
#
# With arguments (a path, -k, …) it is one pytest process, as before. PYTEST_SPLIT=0 forces one process
# for the whole suite; PYTEST_WORKERS=N runs that one process on N xdist workers.
set -uo pipefail
cd "$(dirname "$0")/.."

finish() {
  local code=$1
  if [ "$code" -eq 5 ]; then
    echo "pytest collected no tests: failing" >&2
    return 1
  fi
  return "$code"
}

# Short paths under /tmp (socket paths have a length limit), one folder per checkout.
temp="${TMPDIR:-/tmp}/oa-pytest-$(pwd | cksum | cut -d' ' -f1)"
mkdir -p "$temp"
# The test bundles are built once per run and shared by every pytest process (tests/support/bundles.py);
# a new folder each run, so they are always built from the sources under test.
export OPENAGENTS_TEST_SHARED_BUNDLES="$temp/bundles"
rm -rf "$OPENAGENTS_TEST_SHARED_BUNDLES"

if [ $# -eq 0 ] && [ "${PYTEST_SPLIT:-1}" != "0" ]; then
  mkdir -p var
  e2e_log=var/e2e-run.log
  started=$(date +%s)
  .venv/bin/python -m pytest e2e -p no:cacheprovider --basetemp="$temp/e2e" --durations=15 \
    >"$e2e_log" 2>&1 &
  e2e_pid=$!
  # If this script is stopped, stop the browser half too.
  trap 'kill "$e2e_pid" 2>/dev/null' EXIT
  # tests/ on two xdist workers (whole files per worker: their session fixtures stay together), so the
  # machine's two cores both work while the browser half waits on Chromium and the network. Measured:
  # a third worker only slowed the browser half; running tests/ niced won no time and starved the khala
  # stalled-replay heartbeat test (it failed in both niced runs, passed in the three others).
  .venv/bin/python -m pytest tests -n "${TESTS_WORKERS:-2}" --dist loadfile --basetemp="$temp/tests" --durations=15
  finish $?; tests_code=$?
  wait "$e2e_pid"
  finish $?; e2e_code=$?
  trap - EXIT
  echo
  echo "================================ browser tests (e2e/, run beside tests/) ================================"
  cat "$e2e_log"
  echo
  echo "suite: tests/ exit ${tests_code}, e2e/ exit ${e2e_code}, $(( $(date +%s) - started )) s in all"
  [ "$tests_code" -eq 0 ] && [ "$e2e_code" -eq 0 ]
  exit $?
fi

workers="${PYTEST_WORKERS:-0}"
parallel=()
if [ -n "$workers" ] && [ "$workers" != "0" ]; then
  parallel=(-n "$workers" --dist loadgroup)
fi
.venv/bin/python -m pytest "${parallel[@]}" "$@"
finish $?
