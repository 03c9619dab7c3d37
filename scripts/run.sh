#!/usr/bin/env bash
# Runs the product with a demo configuration: fleet console + embedded MQTT broker + one demo
# appliance. Data goes to ./var/demo (delete it to start over).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npx --no-install tsx scripts/demo.ts "$@"
