#!/bin/bash
# sagemaker-studio-mlflow: installs the MLflow extension in a SageMaker Studio
# JupyterLab space and configures it, on every start of the space (Studio
# reinstalls /opt/conda each time). The CDK app puts the deployment's values
# in front of this script; every one can also come from the environment.
#
#   MLFLOW_EXTENSION_WHEEL       s3://bucket/key or a local path of the wheel
#   MLFLOW_EXTENSION_WHEEL_NAME  the wheel's file name (the S3 key has none)
#   MLFLOW_EXTENSION_WHEEL_SHA256  the wheel's sha256: any other file is refused
#   MLFLOW_GATEWAY_URL           the gateway (https://…/prod/)
#   MLFLOW_COGNITO_REGION, MLFLOW_USER_POOL_ID, MLFLOW_USER_POOL_CLIENT_ID
#   MLFLOW_COGNITO_ENDPOINT      optional: a Cognito-compatible provider
#   MLFLOW_AUTH_FLOW             optional: USER_SRP_AUTH (default) or USER_PASSWORD_AUTH
#   MLFLOW_LOAD_BALANCER, MLFLOW_TASK_PORT, MLFLOW_TASK_SUBNETS  optional: what
#                                the reachability probe tries directly (host:port,
#                                MLflow's port, comma-separated CIDRs)
#   STUDIO_CONDA_PREFIX          where JupyterLab is installed (default /opt/conda)
#   MLFLOW_EXTENSION_LOG         the log file (default ~/.sagemaker-studio-mlflow/install.log)
#
# It also puts the MLflow lab of the user's role into the home, once.
#
# It never stops the space from starting: a problem is logged, the script
# ends with status 0, and JupyterLab starts without (or with the previous)
# extension.
set -uo pipefail

PREFIX="${STUDIO_CONDA_PREFIX:-/opt/conda}"
LOG="${MLFLOW_EXTENSION_LOG:-$HOME/.sagemaker-studio-mlflow/install.log}"
SETTINGS_DIR="$PREFIX/share/jupyter/lab/settings/overrides.d"
PLUGIN_ID="sagemaker-studio-mlflow:plugin"
PYTHON="$PREFIX/bin/python"

mkdir -p "$(dirname "$LOG")"
log() {
  printf '%s sagemaker-studio-mlflow: %s\n' "$(date -u +%FT%TZ)" "$*" | tee -a "$LOG"
}
give_up() {
  log "$* The extension is not installed; JupyterLab starts without it."
  exit 0
}

for name in MLFLOW_EXTENSION_WHEEL MLFLOW_EXTENSION_WHEEL_SHA256 \
  MLFLOW_GATEWAY_URL MLFLOW_COGNITO_REGION MLFLOW_USER_POOL_ID \
  MLFLOW_USER_POOL_CLIENT_ID; do
  [[ -n "${!name:-}" ]] || give_up "$name is not set."
done
[[ -x "$PYTHON" ]] || give_up "No Python at $PYTHON (STUDIO_CONDA_PREFIX)."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
wheel_name="${MLFLOW_EXTENSION_WHEEL_NAME:-$(basename "$MLFLOW_EXTENSION_WHEEL")}"
[[ "$wheel_name" == *.whl ]] || give_up "MLFLOW_EXTENSION_WHEEL_NAME must be the wheel's file name (…-py3-none-any.whl)."
wheel="$work/$wheel_name"

log "fetching $MLFLOW_EXTENSION_WHEEL"
case "$MLFLOW_EXTENSION_WHEEL" in
  s3://*)
    # boto3 comes with Studio's images; the execution role may read the wheel.
    timeout 120 "$PYTHON" - "$MLFLOW_EXTENSION_WHEEL" "$wheel" >>"$LOG" 2>&1 <<'PY' ||
import sys
import boto3

bucket, _, key = sys.argv[1][len("s3://"):].partition("/")
boto3.client("s3").download_file(bucket, key, sys.argv[2])
PY
      give_up "Could not download the wheel from $MLFLOW_EXTENSION_WHEEL (see the lines above in $LOG)."
    ;;
  *)
    cp "$MLFLOW_EXTENSION_WHEEL" "$wheel" 2>>"$LOG" ||
      give_up "Could not read the wheel at $MLFLOW_EXTENSION_WHEEL."
    ;;
esac

# Only the wheel this deployment built is installed, whoever can write where it is.
digest="$(sha256sum "$wheel" | cut -d' ' -f1)"
[[ "$digest" == "${MLFLOW_EXTENSION_WHEEL_SHA256,,}" ]] ||
  give_up "The wheel at $MLFLOW_EXTENSION_WHEEL is not this deployment's (its sha256 is $digest, MLFLOW_EXTENSION_WHEEL_SHA256 says $MLFLOW_EXTENSION_WHEEL_SHA256): refused."

# The same wheel twice is one install: a marker holds the installed wheel's hash.
marker="$PREFIX/share/sagemaker-studio-mlflow/installed-wheel.sha256"
if [[ -f "$marker" && "$(cat "$marker")" == "$digest" ]]; then
  log "the wheel is installed already ($digest)"
else
  log "installing $wheel_name"
  timeout 180 "$PYTHON" -m pip install --quiet --no-deps --force-reinstall \
    --disable-pip-version-check --no-input "$wheel" >>"$LOG" 2>&1 ||
    give_up "pip could not install $wheel_name (see $LOG)."
  mkdir -p "$(dirname "$marker")"
  printf '%s\n' "$digest" >"$marker"
fi

# Settings every user starts with (administrator defaults: a user's own
# settings still win), and the SDK's settings for the space's kernels.
mkdir -p "$SETTINGS_DIR"
"$PYTHON" - "$SETTINGS_DIR/sagemaker-studio-mlflow.json" "$PLUGIN_ID" \
  "$PREFIX/share/jupyter/kernels" "$PREFIX/share/sagemaker-studio-mlflow/reachability.json" \
  >>"$LOG" 2>&1 <<'PY' || give_up "Could not write the extension's settings."
import json
import os
import sys
from pathlib import Path

settings_file, plugin_id, kernels, probe_file = sys.argv[1:]
env = os.environ
settings = {
    "gatewayUrl": env["MLFLOW_GATEWAY_URL"],
    "region": env["MLFLOW_COGNITO_REGION"],
    "userPoolId": env["MLFLOW_USER_POOL_ID"],
    "userPoolClientId": env["MLFLOW_USER_POOL_CLIENT_ID"],
    "cognitoEndpoint": env.get("MLFLOW_COGNITO_ENDPOINT", ""),
    "authFlow": env.get("MLFLOW_AUTH_FLOW") or "USER_SRP_AUTH",
}
Path(settings_file).write_text(json.dumps({plugin_id: settings}, indent=2) + "\n")

# What `python -m sagemaker_studio_mlflow.reachability` tries: only the gateway may answer.
port = env.get("MLFLOW_TASK_PORT", "")
probe = {
    "gatewayUrl": settings["gatewayUrl"],
    "loadBalancer": env.get("MLFLOW_LOAD_BALANCER", ""),
    "mlflowPort": int(port) if port.isdigit() else None,
    "taskSubnets": [cidr for cidr in env.get("MLFLOW_TASK_SUBNETS", "").split(",") if cidr],
}
Path(probe_file).parent.mkdir(parents=True, exist_ok=True)
Path(probe_file).write_text(json.dumps(probe, indent=2) + "\n")

# Notebooks reach MLflow with the SDK, signed with the execution role.
sdk = {
    "MLFLOW_TRACKING_URI": settings["gatewayUrl"],
    "MLFLOW_TRACKING_AUTH": "sagemaker-studio-mlflow-sigv4",
    "AWS_REGION": env.get("AWS_REGION") or settings["region"],
}
for spec in Path(kernels).glob("*/kernel.json"):
    kernel = json.loads(spec.read_text())
    if "python" not in str(kernel.get("language", "")).lower():
        continue
    kernel["env"] = {**kernel.get("env", {}), **sdk}
    spec.write_text(json.dumps(kernel, indent=1) + "\n")
PY
log "settings written to $SETTINGS_DIR/sagemaker-studio-mlflow.json"

# The lab of the kernels' role, once: a lab in the home, edited or deleted, is the user's.
labs="$(timeout 60 "$PYTHON" -m sagemaker_studio_mlflow.labs install --home "$HOME" 2>>"$LOG")" ||
  labs="${labs:-no MLflow lab put in $HOME: the installer failed (see $LOG).}"
log "$labs"

# A JupyterLab that is already running reads extensions and settings at its
# start: restart it (Studio's images have restart-jupyter-server).
if command -v restart-jupyter-server >/dev/null 2>&1 &&
  pgrep -f "jupyter-lab|jupyterlab" >/dev/null 2>&1; then
  log "restarting the running JupyterLab"
  restart-jupyter-server >>"$LOG" 2>&1 || log "could not restart JupyterLab; the extension is there at its next start"
fi
log "done"
