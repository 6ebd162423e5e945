#!/usr/bin/env bash
# The README's second command: installs what is missing, then runs every test
# suite. Starts the local stack when it is not already up, and stops it again
# afterwards if it started it. Exits non-zero when any suite fails.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh --tests || exit 1
export PATH="$ROOT/.venv/bin:$PATH"

passed=0
failed=0
failures=()
suite() {
  local name="$1"
  shift
  printf '\n\033[1m==> %s\033[0m\n' "$name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
  fi
}

suite "extension: lint" npm run --silent lint:check
suite "extension: jest" npm test --silent
# Our Python (package, tests, scripts, the MLflow image's entry point) with ruff's
# defaults; files git ignores (.venv, node_modules) are skipped.
suite "python: ruff" .venv/bin/ruff check .
suite "infra: type check" npm --prefix infra run --silent build
suite "infra: jest" npm --prefix infra test --silent
# The whole CDK app synthesizes with no AWS credentials at all, with the
# defaults and with the README's example (every feature on), passes cdk-nag
# (synthesis fails on any unacknowledged finding) and cfn-lint.
suite "infra: cdk synth + cfn-lint" bash -c 'cd infra &&
  export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true &&
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE &&
  npm run --silent synth &&
  npm run --silent synth -- -c config=deploy.example.json -o cdk.out/example &&
  ../.venv/bin/cfn-lint cdk.out/*.template.json cdk.out/example/*.template.json'
suite "ui-tests: type check" npx --prefix ui-tests tsc -p ui-tests

started_stack=0
if ! npm run --silent local -- status >/dev/null 2>&1; then
  if npm run --silent local -- up; then
    started_stack=1
  else
    failed=$((failed + 1))
    failures+=("local stack: up")
  fi
fi
stop_stack() {
  if [[ "$started_stack" == 1 ]]; then
    npm run --silent local -- down
  fi
}
trap stop_stack EXIT

# Every role's allowed and refused requests, bad credentials, path tricks,
# CORS and framing, through the running gateway (docs/operations.md).
suite "verify: local stack" npm run --silent verify -- --target .local/stack.json
suite "python: pytest (unit, packaging, integration)" .venv/bin/python -m pytest tests -q
suite "ui-tests: galata" npm --prefix ui-tests test --silent

# The integration suite again on PostgreSQL, Aurora's engine (the first pass ran on
# the default, SQLite): on a stack this script starts, so a stack of the developer's
# is left as it is.
if [[ "$started_stack" == 1 ]]; then
  npm run --silent local -- down >/dev/null
  if npm run --silent local -- up --db postgres >/dev/null; then
    suite "python: pytest (integration, PostgreSQL)" .venv/bin/python -m pytest tests/integration -q
  else
    failed=$((failed + 1))
    failures+=("local stack: up --db postgres")
  fi
else
  printf '\nSkipped the PostgreSQL pass: a local stack was already up (stop it to run that pass).\n'
fi

printf '\n'
for name in "${failures[@]}"; do
  printf 'FAILED: %s\n' "$name"
done
printf 'suites: %d passed, %d failed\n' "$passed" "$failed"
[[ "$failed" == 0 ]]
