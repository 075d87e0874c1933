#!/usr/bin/env bash
# Install everything the test suite needs into .venv (plus system packages), then run it.
# This is the README's test command; .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
pip install -q torch==2.13.0
pip install -q -e '.[test]'
for dep in scripts/deps/*.sh; do
  [ -e "$dep" ] && bash "$dep"
done
set +e
python -m pytest "$@"
rc=$?
[ "$rc" -eq 5 ] && { echo "no tests ran"; exit 1; }
exit "$rc"
