#!/usr/bin/env bash
# Regenerates requirements/dev.lock from requirements/dev.in (run after editing it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh >/dev/null
.venv/bin/uv pip compile --quiet --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
  requirements/dev.in -o requirements/dev.lock
echo "requirements/dev.lock updated; scripts/setup.sh installs it."
