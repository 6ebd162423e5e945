"""The second gate, around a stand-in for MLflow that records what reaches it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from sagemaker_studio_mlflow.server.audit import open_audit_log
from sagemaker_studio_mlflow.server.gate import MAX_BODY_BYTES, StudioGate
from sagemaker_studio_mlflow.server.identity import Identity
from sagemaker_studio_mlflow.server.permissions import load_permission_model
from sagemaker_studio_mlflow.server.refusal import REFUSAL_HEADER

from .asgi_client import Client
from .stand_ins import PROOF, Upstream, token

PREVIOUS = "previous-proof-0123456789abcdef0123456789abcdef"
READER_ARN = "arn:aws:iam::000000000000:user/reader"
IDENTITIES = {READER_ARN: Identity("reader", ("readers",))}
CREATE = "/api/2.0/mlflow/experiments/create"
SEARCH = "/api/2.0/mlflow/runs/search"


@dataclass
class Hooks:
    claims: list[tuple[str, str, bytes]] = field(default_factory=list)
    records: list[tuple[str, str, bytes]] = field(default_factory=list)

    def claim(self, operation_id: str, user: str, body: bytes) -> bytes:
        self.claims.append((operation_id, user, body))
        data = json.loads(body)
        data["author"] = user
        return json.dumps(data).encode()

    def record(self, operation_id: str, user: str, answer: bytes) -> None:
        self.records.append((operation_id, user, answer))


@dataclass
class Gate:
    client: Client
    upstream: Upstream
    hooks: Hooks
    audit_path: Path

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.audit_path.read_text().splitlines()]


@pytest.fixture
def gate(tmp_path: Path) -> Iterator[Gate]:
    upstream = Upstream()
    hooks = Hooks()
    audit_path = tmp_path / "audit" / "audit.jsonl"
    audit = open_audit_log(str(audit_path))
    app = StudioGate(
        upstream,
        model=load_permission_model(),
        identities=IDENTITIES,
        proofs=[PROOF, PREVIOUS],
        audit=audit,
        claim_authorship=hooks.claim,
        record_authorship=hooks.record,
    )
    yield Gate(Client(app), upstream, hooks, audit_path)
    audit.close()


def iam(arn: str, proof: str = PROOF) -> dict[str, str]:
    return {
        "X-Gateway-Authorization": "iam",
        "X-Gateway-Principal": arn,
        "X-Gateway-Roles": "admins",
        "X-Gateway-Request-Id": "req-iam",
        "X-Gateway-Proof": proof,
    }


def refusal(response: Any) -> tuple[int, str, str]:
    return (
        response.status_code,
        response.headers.get(REFUSAL_HEADER),
        response.json()["error_code"],
    )


def test_health_needs_no_proof(gate: Gate) -> None:
    assert gate.client.get("/health").status_code == 200
    assert len(gate.upstream.received) == 1
    assert not gate.audit_path.read_text()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {k: v for k, v in token("alice", "admins").items() if k != "X-Gateway-Proof"},
        token("alice", "admins", proof="wrong-proof-0123456789abcdef0123456789ab"),
        token("alice", "admins", proof=PROOF[:-1]),
    ],
    ids=["nothing", "forged identity without proof", "wrong proof", "truncated proof"],
)
def test_without_the_proof_nothing_passes(gate: Gate, headers: dict[str, str]) -> None:
    for method, path in [("GET", "/version"), ("POST", CREATE), ("GET", "/")]:
        response = gate.client.request(method, path, headers=headers, json={"name": "x"})
        assert refusal(response) == (401, "proof", "UNAUTHENTICATED")
    assert gate.upstream.received == []
    event = gate.events()[1]
    assert event["status"] == 401 and event["refusal"] == "proof"
    # Headers a client could forge name nobody in the trail.
    assert (event["principal"], event["user"], event["roles"], event["requestId"]) == (None, None, [], None)


def test_a_repeated_gateway_header_is_no_proof(gate: Gate) -> None:
    headers = list(token("alice", "readers").items()) + [("x-gateway-roles", "admins")]
    response = gate.client.post(CREATE, headers=headers, json={"name": "x"})
    assert refusal(response) == (401, "proof", "UNAUTHENTICATED")


def test_the_previous_proof_is_accepted(gate: Gate) -> None:
    response = gate.client.post(SEARCH, headers=token("reader", "readers", proof=PREVIOUS), json={})
    assert response.status_code == 200


@pytest.mark.parametrize("header", ["X-HTTP-Method-Override", "x-http-method", "X-Method-Override"])
def test_method_overrides_are_refused(gate: Gate, header: str) -> None:
    response = gate.client.post(SEARCH, headers={**token("alice", "admins"), header: "DELETE"}, json={})
    assert refusal(response) == (400, "method-override", "INVALID_PARAMETER_VALUE")
    assert gate.upstream.received == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/2.0/mlflow/users/list"),
        ("GET", "/api/2.0/mlflow/runs/get/"),
        ("POST", "/api/2.0/mlflow/experiments/%2e/create"),
        ("POST", "/api/2.0/mlflow/runs/%2e%2e/experiments/create"),
        ("POST", "/api/2.0/mlflow/experiments%5Ccreate"),
        ("OPTIONS", SEARCH),
    ],
)
def test_what_the_model_does_not_know_is_refused(gate: Gate, method: str, path: str) -> None:
    response = gate.client.request(method, path, headers=token("alice", "admins"))
    assert refusal(response) == (404, "unknown-route", "ENDPOINT_NOT_FOUND")
    assert gate.upstream.received == []
    assert gate.events()[0]["operation"] is None


def test_a_role_without_the_operation_is_refused(gate: Gate) -> None:
    response = gate.client.post(
        "/api/2.0/mlflow/experiments/delete",
        headers=token("bob", "readers"),
        json={"experiment_id": "7"},
    )
    assert refusal(response) == (403, "permission", "PERMISSION_DENIED")
    # In words, from the permission model, with the caller's roles and whom to ask.
    assert response.json()["message"] == (
        "You may not delete an experiment (experiments.delete). Your roles: readers. "
        "Roles that may: admins. Ask your MLflow administrator to add you to one of them."
    )
    assert gate.upstream.received == [] and gate.hooks.claims == []
    [event] = gate.events()
    assert event["operation"] == "experiments.delete"
    assert event["resources"] == {"experiment_id": "7"}
    assert (event["user"], event["roles"], event["refusal"]) == ("bob", ["readers"], "permission")


def test_an_encoded_letter_or_separator_is_decided_as_mlflow_routes_it(gate: Gate) -> None:
    for raw in ["/api/2.0/mlflow/experiments/d%65lete", "/api/2.0/mlflow/experiments%2Fdelete"]:
        response = gate.client.post(raw, headers=token("bob", "readers"), json={"experiment_id": "7"})
        assert refusal(response) == (403, "permission", "PERMISSION_DENIED"), raw
        assert "experiments.delete" in response.json()["message"]
    assert gate.upstream.received == []


def test_an_iam_caller_gets_the_roles_of_the_identity_table(gate: Gate) -> None:
    # The roles header says admins; the table says readers.
    response = gate.client.post(CREATE, headers=iam(READER_ARN), json={"name": "x"})
    assert refusal(response) == (403, "permission", "PERMISSION_DENIED")
    unknown = gate.client.post(SEARCH, headers=iam("arn:aws:iam::000000000000:user/nobody"), json={})
    assert refusal(unknown) == (403, "permission", "PERMISSION_DENIED")
    assert "You may not search runs (runs.search). Your roles: none." in unknown.json()["message"]
    assert gate.client.post(SEARCH, headers=iam(READER_ARN), json={}).status_code == 200


def test_an_allowed_write_passes_through_the_authorship_hook(gate: Gate) -> None:
    gate.upstream.answer = {"experiment_id": "12"}
    response = gate.client.post(CREATE, headers=token("alice", "admins"), json={"name": "exp", "author": "mallory"})
    assert response.status_code == 200 and response.json() == {"experiment_id": "12"}
    [(scope, body)] = gate.upstream.received
    assert json.loads(body) == {"name": "exp", "author": "alice"}
    assert dict(scope["headers"])[b"content-length"] == str(len(body)).encode()
    # MLflow ignores the gateway's headers, but they stay.
    assert dict(scope["headers"])[b"x-gateway-principal"] == b"alice"
    assert gate.hooks.claims[0][:2] == ("experiments.create", "alice")
    assert gate.hooks.records == [("experiments.create", "alice", b'{"experiment_id": "12"}')]
    [event] = gate.events()
    assert event["operation"] == "experiments.create" and event["status"] == 200
    assert event["resources"] == {"experiment_id": "12"}
    assert "refusal" not in event
    assert event["requestId"] == "req-1" and event["authorization"] == "token"
    assert isinstance(event["durationMs"], float) and event["time"].endswith("Z")


def test_a_failed_write_is_audited_with_its_status_and_not_recorded(gate: Gate) -> None:
    gate.upstream.status = 400
    response = gate.client.post(CREATE, headers=token("alice", "admins"), json={"name": "exp"})
    assert response.status_code == 400
    assert gate.hooks.records == []
    [event] = gate.events()
    assert (event["status"], "refusal" in event) == (400, False)


def test_mlflows_own_refusals_are_audited(gate: Gate) -> None:
    gate.upstream.status = 403
    assert gate.client.post(SEARCH, headers=token("alice", "admins"), json={}).status_code == 403
    [event] = gate.events()
    assert (event["operation"], event["status"], "refusal" in event) == ("runs.search", 403, False)


def test_reads_are_not_audited(gate: Gate) -> None:
    assert gate.client.post(SEARCH, headers=token("alice", "readers"), json={}).status_code == 200
    assert gate.client.get("/api/2.0/mlflow/runs/get?run_id=r1", headers=token("alice", "readers")).status_code == 200
    assert not gate.audit_path.read_text()
    assert gate.hooks.claims == []


def test_a_body_larger_than_the_gateway_allows_is_refused(gate: Gate) -> None:
    body = b'{"name": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = gate.client.post(CREATE, headers=token("alice", "admins"), content=body)
    assert refusal(response) == (413, "payload", "INVALID_PARAMETER_VALUE")
    assert gate.upstream.received == []


def gate_around(upstream: Any, tmp_path: Path) -> StudioGate:
    return StudioGate(
        upstream,
        model=load_permission_model(),
        identities={},
        proofs=[PROOF],
        audit=open_audit_log(str(tmp_path / "a.jsonl")),
    )


def run_scope(app: StudioGate, scope: Scope, incoming: list[Message]) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def websocket_scope(headers: dict[str, str]) -> Scope:
    return {
        "type": "websocket",
        "path": "/ws",
        "raw_path": b"/ws",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }


def test_a_websocket_without_proof_is_closed_before_it_is_accepted(tmp_path: Path) -> None:
    reached: list[Scope] = []

    async def upstream(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(scope)

    app = gate_around(upstream, tmp_path)
    forged = {k: v for k, v in token("alice", "admins").items() if k != "X-Gateway-Proof"}
    sent = run_scope(app, websocket_scope(forged), [{"type": "websocket.connect"}])
    assert sent == [{"type": "websocket.close", "code": 1008}]
    assert reached == []
    [line] = (tmp_path / "a.jsonl").read_text().splitlines()
    assert json.loads(line)["refusal"] == "proof"

    run_scope(app, websocket_scope(token("alice", "admins")), [])
    assert len(reached) == 1


def test_lifespan_passes_through_untouched(tmp_path: Path) -> None:
    reached: list[Message] = []

    async def upstream(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(await receive())
        await send({"type": "lifespan.startup.complete"})

    app = gate_around(upstream, tmp_path)
    sent = run_scope(app, {"type": "lifespan"}, [{"type": "lifespan.startup"}])
    assert reached == [{"type": "lifespan.startup"}]
    assert sent == [{"type": "lifespan.startup.complete"}]


def test_every_sample_is_decided_as_the_role_table_says(tmp_path: Path) -> None:
    """The access matrix, row for row: each role's sample requests pass or are refused."""
    from sagemaker_studio_mlflow.server.permissions import read_artifact

    artifact = read_artifact()
    upstream = Upstream()
    app = gate_around(upstream, tmp_path)

    async def decide(method: str, path: str, role: str) -> int:
        headers = [(k.lower().encode(), v.encode()) for k, v in token("u", role).items()]
        scope = {
            "type": "http",
            "method": method,
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": headers,
        }
        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.request", "body": b"{}", "more_body": False}

        async def send(message: Message) -> None:
            sent.append(message)

        await app(scope, receive, send)
        return int(sent[0]["status"])

    async def matrix() -> list[tuple[str, str, int]]:
        return [
            (sample["operation"], role, await decide(sample["method"], sample["path"], role))
            for sample in artifact["samples"]
            for role in artifact["roles"]
        ]

    decided = asyncio.run(matrix())
    assert len(decided) > 1000
    public = {op["id"] for op in artifact["operations"] if op["access"] == "public"}
    for operation, role, status in decided:
        allowed = operation in artifact["roles"][role] or operation in public
        if allowed and operation.startswith("access."):
            # Team permissions' own API: without the auth app, not set up (503), never MLflow's.
            assert status == 503, (operation, role)
            continue
        assert status == (200 if allowed else 403), (operation, role)
    assert {status for _, _, status in decided} == {200, 403, 503}
