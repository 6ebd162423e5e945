"""Starts `mlflow server` with our server app and the backend store URI built from the task's environment.

The database password is injected by ECS from Secrets Manager (DB_PASSWORD) and goes into
the URI here, URL-encoded, so it never appears in the task definition or the command line.
Everything else is configured through MLflow's own environment variables
(MLFLOW_ARTIFACTS_DESTINATION, MLFLOW_SERVER_ALLOWED_HOSTS, ...), except the one
header MLflow cannot send itself: CONTENT_SECURITY_POLICY (the frame-ancestors
allow-list), which uvicorn adds to every answer. API Gateway passes MLflow's
answers through unchanged, so this is where framing by Studio is allowed.

MLflow runs as our server app (`--app-name`, the `mlflow.app` entry point of the
sagemaker-studio-mlflow wheel the image installs), which refuses every request
without the gateway's proof; the container stops at once, naming the setting,
when the task has none (the app checks its length itself).
"""

from __future__ import annotations

import os
import shlex
import sys
from urllib.parse import quote

REQUIRED = ("DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD")

# The `mlflow.app` entry point of our package (pyproject.toml).
APP_NAME = "sagemaker-studio-mlflow"
GATEWAY_PROOF = "STUDIO_MLFLOW_GATEWAY_PROOF"


def require_gateway_proof(env: dict[str, str]) -> None:
    if not env.get(GATEWAY_PROOF, "").strip():
        sys.exit(f"mlflow-entrypoint: missing environment variable {GATEWAY_PROOF}: "
                 "the gateway's proof, without which MLflow would refuse every request")


def backend_store_uri(env: dict[str, str]) -> str:
    missing = [name for name in REQUIRED if not env.get(name)]
    if missing:
        sys.exit(f"mlflow-entrypoint: missing environment variables: {', '.join(missing)}")
    user = quote(env["DB_USER"], safe="")
    password = quote(env["DB_PASSWORD"], safe="")
    return f"postgresql://{user}:{password}@{env['DB_HOST']}:{env['DB_PORT']}/{env['DB_NAME']}"


def server_command(env: dict[str, str], host: str = "0.0.0.0", port: int = 5000) -> list[str]:
    command = ["mlflow", "server", "--app-name", APP_NAME, "--host", host, "--port", str(port)]
    policy = env.get("CONTENT_SECURITY_POLICY", "").strip()
    if policy:
        if "\n" in policy or "\r" in policy:
            sys.exit("mlflow-entrypoint: CONTENT_SECURITY_POLICY must be one line")
        header = f"Content-Security-Policy:{policy}"
        command += ["--uvicorn-opts", shlex.join(["--header", header])]
    return command


def main() -> None:
    require_gateway_proof(dict(os.environ))
    os.environ["MLFLOW_BACKEND_STORE_URI"] = backend_store_uri(dict(os.environ))
    command = server_command(dict(os.environ))
    os.execvp(command[0], [*command, *sys.argv[1:]])


if __name__ == "__main__":
    main()
