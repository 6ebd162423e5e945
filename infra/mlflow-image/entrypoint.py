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

This is the one way MLflow is started, in the container and by the local
stack (infra/local/mlflow.ts runs this file): the same server command,
workers, database pool and timeouts (``SERVER_DEFAULTS``), so what the tests
run is what is deployed. A setting already in the environment wins, which is
how the local stack gives the values where its machine differs
(docs/operations.md). Without DB_HOST and with MLFLOW_BACKEND_STORE_URI set,
that URI is used as it is: the local stack's SQLite.
"""

from __future__ import annotations

import os
import secrets
import shlex
import subprocess
import sys
from urllib.parse import quote

REQUIRED = ("DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD")
#: The store of MLflow's auth app (team permissions): on PostgreSQL its own
#: database beside MLflow's, `<DB_NAME>_auth`, unless given.
AUTH_DATABASE_URI = "STUDIO_MLFLOW_AUTH_DATABASE_URI"

# The `mlflow.app` entry point of our package (pyproject.toml).
APP_NAME = "sagemaker-studio-mlflow"
GATEWAY_PROOF = "STUDIO_MLFLOW_GATEWAY_PROOF"
#: Worker processes (`mlflow server --workers`, which has no variable of its own).
WORKERS = "STUDIO_MLFLOW_WORKERS"
#: Seconds libpq waits for the database to accept a connection: an unreachable
#: database makes a request fail in this time (503), not hang.
DB_CONNECT_TIMEOUT = "DB_CONNECT_TIMEOUT"
#: Seconds uvicorn keeps an idle connection open; longer than the gateway's
#: keep-alive, so the gateway never reuses a connection MLflow is closing.
KEEP_ALIVE_TIMEOUT = "STUDIO_MLFLOW_KEEP_ALIVE_SECONDS"

#: Each worker runs MLflow's handlers on up to 40 threads (anyio's default),
#: and a batch being logged holds two connections at once (MLflow's
#: log_batch opens a session for metrics, params and tags inside its own).
#: With fewer than 80 (MLflow's default is 5 + 10), every thread can hold one
#: and wait 30 s for its second: the pool deadlocks (measured with
#: `npm run bench:load`). Pre-ping is always on in MLflow; connections are
#: renewed every 5 minutes. Per task at most workers x 80 database connections.
SERVER_DEFAULTS: dict[str, str] = {
    WORKERS: "4",
    "MLFLOW_SQLALCHEMYSTORE_POOL_SIZE": "40",
    "MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW": "40",
    "MLFLOW_SQLALCHEMYSTORE_POOL_RECYCLE": "300",
    DB_CONNECT_TIMEOUT: "5",
    KEEP_ALIVE_TIMEOUT: "75",
}


def with_defaults(env: dict[str, str]) -> dict[str, str]:
    """The environment with every server setting it does not give set to its default."""
    return {**SERVER_DEFAULTS, **{name: value for name, value in env.items() if value != ""}}


def require_gateway_proof(env: dict[str, str]) -> None:
    if not env.get(GATEWAY_PROOF, "").strip():
        sys.exit(f"mlflow-entrypoint: missing environment variable {GATEWAY_PROOF}: "
                 "the gateway's proof, without which MLflow would refuse every request")


def _postgres_uri(env: dict[str, str], database: str) -> str:
    missing = [name for name in REQUIRED if not env.get(name)]
    if missing:
        sys.exit(f"mlflow-entrypoint: missing environment variables: {', '.join(missing)}")
    user = quote(env["DB_USER"], safe="")
    password = quote(env["DB_PASSWORD"], safe="")
    # The driver by name: SQLAlchemy 2.1 takes `postgresql://` to mean psycopg 3,
    # and the image has psycopg2 (requirements.in).
    uri = f"postgresql+psycopg2://{user}:{password}@{env['DB_HOST']}:{env['DB_PORT']}/{quote(database, safe='')}"
    timeout = env.get(DB_CONNECT_TIMEOUT, SERVER_DEFAULTS[DB_CONNECT_TIMEOUT])
    return f"{uri}?connect_timeout={quote(timeout, safe='')}"


def backend_store_uri(env: dict[str, str]) -> str:
    if not env.get("DB_HOST") and env.get("MLFLOW_BACKEND_STORE_URI"):
        return env["MLFLOW_BACKEND_STORE_URI"]
    return _postgres_uri(env, env.get("DB_NAME", ""))


def auth_database_uri(env: dict[str, str]) -> str | None:
    if env.get(AUTH_DATABASE_URI):
        return env[AUTH_DATABASE_URI]
    if env.get("DB_HOST"):
        return _postgres_uri(env, f"{env.get('DB_NAME', '')}_auth")
    return None


def server_command(env: dict[str, str], host: str = "0.0.0.0", port: int = 5000) -> list[str]:
    settings = with_defaults(env)
    command = ["mlflow", "server", "--app-name", APP_NAME, "--host", host, "--port", str(port),
               "--workers", settings[WORKERS]]
    uvicorn = ["--timeout-keep-alive", settings[KEEP_ALIVE_TIMEOUT]]
    policy = env.get("CONTENT_SECURITY_POLICY", "").strip()
    if policy:
        if "\n" in policy or "\r" in policy:
            sys.exit("mlflow-entrypoint: CONTENT_SECURITY_POLICY must be one line")
        uvicorn += ["--header", f"Content-Security-Policy:{policy}"]
    return [*command, "--uvicorn-opts", shlex.join(uvicorn)]


def main() -> None:
    require_gateway_proof(dict(os.environ))
    os.environ.update(with_defaults(dict(os.environ)))
    os.environ["MLFLOW_BACKEND_STORE_URI"] = backend_store_uri(dict(os.environ))
    auth_uri = auth_database_uri(dict(os.environ))
    if auth_uri is not None:
        os.environ[AUTH_DATABASE_URI] = auth_uri
        # MLflow's auth app signs the CSRF tokens of its own sign-up page with it; that
        # page is not a route of the gateway, so a key per start, shared by its workers.
        os.environ.setdefault("MLFLOW_FLASK_SERVER_SECRET_KEY", secrets.token_urlsafe(32))
        # Once, before the workers: the auth store's migrations and what it opens.
        prepared = subprocess.run([sys.executable, "-m", "sagemaker_studio_mlflow.server.prepare"], check=False)
        if prepared.returncode != 0:
            sys.exit("mlflow-entrypoint: the auth store could not be prepared (see above)")
    command = server_command(dict(os.environ))
    os.execvp(command[0], [*command, *sys.argv[1:]])


if __name__ == "__main__":
    main()
