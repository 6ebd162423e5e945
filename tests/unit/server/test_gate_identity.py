"""``GET /iam/identity``: the gate tells a signed caller who it is, from the identity table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sagemaker_studio_mlflow.server.audit import open_audit_log
from sagemaker_studio_mlflow.server.gate import StudioGate
from sagemaker_studio_mlflow.server.identity import IDENTITY_PATH, Identity
from sagemaker_studio_mlflow.server.permissions import load_permission_model
from sagemaker_studio_mlflow.server.refusal import REFUSAL_HEADER

from .asgi_client import Client
from .stand_ins import PROOF, Upstream, token

ROLE = "arn:aws:sts::123456789012:assumed-role/demo-mlflow-readers"
SESSION = f"{ROLE}/SageMaker"


def iam(arn: str, proof: str = PROOF) -> dict[str, str]:
    return {
        "X-Gateway-Authorization": "iam",
        "X-Gateway-Principal": arn,
        "X-Gateway-Roles": "admins",
        "X-Gateway-Request-Id": "req-identity",
        "X-Gateway-Proof": proof,
    }


@pytest.fixture
def gate(tmp_path: Path) -> Iterator[tuple[Client, Upstream]]:
    upstream = Upstream()
    audit = open_audit_log(str(tmp_path / "audit.jsonl"))
    app = StudioGate(
        upstream,
        model=load_permission_model(),
        identities={ROLE: Identity("readers (shared execution role)", ("readers",))},
        proofs=[PROOF],
        audit=audit,
    )
    yield Client(app), upstream
    audit.close()


def test_a_signed_caller_learns_its_user_roles_and_operations(gate: tuple[Client, Upstream]) -> None:
    client, upstream = gate
    response = client.get(IDENTITY_PATH, headers=iam(SESSION))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    answer = response.json()
    # The roles are the table's, not the roles header's.
    assert answer["principal"] == SESSION
    assert answer["user"] == "readers (shared execution role)"
    assert answer["roles"] == ["readers"]
    assert "runs.search" in answer["operations"]
    assert "experiments.create" not in answer["operations"]
    assert "server.health" not in answer["operations"]  # public: anyone's
    assert answer["operations"] == sorted(answer["operations"])
    # MLflow itself never sees the request.
    assert upstream.received == []


def test_a_principal_the_table_does_not_know_has_no_roles(gate: tuple[Client, Upstream]) -> None:
    client, _ = gate
    answer = client.get(IDENTITY_PATH, headers=iam("arn:aws:iam::123456789012:user/someone")).json()
    assert answer == {
        "principal": "arn:aws:iam::123456789012:user/someone",
        "user": "arn:aws:iam::123456789012:user/someone",
        "roles": [],
        "teams": [],
        "operations": [],
    }


@pytest.mark.parametrize(
    ("headers", "status", "reason"),
    [
        ({}, 401, "proof"),
        (iam(SESSION, proof="wrong-proof-0123456789abcdef0123456789ab"), 401, "proof"),
        # A token caller has /auth/permissions; here it finds nothing.
        (token("alice", "admins"), 404, "unknown-route"),
    ],
    ids=["no proof", "wrong proof", "token caller"],
)
def test_only_a_signed_caller_through_the_gateway_is_answered(
    gate: tuple[Client, Upstream], headers: dict[str, str], status: int, reason: str
) -> None:
    client, upstream = gate
    response = client.get(IDENTITY_PATH, headers=headers)
    assert (response.status_code, response.headers.get(REFUSAL_HEADER)) == (status, reason)
    assert "operations" not in response.json()
    assert upstream.received == []


def test_other_methods_are_no_operation(gate: tuple[Client, Upstream]) -> None:
    client, _ = gate
    response = client.post(IDENTITY_PATH, headers=iam(SESSION))
    assert (response.status_code, response.headers.get(REFUSAL_HEADER)) == (404, "unknown-route")
