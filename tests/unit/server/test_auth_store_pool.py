"""The auth store's connection pool is its own, and small.

MLflow's auth app creates its engine from the tracking store's pool settings
(``MLFLOW_SQLALCHEMYSTORE_POOL_SIZE`` …). With the server's 40 + 40 per worker
that doubled the connections a task opens, and under load PostgreSQL refused
them ("too many clients already"). Runs in a subprocess: both stores are
process-wide.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json
from sagemaker_studio_mlflow.server.app import create_app
create_app()
from mlflow.server import auth, handlers
tracking = handlers._get_tracking_store().engine.pool
print(json.dumps({
    "auth": [auth.store.engine.pool.size(), auth.store.engine.pool._max_overflow],
    "tracking": [tracking.size(), tracking._max_overflow],
}))
"""


def pools(tmp_path: Path, **extra: str) -> dict[str, list[int]]:
    env = {
        **os.environ,
        "MLFLOW_BACKEND_STORE_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "_MLFLOW_SERVER_ARTIFACT_ROOT": str(tmp_path / "artifacts"),
        "STUDIO_MLFLOW_GATEWAY_PROOF": "p" * 48,
        "STUDIO_MLFLOW_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        "STUDIO_MLFLOW_AUTH_DATABASE_URI": f"sqlite:///{tmp_path / 'auth.db'}",
        "MLFLOW_FLASK_SERVER_SECRET_KEY": "s" * 32,
        "MLFLOW_SQLALCHEMYSTORE_POOL_SIZE": "40",
        "MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW": "40",
        **extra,
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, cwd=tmp_path, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_auth_store_keeps_a_small_pool_while_the_tracking_store_keeps_its_own(tmp_path: Path) -> None:
    assert pools(tmp_path) == {"auth": [10, 10], "tracking": [40, 40]}


def test_the_auth_stores_pool_is_a_setting(tmp_path: Path) -> None:
    sized = pools(tmp_path, STUDIO_MLFLOW_AUTH_POOL_SIZE="4", STUDIO_MLFLOW_AUTH_MAX_OVERFLOW="2")
    assert sized == {"auth": [4, 2], "tracking": [40, 40]}
