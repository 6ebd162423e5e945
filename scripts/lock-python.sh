#!/usr/bin/env bash
# Regenerates requirements/dev.lock from requirements/dev.in, and MLflow's image lock
# (infra/mlflow-image/requirements.lock, with hashes) from its requirements.in at the
# versions of dev.lock, the tested ones (run after editing either).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh >/dev/null
.venv/bin/uv pip compile --quiet --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
  requirements/dev.in -o requirements/dev.lock
.venv/bin/uv pip compile --quiet --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
  --generate-hashes --constraint requirements/dev.lock \
  infra/mlflow-image/requirements.in -o infra/mlflow-image/requirements.lock
echo "requirements/dev.lock updated (scripts/setup.sh installs it), and MLflow's image lock."
