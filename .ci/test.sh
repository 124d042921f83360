#!/usr/bin/env bash
# The README's test command: installs what the tests need on a fresh Debian 12
# machine (as root) and runs them. CI calls this script through .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nix-bin skopeo umoci pigz zstd fakeroot jq >/dev/null
fi
python3 -m pip install -q -e '.[test]' || python3 -m pip install -q --break-system-packages -e '.[test]'
export CI="${CI:-true}"
python3 -m ruff check .
python3 -m pytest -q -n auto "$@"
