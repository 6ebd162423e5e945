#!/usr/bin/env bash
# Installs what the project needs on this machine, and only what is missing:
# Debian packages, the Python environment in .venv/, the npm packages, and a
# development build of the extension linked into .venv's JupyterLab.
# Safe to run any number of times; quick when everything is in place.
#
#   scripts/setup.sh            what the local stack needs
#   scripts/setup.sh --tests    that, plus what the tests need (Chromium, Galata)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

WITH_TESTS=0
for arg in "$@"; do
  case "$arg" in
    --tests) WITH_TESTS=1 ;;
    *) echo "usage: scripts/setup.sh [--tests]" >&2; exit 2 ;;
  esac
done

PYTHON_VERSION=3.11
NODE_MAJOR=20
UV_VERSION=0.13.9

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# A content hash of files, to skip work whose inputs did not change.
fingerprint() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }
unchanged() { [[ -f "$1" && "$(cat "$1")" == "$2" ]]; }

as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || fail "missing $*; install it with your package manager."
  if [[ "$APT_UPDATED" == 0 ]]; then
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  say "Installing Debian packages: $*"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- Debian packages ---------------------------------------------------------
missing=()
command -v git >/dev/null || missing+=(git)
command -v curl >/dev/null || missing+=(curl)
if [[ "$WITH_TESTS" == 1 ]]; then
  # UI tests drive Debian's Chromium, never a downloaded browser.
  command -v chromium >/dev/null || missing+=(chromium)
  # Screenshots need at least one font.
  dpkg -s fonts-dejavu-core >/dev/null 2>&1 || missing+=(fonts-dejavu-core)
fi
# The local stack's PostgreSQL (`npm run local -- up --db postgres`): Debian's
# server package, without the cluster it would make and start; the stack makes its own.
POSTGRES_MAJOR=15
if [[ ! -x "/usr/lib/postgresql/$POSTGRES_MAJOR/bin/postgres" ]]; then
  if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
    as_root mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' | as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  missing+=("postgresql-$POSTGRES_MAJOR")
fi
PY="$(command -v "python$PYTHON_VERSION" || true)"
if [[ -z "$PY" ]]; then
  missing+=("python$PYTHON_VERSION" "python$PYTHON_VERSION-venv")
fi
if ((${#missing[@]})); then
  apt_install "${missing[@]}"
fi
PY="$(command -v "python$PYTHON_VERSION")" || fail "python$PYTHON_VERSION is not available."

command -v node >/dev/null || fail "Node.js $NODE_MAJOR is required (node was not found on PATH)."
node_major="$(node -p 'process.versions.node.split(".")[0]')"
((node_major >= NODE_MAJOR)) || fail "Node.js $NODE_MAJOR or newer is required; found $(node --version)."

# --- Python: .venv from the lock file ----------------------------------------
if [[ ! -x .venv/bin/python ]]; then
  say "Creating .venv with Python $PYTHON_VERSION"
  "$PY" -m venv .venv || { apt_install "python$PYTHON_VERSION-venv" && "$PY" -m venv .venv; }
fi
if [[ ! -x .venv/bin/uv ]] || [[ "$(.venv/bin/uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]]; then
  .venv/bin/python -m pip install --quiet "uv==$UV_VERSION"
fi
lock_hash="$(fingerprint requirements/dev.lock)"
if ! unchanged .venv/.dev-lock.sha256 "$lock_hash"; then
  say "Installing Python packages (requirements/dev.lock)"
  .venv/bin/uv pip install --quiet --python .venv/bin/python -r requirements/dev.lock
  echo "$lock_hash" >.venv/.dev-lock.sha256
fi
export PATH="$ROOT/.venv/bin:$PATH"

# --- npm packages, one lock file per package ----------------------------------
npm_ci() {
  local dir="$1" hash
  hash="$(fingerprint "$dir/package-lock.json")"
  if ! unchanged "$dir/node_modules/.lock.sha256" "$hash"; then
    say "Installing npm packages in $(realpath --relative-to="$ROOT" "$dir")/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$hash" >"$dir/node_modules/.lock.sha256"
  fi
}
npm_ci "$ROOT"
npm_ci "$ROOT/infra"
if [[ "$WITH_TESTS" == 1 ]]; then
  npm_ci "$ROOT/ui-tests"
fi

# --- The extension: built once per change of its sources ----------------------
src_hash="$(fingerprint package.json package-lock.json tsconfig.json scripts/build-gateway-pages.mjs $(find src style schema -type f | sort))"
# lib/gateway-pages: the gateway's /auth/ pages, built with the extension.
if ! unchanged sagemaker_studio_mlflow/labextension/.sources.sha256 "$src_hash" || [[ ! -f lib/gateway-pages/handoff.html ]]; then
  say "Building the JupyterLab extension"
  # The production build: the local stack runs the bundle users get.
  build_log="$(mktemp)"
  npm run --silent build:prod >"$build_log" 2>&1 || { cat "$build_log"; fail "the extension did not build."; }
  rm -f "$build_log"
  echo "$src_hash" >sagemaker_studio_mlflow/labextension/.sources.sha256
fi
py_hash="$(fingerprint pyproject.toml)"
if ! unchanged .venv/.editable.sha256 "$py_hash" || ! .venv/bin/python -c 'import sagemaker_studio_mlflow' 2>/dev/null; then
  say "Installing the Python package (editable) into .venv"
  # The extension was built just above; the build hook need not build it again.
  SKIP_JUPYTER_BUILDER=1 .venv/bin/uv pip install --quiet --python .venv/bin/python --no-build-isolation --no-deps -e .
  echo "$py_hash" >.venv/.editable.sha256
fi
link=".venv/share/jupyter/labextensions/sagemaker-studio-mlflow"
if [[ "$(readlink "$link" 2>/dev/null)" != "$ROOT/sagemaker_studio_mlflow/labextension" ]]; then
  .venv/bin/jupyter labextension develop --overwrite . >/dev/null
fi

say "Setup complete."
