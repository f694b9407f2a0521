#!/usr/bin/env bash
# The real-browser tests (tests/browser). Without a Chromium they are skipped with a clear
# line (the few browser-free checks in there still run); under CI=true they fail instead.
# Chromium: $CHROMIUM, default /usr/bin/chromium (Debian: apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ] || [ -d "$chromium" ]; then
  if [ "${CI:-}" = true ]; then
    echo "browser tests: no Chromium at $chromium and CI=true: they will FAIL" \
         "(apt-get install -y chromium, or set CHROMIUM=/path/to/chromium)" >&2
  else
    echo "browser tests: no Chromium at $chromium: SKIPPING them" \
         "(apt-get install -y chromium, or set CHROMIUM=/path/to/chromium)"
  fi
fi
exec "$python" -m pytest tests/browser -p no:cacheprovider "$@"
