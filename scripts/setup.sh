#!/usr/bin/env bash
# Idempotent setup on a fresh Debian 12 machine: Debian packages, then npm packages (with the
# native builds allowed in package.json's allowScripts). Safe to run again: it only does what
# is missing. Usage: scripts/setup.sh [--for-tests]
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the product needs at run time, then those only the tests need.
run_pkgs=(python3 make g++ espeak-ng)
test_pkgs=(mosquitto sip-tester baresip-core chromium fonts-wqy-microhei)
pkgs=("${run_pkgs[@]}")
[[ "${1:-}" == "--for-tests" ]] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  # The mosquitto package would start a system broker on 1883; tests start their own.
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages, reinstalled only when the lock file changed since the last install.
stamp=node_modules/.cc-setup-stamp
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  echo "setup: installing npm packages"
  # mediasoup's install script would download a prebuilt worker (no internet here) and then
  # pip-install meson; pointing it at an existing binary makes it skip both. The worker is
  # built from source below instead.
  MEDIASOUP_WORKER_BIN=/bin/true npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# The mediasoup worker, built from source against Debian's libraries (only when missing).
if [[ -f scripts/build-mediasoup-worker.sh ]]; then
  bash scripts/build-mediasoup-worker.sh
fi
