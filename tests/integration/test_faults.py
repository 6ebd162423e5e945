"""Parts of the local stack fail while it is used: what callers see, and that nothing acknowledged is lost.

Each test stops, hangs or restarts one part (`npm run local -- stop|start <service>`, or SIGSTOP on
MLflow) and brings it back before it ends, whatever happens.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import requests
from botocore.exceptions import EndpointConnectionError
from mlflow import MlflowClient
from mlflow.entities import Metric

from .conftest import REPO, sign_in
from .test_mlflow_app import GATEWAY_CONFIG, second_gateway

PROCESSES_FILE = REPO / ".local" / "processes.json"
SEARCH = "/api/2.0/mlflow/experiments/search?max_results=1"
# The browser's routes, which take a token (the SDK's take SigV4).
UI_SEARCH = "/ajax-api/2.0/mlflow/experiments/search?max_results=1"


def local(command: str, service: str) -> None:
    """`npm run local -- stop|start <service>`: the same process code as `up` and `down`."""
    subprocess.run(["npm", "run", "--silent", "local", "--", command, service], cwd=REPO, check=True)


@contextmanager
def stopped(service: str) -> Iterator[None]:
    local("stop", service)
    try:
        yield
    finally:
        local("start", service)


def pid_of(service: str) -> int:
    return next(p["pid"] for p in json.loads(PROCESSES_FILE.read_text()) if p["name"] == service)


@contextmanager
def hung_mlflow() -> Iterator[None]:
    """MLflow's processes frozen (SIGSTOP): it still accepts connections, and answers none."""
    group = pid_of("mlflow")
    os.killpg(group, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(group, signal.SIGCONT)


def timed(call) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_mlflow_restarted_while_sdk_clients_log_loses_no_acknowledged_point(stack, as_role, credentials):
    """Clients keep logging through MLflow's restart: the SDK retries the gateway's 502s, and every
    batch it was told was stored is in MLflow afterwards."""
    as_role("admins")
    client = MlflowClient()
    experiment = client.create_experiment(f"faults-restart-{uuid.uuid4().hex[:8]}")
    runs = [client.create_run(experiment).info.run_id for _ in range(4)]
    acknowledged: dict[str, set[int]] = {run: set() for run in runs}
    errors: list[BaseException] = []
    finish = threading.Event()

    def log(run: str) -> None:
        step = 0
        try:
            while not finish.is_set():
                batch = [Metric("loss", 1.0 / (step + i + 1), int(time.time() * 1000), step + i) for i in range(10)]
                client.log_batch(run, metrics=batch)
                acknowledged[run].update(metric.step for metric in batch)
                step += len(batch)
                time.sleep(0.05)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    threads = [threading.Thread(target=log, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    try:
        time.sleep(3)
        before = sum(len(steps) for steps in acknowledged.values())
        with stopped("mlflow"):
            response, seconds = timed(
                lambda: requests.get(f"{stack['gateway']}{SEARCH}", auth=credentials["admins"]["auth"], timeout=30)
            )
            assert response.status_code == 502
            assert response.json() == {
                "error_code": "BAD_GATEWAY",
                "message": "MLflow is not reachable behind the gateway.",
            }
            assert seconds < 2, f"the gateway took {seconds:.1f} s to say MLflow is down"
        during = sum(len(steps) for steps in acknowledged.values())
        time.sleep(3)
    finally:
        finish.set()
        for thread in threads:
            thread.join(timeout=300)
    assert errors == [], "a client gave up while MLflow restarted"
    after = sum(len(steps) for steps in acknowledged.values())
    assert before > 0 and after > during, "the clients logged before and after the restart"
    for run in runs:
        stored = {metric.step for metric in client.get_metric_history(run, "loss")}
        assert acknowledged[run] <= stored, f"run {run} lost {len(acknowledged[run] - stored)} acknowledged points"


@pytest.fixture
def impatient_gateway(stack) -> Iterator[str]:
    """A second local gateway with the stack's configuration and a 3 s integration timeout."""
    with second_gateway(GATEWAY_CONFIG, {"LOCAL_GATEWAY_INTEGRATION_TIMEOUT_SECONDS": "3"}) as url:
        yield url


def test_a_hung_mlflow_gets_a_504_at_the_integration_timeout_and_recovers(impatient_gateway, credentials):
    auth = credentials["readers"]["auth"]
    with hung_mlflow():
        response, seconds = timed(lambda: requests.get(f"{impatient_gateway}{SEARCH}", auth=auth, timeout=60))
        assert response.status_code == 504
        assert response.json()["error_code"] == "GATEWAY_TIMEOUT"
        assert 2.5 <= seconds < 8, f"the gateway gave up after {seconds:.1f} s, not at its 3 s timeout"
    assert requests.get(f"{impatient_gateway}{SEARCH}", auth=auth, timeout=30).status_code == 200


SLOW_CLIENTS = 50
SLOW_SECONDS = 10


def slow_client(gateway: str, finish: threading.Event) -> int:
    """Sends a request's headers a line at a time, one a second, as a slow or stalled client does;
    returns how many lines the gateway took before it closed the connection or the test ended."""
    host, port = gateway.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(b"POST /api/2.0/mlflow/runs/log-batch HTTP/1.1\r\nHost: gateway\r\n")
        lines = 0
        while not finish.wait(1):
            try:
                connection.sendall(f"X-Slow-{lines}: 1\r\n".encode())
            except OSError:
                break
            lines += 1
        return lines


def test_slow_clients_do_not_starve_other_callers(stack, credentials):
    """Fifty connections that trickle their requests for ten seconds (API Gateway bounds them at
    50 x 60 s, scaled down here): meanwhile other callers are answered as quickly as usual."""
    auth = credentials["readers"]["auth"]
    finish = threading.Event()
    latencies: list[float] = []
    with ThreadPoolExecutor(SLOW_CLIENTS) as pool:
        slow = [pool.submit(slow_client, stack["gateway"], finish) for _ in range(SLOW_CLIENTS)]
        try:
            time.sleep(1)
            deadline = time.monotonic() + SLOW_SECONDS
            while time.monotonic() < deadline:
                response, seconds = timed(lambda: requests.get(f"{stack['gateway']}{SEARCH}", auth=auth, timeout=30))
                assert response.status_code == 200
                latencies.append(seconds)
        finally:
            finish.set()
        lines = [future.result() for future in slow]
    assert min(lines) >= SLOW_SECONDS - 1, "every slow client was still connected while the others were served"
    assert len(latencies) >= SLOW_SECONDS, f"only {len(latencies)} requests in {SLOW_SECONDS} s"
    assert max(latencies) < 3, f"a caller waited {max(latencies):.1f} s behind the slow clients"


def token_headers(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_identity_provider_down_refuses_new_sign_ins_only(stack, cognito, credentials):
    """cognito-local stops: a new sign-in cannot happen, but a signed-in session's token still opens
    MLflow (the authorizer keeps the signing keys it fetched), and SigV4 callers never needed it."""
    reader = stack["users"]["readers"]
    token = sign_in(cognito, stack, reader["username"], reader["password"])["AccessToken"]
    # The session was used before the outage, as a signed-in user's panel is.
    assert requests.get(f"{stack['gateway']}{UI_SEARCH}", headers=token_headers(token), timeout=30).status_code == 200
    with stopped("cognito"):
        with pytest.raises(EndpointConnectionError):
            sign_in(cognito, stack, reader["username"], reader["password"])
        for path in (UI_SEARCH, "/ajax-api/2.0/mlflow/registered-models/search?max_results=1"):
            response = requests.get(f"{stack['gateway']}{path}", headers=token_headers(token), timeout=30)
            assert response.status_code == 200, response.text
        signed = requests.get(f"{stack['gateway']}{SEARCH}", auth=credentials["admins"]["auth"], timeout=30)
        assert signed.status_code == 200, signed.text
    assert sign_in(cognito, stack, reader["username"], reader["password"])["AccessToken"]
