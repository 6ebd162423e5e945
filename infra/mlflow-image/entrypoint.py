"""Starts `mlflow server` with the backend store URI built from the task's environment.

The database password is injected by ECS from Secrets Manager (DB_PASSWORD) and goes into
the URI here, URL-encoded, so it never appears in the task definition or the command line.
Everything else is configured through MLflow's own environment variables
(MLFLOW_ARTIFACTS_DESTINATION, MLFLOW_SERVER_ALLOWED_HOSTS, ...).
"""

from __future__ import annotations

import os
import sys
from urllib.parse import quote

REQUIRED = ("DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD")


def backend_store_uri(env: dict[str, str]) -> str:
    missing = [name for name in REQUIRED if not env.get(name)]
    if missing:
        sys.exit(f"mlflow-entrypoint: missing environment variables: {', '.join(missing)}")
    user = quote(env["DB_USER"], safe="")
    password = quote(env["DB_PASSWORD"], safe="")
    return f"postgresql://{user}:{password}@{env['DB_HOST']}:{env['DB_PORT']}/{env['DB_NAME']}"


def main() -> None:
    os.environ["MLFLOW_BACKEND_STORE_URI"] = backend_store_uri(dict(os.environ))
    os.execvp("mlflow", ["mlflow", "server", "--host", "0.0.0.0", "--port", "5000", *sys.argv[1:]])


if __name__ == "__main__":
    main()
