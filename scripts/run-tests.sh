#!/usr/bin/env bash
# Runs the whole suite. pytest's exit code 5 ("no tests collected") is a failure here, never green.
#
# Serial by default: measured on this 2-core machine, two pytest-xdist workers took longer (35 min) than
# one (27-30 min), because the browser tests (collected last, and they must stay last in a process:
# Playwright's sync API leaves a running loop behind that pytest-asyncio cannot start under) end up
# alone at the end. PYTEST_WORKERS=N runs on N workers, every e2e test on one of them (e2e/conftest.py).
set -uo pipefail
cd "$(dirname "$0")/.."
workers="${PYTEST_WORKERS:-0}"
parallel=()
if [ -n "$workers" ] && [ "$workers" != "0" ]; then
  parallel=(-n "$workers" --dist loadgroup)
fi
.venv/bin/python -m pytest "${parallel[@]}" "$@"
code=$?
if [ $code -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit $code
