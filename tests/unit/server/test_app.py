"""The app as ``mlflow server --app-name sagemaker-studio-mlflow`` runs it, on a sqlite store.

``create_app()`` builds MLflow's real ASGI app (FastAPI routes and the Flask
app under them) behind the gate; requests go to it in process.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the server runs on 3.11 and later
    tomllib = pytest.importorskip("tomli")

from sagemaker_studio_mlflow.server.config import AUDIT_LOG, IDENTITIES, PROOF
from sagemaker_studio_mlflow.server.refusal import REFUSAL_HEADER

from .asgi_client import Client

ROOT = Path(__file__).resolve().parents[3]
GATEWAY_PROOF = "local-gateway-proof-0123456789abcdef0123456789abcdef"
APPROVER_ARN = "arn:aws:iam::000000000000:user/approver"
CREATE = "/api/2.0/mlflow/experiments/create"
GET_BY_NAME = "/api/2.0/mlflow/experiments/get-by-name"


@dataclass
class Server:
    client: Client
    audit_path: Path

    def as_user(self, user: str, roles: str, request_id: str = "req") -> dict[str, str]:
        return {
            "X-Gateway-Authorization": "token",
            "X-Gateway-Principal": user,
            "X-Gateway-Roles": roles,
            "X-Gateway-Request-Id": request_id,
            "X-Gateway-Proof": GATEWAY_PROOF,
        }

    def admin(self, request_id: str = "req") -> dict[str, str]:
        return self.as_user("admin", "admins", request_id)

    def reader(self, request_id: str = "req") -> dict[str, str]:
        return self.as_user("reader", "readers", request_id)

    def approver(self) -> dict[str, str]:
        return {
            "X-Gateway-Authorization": "iam",
            "X-Gateway-Principal": APPROVER_ARN,
            "X-Gateway-Roles": "",
            "X-Gateway-Request-Id": "req-approver",
            "X-Gateway-Proof": GATEWAY_PROOF,
        }

    def experiment(self, name: str) -> dict[str, Any] | None:
        response = self.client.get(GET_BY_NAME, params={"experiment_name": name}, headers=self.admin())
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        return response.json()["experiment"]

    def events(self, request_id: str) -> list[dict[str, Any]]:
        lines = self.audit_path.read_text().splitlines()
        return [event for event in map(json.loads, lines) if event["requestId"] == request_id]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The env ``mlflow server`` gives its workers (``_run_server``), and the app's own."""
    from mlflow.server import handlers
    from mlflow.server.constants import ARTIFACT_ROOT_ENV_VAR, BACKEND_STORE_URI_ENV_VAR
    from mlflow.tracking._model_registry import utils as registry_utils
    from mlflow.tracking._tracking_service import utils as tracking_utils

    from sagemaker_studio_mlflow.server.app import create_app

    root = tmp_path_factory.mktemp("mlflow")
    audit_path = root / "audit" / "audit.jsonl"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(BACKEND_STORE_URI_ENV_VAR, f"sqlite:///{root / 'mlflow.db'}")
        patch.setenv(ARTIFACT_ROOT_ENV_VAR, str(root / "artifacts"))
        patch.setenv(PROOF, GATEWAY_PROOF)
        patch.setenv(AUDIT_LOG, str(audit_path))
        patch.setenv(IDENTITIES, json.dumps({APPROVER_ARN: {"user": "approver", "roles": ["model-approvers"]}}))
        # The handlers keep their stores, and set the process's tracking and registry URIs.
        patch.setattr(handlers, "_tracking_store", None)
        patch.setattr(handlers, "_model_registry_store", None)
        patch.setattr(tracking_utils, "_tracking_uri", tracking_utils._tracking_uri)
        patch.setattr(registry_utils, "_registry_uri", registry_utils._registry_uri)
        yield Server(Client(create_app()), audit_path)


def refusal(response: httpx.Response) -> tuple[int, str | None]:
    return response.status_code, response.headers.get(REFUSAL_HEADER)


def test_health_is_exempt(server: Server) -> None:
    response = server.client.get("/health")
    assert (response.status_code, response.text) == (200, "OK")


def test_without_the_proof_nothing_is_created(server: Server) -> None:
    forged = {k: v for k, v in server.admin().items() if k != "X-Gateway-Proof"}
    for headers in [{}, forged, {**forged, "X-Gateway-Proof": GATEWAY_PROOF[:-1]}]:
        response = server.client.post(CREATE, headers=headers, json={"name": "unproven"})
        assert refusal(response) == (401, "proof")
        assert response.json()["error_code"] == "UNAUTHENTICATED"
    assert server.experiment("unproven") is None
    # MLflow's FastAPI routes are behind the gate too.
    assert refusal(server.client.get("/api/3.0/mlflow/server-info")) == (401, "proof")


def test_a_reader_creates_nothing_an_admin_does(server: Server) -> None:
    denied = server.client.post(CREATE, headers=server.reader("req-reader-create"), json={"name": "by-reader"})
    assert refusal(denied) == (403, "permission")
    assert denied.json() == {
        "error_code": "PERMISSION_DENIED",
        "message": "You may not create an experiment (experiments.create). Your roles: readers. "
        "Roles that may: admins. Ask your MLflow administrator to add you to one of them.",
    }
    assert server.experiment("by-reader") is None

    created = server.client.post(
        CREATE,
        headers=server.admin("req-admin-create"),
        json={"name": "by-admin", "tags": [{"key": "mlflow.user", "value": "mallory"}]},
    )
    assert created.status_code == 200, created.text
    experiment = server.experiment("by-admin")
    assert experiment is not None and experiment["experiment_id"] == created.json()["experiment_id"]
    assert {t["key"]: t["value"] for t in experiment["tags"]}["mlflow.user"] == "admin"

    [refused] = server.events("req-reader-create")
    assert (refused["status"], refused["refusal"], refused["user"]) == (403, "permission", "reader")
    [write] = server.events("req-admin-create")
    assert (write["operation"], write["status"], write["user"]) == ("experiments.create", 200, "admin")
    assert write["resources"] == {"experiment_id": experiment["experiment_id"]}


def test_a_run_records_the_caller_as_its_author(server: Server) -> None:
    response = server.client.post(
        "/api/2.0/mlflow/runs/create",
        headers=server.admin("req-run"),
        json={"experiment_id": "0", "user_id": "mallory", "tags": [{"key": "mlflow.user", "value": "mallory"}]},
    )
    assert response.status_code == 200, response.text
    run_id = response.json()["run"]["info"]["run_id"]
    run = server.client.get("/api/2.0/mlflow/runs/get", params={"run_id": run_id}, headers=server.reader()).json()
    assert run["run"]["info"]["user_id"] == "admin"
    assert {t["key"]: t["value"] for t in run["run"]["data"]["tags"]}["mlflow.user"] == "admin"
    [event] = server.events("req-run")
    assert event["resources"] == {"experiment_id": "0", "run_id": run_id}


def test_a_model_version_records_the_approver(server: Server) -> None:
    run = server.client.post("/api/2.0/mlflow/runs/create", headers=server.admin(), json={"experiment_id": "0"})
    info = run.json()["run"]["info"]
    assert server.client.post(
        "/api/2.0/mlflow/registered-models/create", headers=server.approver(), json={"name": "churn"}
    ).status_code == 200
    created = server.client.post(
        "/api/2.0/mlflow/model-versions/create",
        headers=server.approver(),
        json={"name": "churn", "source": info["artifact_uri"] + "/model", "run_id": info["run_id"]},
    )
    assert created.status_code == 200, created.text
    version = server.client.get(
        "/api/2.0/mlflow/model-versions/get", params={"name": "churn", "version": "1"}, headers=server.reader()
    ).json()["model_version"]
    assert version["user_id"] == "approver"
    events = server.events("req-approver")
    assert [e["operation"] for e in events] == ["registered-models.create", "model-versions.create"]
    assert events[1]["resources"] == {"model_name": "churn", "run_id": info["run_id"], "version": "1"}
    assert events[1]["principal"] == APPROVER_ARN and events[1]["authorization"] == "iam"


def test_the_audit_trail_answers_the_history_of_a_model(server: Server) -> None:
    from sagemaker_studio_mlflow.server.history import model_history

    run = server.client.post("/api/2.0/mlflow/runs/create", headers=server.admin(), json={"experiment_id": "0"})
    info = run.json()["run"]["info"]
    registry = "/api/2.0/mlflow"
    assert server.client.post(
        f"{registry}/registered-models/create", headers=server.approver(), json={"name": "fraud"}
    ).status_code == 200
    version = {"name": "fraud", "source": info["artifact_uri"] + "/model", "run_id": info["run_id"]}
    assert server.client.post(
        f"{registry}/model-versions/create", headers=server.approver(), json=version
    ).status_code == 200
    stage = {"name": "fraud", "version": "1", "stage": "Production"}
    refused = server.client.post(f"{registry}/model-versions/transition-stage", headers=server.reader(), json=stage)
    assert refusal(refused) == (403, "permission")
    moved = server.client.post(f"{registry}/model-versions/transition-stage", headers=server.approver(), json=stage)
    assert moved.status_code == 200, moved.text

    history = model_history(server.audit_path.read_text().splitlines(), "fraud")
    assert [(e.what, e.user) for e in history.changes] == [
        ("registered model created", "approver"),
        ("version 1 created", "approver"),
        ("version 1 moved to stage Production", "approver"),
    ]
    assert [(e.operation, e.user, e.refusal) for e in history.attempts] == [
        ("model-versions.transition-stage", "reader", "permission")
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/api/2.0/mlflow/experiments/d%65lete",
        "/api/2.0/mlflow/experiments%2Fdelete",
        "/api/2.0/mlflow/experiments%2fdelete",
    ],
)
def test_spellings_that_route_to_a_denied_operation_are_refused(server: Server, path: str) -> None:
    created = server.client.post(CREATE, headers=server.admin(), json={"name": f"kept {path}"})
    experiment_id = created.json()["experiment_id"]
    response = server.client.post(path, headers=server.reader(), json={"experiment_id": experiment_id})
    assert refusal(response) == (403, "permission")
    assert "experiments.delete" in response.json()["message"]
    experiment = server.experiment(f"kept {path}")
    assert experiment is not None and experiment["lifecycle_stage"] == "active"


def test_what_mlflow_would_route_is_what_the_gate_decides(server: Server) -> None:
    """An admin's encoded separator reaches the operation MLflow routes it to."""
    created = server.client.post(CREATE, headers=server.admin(), json={"name": "deleted via %2F"})
    experiment_id = created.json()["experiment_id"]
    response = server.client.post(
        "/api/2.0/mlflow/experiments%2Fdelete", headers=server.admin(), json={"experiment_id": experiment_id}
    )
    assert response.status_code == 200, response.text
    experiment = server.experiment("deleted via %2F")
    assert experiment is not None and experiment["lifecycle_stage"] == "deleted"


@pytest.mark.parametrize(
    "path",
    [
        "/api/2.0/mlflow/experiments/%2e/create",
        "/api/2.0/mlflow/runs/%2e%2e/experiments/create",
        "/api/2.0/mlflow/experiments/create/",
        "/api/2.0/mlflow//experiments/create",
    ],
)
def test_dot_and_empty_segments_are_refused(server: Server, path: str) -> None:
    response = server.client.post(path, headers=server.admin(), json={"name": f"dots {path}"})
    assert refusal(response) == (404, "unknown-route")
    assert server.experiment(f"dots {path}") is None


def test_a_method_override_is_refused(server: Server) -> None:
    response = server.client.post(
        "/api/2.0/mlflow/experiments/search",
        headers={**server.reader("req-override"), "X-HTTP-Method-Override": "DELETE"},
        json={},
    )
    assert refusal(response) == (400, "method-override")
    [event] = server.events("req-override")
    assert event["refusal"] == "method-override"


def test_reads_pass_and_are_not_audited(server: Server) -> None:
    response = server.client.post("/api/2.0/mlflow/experiments/search", headers=server.reader("req-read"), json={"max_results": 10})
    assert response.status_code == 200
    assert server.client.get("/api/3.0/mlflow/server-info", headers=server.reader("req-read")).status_code == 200
    assert server.events("req-read") == []


def test_pyproject_declares_the_mlflow_app() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    target = pyproject["project"]["entry-points"]["mlflow.app"]["sagemaker-studio-mlflow"]
    module, name = target.split(":")
    factory = getattr(importlib.import_module(module), name)
    assert callable(factory) and factory.__name__ == "create_app"


def test_the_package_imports_without_mlflow() -> None:
    code = "import sys, sagemaker_studio_mlflow; assert 'mlflow' not in sys.modules, 'mlflow was imported'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
