"""The second gate: MLflow's own server app behind the gateway (`sagemaker_studio_mlflow.server`).

MLflow's port answers only requests that carry the gateway's proof; the app decides every
request again from the permission model, records the caller as the author of what they
create, and writes an audit event per write and per refusal (`.local/stack.json` `auditLog`).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from botocore.exceptions import ClientError
from mlflow import MlflowClient
from mlflow.entities import RunTag

from sagemaker_studio_mlflow.sigv4 import SigV4RequestAuthProvider

from .conftest import REPO, ROLES, claims, mlflow_state, sign_in
from .test_access_matrix import LetThrough, send

STATE_FILE = REPO / ".local" / "state.json"
GATEWAY_CONFIG = REPO / ".local" / "gateway.json"
TSX = REPO / "infra" / "node_modules" / "tsx" / "dist" / "cli.mjs"
GATEWAY_MAIN = REPO / "infra" / "local" / "gateway" / "main.ts"
REFUSAL_HEADER = "x-studio-mlflow-refusal"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def proof() -> str:
    """The gateway's proof, which only the gateway and MLflow know (and this machine's owner)."""
    return json.loads(STATE_FILE.read_text())["gatewayProof"]


def audit_events(stack: dict) -> list[dict]:
    path = Path(stack["auditLog"])
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def events_by_request(stack: dict) -> dict[str, dict]:
    return {event["requestId"]: event for event in audit_events(stack)}


# --- MLflow's port is no open door ------------------------------------------------------


FORGED = {
    "X-Gateway-Authorization": "token",
    "X-Gateway-Principal": "admin",
    "X-Gateway-Roles": "admins",
    "X-Gateway-Request-Id": "forged",
}


@pytest.mark.parametrize(
    "headers",
    [{}, FORGED, {**FORGED, "X-Gateway-Proof": "not-the-proof"}, {**FORGED, "X-Gateway-Proof": ""}],
    ids=["no headers", "forged identity", "forged identity, wrong proof", "forged identity, empty proof"],
)
@pytest.mark.parametrize("root", ["/api/2.0", "/ajax-api/2.0"])
def test_mlflow_s_port_refuses_what_did_not_come_through_the_gateway(stack, headers, root):
    before = mlflow_state()
    name = unique("straight-to-mlflow")
    response = requests.post(
        f"{stack['mlflow']}{root}/mlflow/experiments/create", json={"name": name}, headers=headers, timeout=10
    )
    assert response.status_code == 401, response.text
    assert response.json()["error_code"] == "UNAUTHENTICATED"
    assert response.headers[REFUSAL_HEADER] == "proof"
    read = requests.get(f"{stack['mlflow']}{root}/mlflow/experiments/search?max_results=10", headers=headers, timeout=10)
    assert read.status_code == 401
    assert mlflow_state() == before


def test_only_the_health_check_answers_without_the_proof(stack):
    assert requests.get(f"{stack['mlflow']}/health", timeout=10).status_code == 200
    for path in ["/version", "/", "/graphql", "/v1/traces"]:
        assert requests.get(f"{stack['mlflow']}{path}", timeout=10).status_code == 401, path


def test_a_client_s_gateway_headers_never_pass_the_gateway(stack, as_role):
    """A reader who claims to be an admin through the gateway stays a reader."""
    as_role("readers")
    before = mlflow_state()
    response = requests.post(
        f"{stack['gateway']}/api/2.0/mlflow/experiments/create",
        json={"name": unique("forged-through-gateway")},
        headers={**FORGED, "X-Gateway-Authorization": "iam"},
        auth=SigV4RequestAuthProvider().get_auth(),
        timeout=10,
    )
    assert response.status_code == 403
    assert mlflow_state() == before


def test_the_identity_provider_s_admin_api_refuses_unknown_callers(stack, cognito):
    reader = stack["users"]["readers"]
    with pytest.raises(ClientError):
        cognito.admin_add_user_to_group(
            UserPoolId=stack["cognito"]["userPoolId"], Username=reader["username"], GroupName="admins"
        )
    with pytest.raises(ClientError):
        cognito.admin_create_user(UserPoolId=stack["cognito"]["userPoolId"], Username=unique("intruder"))
    tokens = sign_in(cognito, stack, reader["username"], reader["password"])
    assert sorted(claims(tokens["AccessToken"])["cognito:groups"]) == sorted(["readers", *reader["teams"]])


# --- The second decision, row for row -----------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def second_gateway(config: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Another local gateway beside the stack's, from `config`, until the block ends; its URL."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        log_path = Path(folder) / "gateway.log"
        log = log_path.open("w")
        process = subprocess.Popen(
            ["node", str(TSX), str(GATEWAY_MAIN), "--port", str(port), "--config", str(config)],
            cwd=REPO / "infra",
            env=None if env is None else {**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                try:
                    if requests.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                if process.poll() is not None:
                    pytest.fail(log_path.read_text())
                time.sleep(0.5)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)
            log.close()


@pytest.fixture(scope="module")
def open_gateway(stack) -> Iterator[str]:
    """A second local gateway, told to let everything through (a test-only switch)."""
    config = json.loads(GATEWAY_CONFIG.read_text())
    config["letEverythingThrough"] = True
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gateway.json"
        path.write_text(json.dumps(config))
        path.chmod(0o600)
        with second_gateway(path) as url:
            yield url


@pytest.fixture(scope="module")
def second_decisions(stack, open_gateway, matrix, credentials) -> list[tuple]:
    before = mlflow_state()

    def decide_all(role):
        with requests.Session() as session:
            return [(row, role, send(session, open_gateway, row, role, credentials)) for row in matrix]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [r for per_role in pool.map(decide_all, [*ROLES, None]) for r in per_role]
    assert mlflow_state() == before, "a request through the open gateway changed MLflow"
    return results


def test_the_app_refuses_row_for_row_what_the_model_denies_when_the_gateway_lets_all_through(second_decisions):
    wrong = []
    refused_count = 0
    for row, role, response in second_decisions:
        if isinstance(response, LetThrough):
            continue
        assert "x-amzn-errortype" not in response.headers, f"the open gateway refused {row['path']}"
        # The roles' decision; MLflow's auth app refusing a resource the sample only names
        # (it does not exist: team permissions cannot place it) is a decision after it.
        refused = response.headers.get(REFUSAL_HEADER) not in (None, "teams")
        expected = row["access"] == "public" or role in row["allowed"]
        refused_count += refused
        if refused == expected:
            wrong.append(
                f"{role or 'anonymous'} {row['method']} {row['path']} ({row['operation']}): "
                f"{'refused' if refused else 'let through'} with {response.status_code} {response.text[:120]}"
            )
        elif refused:
            assert response.status_code == 403, response.text
            body = response.json()
            assert body["error_code"] == "PERMISSION_DENIED"
            assert row["operation"] in body["message"]
    assert wrong == [], f"{len(wrong)} wrong second decisions:\n" + "\n".join(wrong[:50])
    assert refused_count > 800


def test_every_write_and_every_refusal_of_the_matrix_has_its_audit_event(stack, second_decisions, credentials):
    events = events_by_request(stack)
    missing = []
    for row, role, response in second_decisions:
        if isinstance(response, LetThrough):
            continue
        refused = REFUSAL_HEADER in response.headers
        if row["access"] != "write" and not refused:
            continue
        event = events.get(response.headers.get("x-amzn-requestid", "?"))
        if event is None:
            missing.append(f"{role or 'anonymous'} {row['method']} {row['path']} ({row['operation']})")
            continue
        assert event["operation"] == row["operation"]
        assert event["method"] == row["method"]
        assert event["status"] == response.status_code
        assert event["user"] == (credentials[role]["username"] if role else "anonymous")
        assert (event.get("refusal") is not None) == refused
    assert missing == [], f"{len(missing)} requests without an audit event:\n" + "\n".join(missing[:50])


def raw_post(base: str, path: str) -> tuple[int, dict]:
    """Sends the path byte for byte (an HTTP library would resolve dot segments first)."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.putrequest("POST", path, skip_accept_encoding=True)
        for name, value in {"Content-Type": "application/json", "Content-Length": "2"}.items():
            connection.putheader(name, value)
        connection.endheaders(b"{}")
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("path", "status", "reason"),
    [
        # MLflow decodes before routing: these are experiments.delete, which nobody
        # anonymous may perform.
        ("/api/2.0/mlflow/experiments%2Fdelete", 403, "permission"),
        ("/api/2.0/mlflow/experiments/d%65lete", 403, "permission"),
        ("/ajax-api/2.0/mlflow/%65xperiments/delete", 403, "permission"),
        # And these are no operation at all. (Dot segments, plain or encoded, never get
        # past the local gateway's HTTP server; tests/unit/server/test_app.py sends them
        # to the app itself.)
        ("/api/2.0/mlflow/experiments/delete/", 404, "unknown-route"),
        ("/api/2.0/mlflow//experiments/delete", 404, "unknown-route"),
    ],
)
def test_the_app_decides_on_the_path_as_mlflow_routes_it(stack, open_gateway, path, status, reason):
    """Spellings that a match on the raw bytes would miss, let through by the open gateway."""
    before = mlflow_state()
    answer, headers = raw_post(open_gateway, path)
    assert (answer, headers.get(REFUSAL_HEADER)) == (status, reason)
    assert mlflow_state() == before


def test_a_method_override_is_refused_by_the_app_too(stack, open_gateway, credentials):
    response = requests.get(
        f"{open_gateway}/api/2.0/mlflow/experiments/search?max_results=1",
        headers={"X-HTTP-Method-Override": "DELETE"},
        auth=credentials["readers"]["auth"],
        timeout=10,
    )
    assert response.status_code == 400
    assert response.headers[REFUSAL_HEADER] == "method-override"


def test_a_client_s_roles_header_does_not_make_an_iam_caller_an_admin(stack, open_gateway, credentials):
    before = mlflow_state()
    response = requests.post(
        f"{open_gateway}/api/2.0/mlflow/experiments/create",
        json={"name": unique("forged-roles")},
        headers={"X-Gateway-Roles": "admins", "X-Gateway-Authorization": "token"},
        auth=credentials["readers"]["auth"],
        timeout=10,
    )
    assert response.status_code == 403
    assert response.headers[REFUSAL_HEADER] == "permission"
    assert mlflow_state() == before


# --- Who did it ---------------------------------------------------------------------------


def test_the_sdk_s_claimed_author_is_replaced_by_the_signer(stack, as_role, direct_client):
    as_role("admins")
    client = MlflowClient(tracking_uri=stack["gateway"])
    experiment_id = client.create_experiment(unique("authorship"))
    run = client.create_run(experiment_id, tags={"mlflow.user": "mallory"}, run_name="claimed by mallory")
    stored = direct_client.get_run(run.info.run_id)
    assert stored.info.user_id == "admin"
    assert stored.data.tags["mlflow.user"] == "admin"

    client.set_tag(run.info.run_id, "mlflow.user", "mallory")
    client.log_batch(run.info.run_id, tags=[RunTag("mlflow.user", "eve")])
    assert direct_client.get_run(run.info.run_id).data.tags["mlflow.user"] == "admin"

    events = [e for e in audit_events(stack) if e["resources"].get("run_id") == run.info.run_id]
    assert {e["operation"] for e in events} >= {"runs.set-tag", "runs.log-batch"}
    assert {e["user"] for e in events} == {"admin"}
    client.delete_experiment(experiment_id)


def test_a_run_created_through_the_ui_s_route_records_the_signed_in_user(stack, cognito, direct_client):
    admin = stack["users"]["admins"]
    token = sign_in(cognito, stack, admin["username"], admin["password"])["AccessToken"]
    bearer = {"Authorization": f"Bearer {token}"}
    experiment = requests.post(
        f"{stack['gateway']}/ajax-api/2.0/mlflow/experiments/create",
        json={"name": unique("ui-authorship")}, headers=bearer, timeout=10,
    )
    assert experiment.status_code == 200, experiment.text
    created = requests.post(
        f"{stack['gateway']}/ajax-api/2.0/mlflow/runs/create",
        json={"experiment_id": experiment.json()["experiment_id"], "user_id": "mallory",
              "tags": [{"key": "mlflow.user", "value": "mallory"}]},
        headers=bearer,
        timeout=10,
    )
    assert created.status_code == 200, created.text
    stored = direct_client.get_run(created.json()["run"]["info"]["run_id"])
    assert stored.info.user_id == admin["username"]
    assert stored.data.tags["mlflow.user"] == admin["username"]
    requests.post(
        f"{stack['gateway']}/ajax-api/2.0/mlflow/experiments/delete",
        json={"experiment_id": experiment.json()["experiment_id"]}, headers=bearer, timeout=10,
    ).raise_for_status()


def test_a_model_version_registered_by_the_approver_records_the_approver(stack, as_role, direct_client):
    as_role("model-approvers")
    client = MlflowClient(tracking_uri=stack["gateway"], registry_uri=stack["gateway"])
    name = unique("approved-model")
    client.create_registered_model(name)
    run = direct_client.search_runs(
        [direct_client.get_experiment_by_name("churn-prediction").experiment_id], max_results=1
    )[0]
    version = client.create_model_version(name, f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
    assert direct_client.get_model_version(name, version.version).user_id == "approver"
    client.transition_model_version_stage(name, version.version, "Staging")
    client.set_registered_model_alias(name, "candidate", version.version)

    history = subprocess.run(
        [str(REPO / ".venv" / "bin" / "python"), "-m", "sagemaker_studio_mlflow.server.history",
         "--audit-log", stack["auditLog"], "--json", name],
        check=True, capture_output=True, text=True,
    )
    as_role("admins")
    MlflowClient(tracking_uri=stack["gateway"], registry_uri=stack["gateway"]).delete_registered_model(name)
    changes = json.loads(history.stdout)["changes"]
    assert [(c["operation"], c["user"]) for c in changes] == [
        ("registered-models.create", "approver"),
        ("model-versions.create", "approver"),
        ("model-versions.transition-stage", "approver"),
        ("registered-models.set-alias", "approver"),
    ]


# --- What the audit trail never holds -----------------------------------------------------


def test_the_audit_file_holds_no_token_signature_secret_or_value(stack, as_role, cognito, proof, second_decisions):
    as_role("admins")
    client = MlflowClient(tracking_uri=stack["gateway"])
    secret_value = unique("param-value-nobody-may-see")
    experiment_id = client.create_experiment(unique("audit-secrets"))
    run = client.create_run(experiment_id)
    client.log_param(run.info.run_id, "password_like", secret_value)
    client.log_metric(run.info.run_id, "loss", 0.123456789)

    text = Path(stack["auditLog"]).read_text()
    forbidden = [proof, secret_value, "0.123456789", "Bearer ", "AWS4-HMAC-SHA256", "Signature=", "X-Amz-"]
    for role in ROLES:
        user = stack["users"][role]
        forbidden += [user["password"], user["secretAccessKey"]]
        token = sign_in(cognito, stack, user["username"], user["password"])["AccessToken"]
        forbidden += [token, token.split(".")[2]]
    state = json.loads(STATE_FILE.read_text())
    if "operator" in state:
        forbidden.append(state["operator"]["secretAccessKey"])
    client.delete_experiment(experiment_id)
    found = [value[:12] + "…" for value in forbidden if value and value in text]
    assert found == [], f"the audit file holds {found}"
    assert Path(stack["auditLog"]).stat().st_mode & 0o077 == 0, "the audit file is readable by others"
