"""The database stops under a running stack (`npm run local -- up --db postgres`).

MLflow answers 503 in its error format at once, the gateway passes it on, nothing the
clients had been told was stored is lost, and once PostgreSQL is back the same MLflow
and gateway processes serve again: nothing else is restarted.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from mlflow import MlflowClient
from mlflow.entities import Metric

from sagemaker_studio_mlflow.sigv4 import SigV4RequestAuthProvider

from .conftest import REPO, sdk_environment, sign_in

PROCESSES_FILE = REPO / ".local" / "processes.json"
#: An unreachable database must not hold a request: far under the gateway's 29 s.
FAST_SECONDS = 5
RECOVERY_SECONDS = 60


@pytest.fixture(scope="module")
def database(stack) -> dict:
    database = stack.get("database", {})
    if database.get("kind") != "postgres":
        pytest.skip("the local stack runs on SQLite: start it with `npm run local -- up --db postgres`")
    return database


def _pg_ctl(database: dict, *args: str) -> list[str]:
    command = [str(Path(database["binDir"]) / "pg_ctl"), *args]
    user = database.get("osUser")
    if user:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", *command]
    return command


def stop_database(database: dict) -> None:
    subprocess.run(_pg_ctl(database, "stop", "-D", database["dataDir"], "-m", "fast", "-w"), check=True,
                   capture_output=True, timeout=60)


def start_database(database: dict) -> None:
    # Its log in its own folder: the server's user writes it. `down` stops it there too.
    log = Path(database["dataDir"]) / "restarted.log"
    subprocess.run(_pg_ctl(database, "start", "-D", database["dataDir"], "-w", "-l", str(log)), check=True,
                   capture_output=True, timeout=60)


@pytest.fixture
def stopped_then_started(database) -> Iterator[None]:
    """The test stops the database itself; it is started again whatever happens."""
    try:
        yield
    finally:
        if not Path(database["dataDir"], "postmaster.pid").exists():
            start_database(database)


def _running_pids() -> dict[str, int]:
    return {entry["name"]: entry["pid"] for entry in json.loads(PROCESSES_FILE.read_text())
            if entry["name"] in ("mlflow", "gateway", "cognito", "jupyterlab")}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def signed(stack, monkeypatch):
    for name, value in sdk_environment(stack, "admins").items():
        monkeypatch.setenv(name, value)
    return SigV4RequestAuthProvider().get_auth()


def _batch(run_id: str, step: int) -> dict:
    return {"run_id": run_id, "metrics": [{"key": "loss", "value": 1.0 / (step + 1), "timestamp": 1_700_000_000_000 + step,
                                           "step": step}]}


def test_the_database_stops_mlflow_answers_503_fast_and_recovers_without_losing_a_point(
    stack, database, signed, cognito, direct_client, stopped_then_started
):
    gateway = stack["gateway"]
    client = MlflowClient(tracking_uri=gateway)
    experiment_id = client.create_experiment(f"database-fault-{uuid.uuid4().hex[:8]}")
    run_id = client.create_run(experiment_id).info.run_id
    acknowledged: list[int] = []
    for step in range(20):
        client.log_batch(run_id, metrics=[Metric("loss", 1.0 / (step + 1), 1_700_000_000_000 + step, step)])
        acknowledged.append(step)
    pids = _running_pids()
    tokens = sign_in(cognito, stack, stack["users"]["readers"]["username"], stack["users"]["readers"]["password"])

    stop_database(database)

    log_batch = f"{gateway}/api/2.0/mlflow/runs/log-batch"
    started = time.monotonic()
    answer = requests.post(log_batch, json=_batch(run_id, 99), auth=signed, timeout=30)
    elapsed = time.monotonic() - started
    assert answer.status_code == 503, answer.text
    assert elapsed < FAST_SECONDS
    body = answer.json()
    assert body["error_code"] == "TEMPORARILY_UNAVAILABLE"
    assert "database" in body["message"]
    # Words for a user: no driver, host, port or SQLAlchemy link.
    for internal in ("psycopg2", "OperationalError", "127.0.0.1", str(database["port"]), "sqlalche"):
        assert internal not in answer.text
    assert answer.headers["Retry-After"] == "5"
    # The MLflow UI's path (a token, not SigV4) gets the same answer.
    search = requests.post(f"{gateway}/ajax-api/2.0/mlflow/experiments/search", json={"max_results": 1},
                           headers={"Authorization": f"Bearer {tokens['AccessToken']}"}, timeout=30)
    assert (search.status_code, search.json()["error_code"]) == (503, "TEMPORARILY_UNAVAILABLE")
    # MLflow's own health check stays green: the load balancer keeps the task, no restart.
    assert requests.get(f"{stack['mlflow']}/health", timeout=5).status_code == 200

    start_database(database)

    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:
        answer = requests.post(log_batch, json=_batch(run_id, 20), auth=signed, timeout=30)
        if answer.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert answer.status_code == 200, answer.text
    acknowledged.append(20)
    # The same processes serve: nothing but the database was restarted.
    assert _running_pids() == pids
    assert all(_alive(pid) for pid in pids.values())

    # Every acknowledged point is in the database, read behind the gateway's back; the
    # refused one is not.
    stored = sorted(m.step for m in direct_client.get_metric_history(run_id, "loss"))
    assert stored == acknowledged
    assert sorted(m.step for m in client.get_metric_history(run_id, "loss")) == acknowledged
