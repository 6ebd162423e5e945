#!/usr/bin/env bash
# The README's first command: installs what is missing, then starts the whole
# system on this machine (MLflow, cognito-local, the gateway, JupyterLab with
# the extension) and prints the JupyterLab URL and the seeded sign-ins.
# Extra arguments go to `npm run local -- up` (e.g. --gateway-port 9000).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
npm run --silent local -- up "$@"
