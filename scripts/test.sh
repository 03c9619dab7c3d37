#!/usr/bin/env bash
# Runs every test: setup (idempotent), type check, then all unit and cross-process tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --for-tests
echo "== type check"
npx --no-install tsc --noEmit -p .
echo "== tests"
npx --no-install tsx scripts/run-tests.ts "$@"
