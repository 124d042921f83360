#!/usr/bin/env bash
# The README's test command: installs what the tests need on a fresh Debian 12
# machine (as root) and runs them. CI calls this script through .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  # Debian's mirror can be briefly unreachable: retry before giving up.
  for attempt in 1 2 3 4 5; do
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        python3-pip python3-venv nix-bin skopeo umoci podman docker-registry pigz zstd fakeroot busybox-static bash-static jq >/dev/null; then
      break
    fi
    [ "$attempt" = 5 ] && exit 1
    sleep $((attempt * 10))
  done
  # b3sum: a second BLAKE3 oracle (tests/store/test_store_blake3.py); optional, see conftest.py
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq b3sum >/dev/null 2>&1 || echo "b3sum not installed"
fi
python3 -m pip install -q -e '.[test]' || python3 -m pip install -q --break-system-packages -e '.[test]'
export CI="${CI:-true}"
python3 -m ruff check .
python3 -m pytest -q -n auto "$@"
