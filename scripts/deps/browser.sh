#!/usr/bin/env bash
# Browser-extension test dependencies (idempotent): Debian's chromium and the fixture editors from npm.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "browser.sh: chromium missing and cannot apt-get install it (not root); browser tests will skip" >&2
  fi
fi
fixtures=tests/browser/fixtures
if command -v npm >/dev/null 2>&1; then
  if [ ! -f "$fixtures/node_modules/.package-lock.json" ] || [ "$fixtures/package-lock.json" -nt "$fixtures/node_modules/.package-lock.json" ]; then
    (cd "$fixtures" && npm ci --no-audit --no-fund --loglevel=error)
  fi
else
  echo "browser.sh: npm missing; browser tests will skip" >&2
fi
