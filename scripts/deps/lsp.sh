#!/usr/bin/env bash
# System packages for the language-server tests: Neovim (headless editor test).
# Idempotent; scripts/test.sh runs it as root on Debian before pytest.
set -euo pipefail
if command -v nvim >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
if command -v apt-get >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends neovim
else
  echo "scripts/deps/lsp.sh: no apt-get; install Neovim (>= 0.7) by hand for tests/lsp/test_lsp_neovim.py" >&2
fi
