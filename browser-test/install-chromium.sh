#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when no chromium is on the PATH (the tests
# drive the system's browser; nothing downloads one). Run by `npm test`'s set-up and by
# .ci/run. Where it cannot install (no root, no sudo, no apt), it says so and leaves the
# browser tests to fail with their own message (SHALE_SKIP_BROWSER=1 skips them).
set -uo pipefail
if command -v chromium >/dev/null || [ -n "${SHALE_CHROMIUM:-}" ] || [ -n "${SHALE_SKIP_BROWSER:-}" ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else
  echo "install-chromium: not root and no sudo; install Debian's chromium for the browser tests" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "install-chromium: no apt-get; install Chromium and set SHALE_CHROMIUM to its path for the browser tests" >&2
  exit 0
fi
$SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
  || echo "install-chromium: apt-get install chromium failed; the browser tests will fail" >&2
exit 0
