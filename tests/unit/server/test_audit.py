"""The audit trail: which ids an event names, and what it never holds."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from sagemaker_studio_mlflow.server.audit import (
    MAX_READ_BYTES,
    AuditLogNotWritableError,
    add_answer_resources,
    audit_event,
    event_time,
    open_audit_log,
    request_resources,
)
from sagemaker_studio_mlflow.server.gate import StudioGate
from sagemaker_studio_mlflow.server.identity import Identity
from sagemaker_studio_mlflow.server.permissions import load_permission_model

from .asgi_client import Client
from .stand_ins import PROOF, Upstream, token

MODEL = load_permission_model()
OPS = MODEL.operations


def test_ids_come_from_the_path_the_query_and_the_body() -> None:
    match = MODEL.match("PATCH", "/api/3.0/mlflow/traces/tr-9/tags")
    assert match is not None
    resources = request_resources(
        match.operation, match.params, b"run_id=r1&experiment_id=3", b'{"trace_id": "other", "key": "k"}'
    )
    assert resources == {"trace_id": "tr-9", "run_id": "r1", "experiment_id": "3"}


def test_a_registry_name_is_the_model_name() -> None:
    body = json.dumps({"name": "churn", "version": "3", "stage": "Production", "archive_existing_versions": True})
    resources = request_resources(OPS["model-versions.transition-stage"], {}, b"", body.encode())
    assert resources == {"model_name": "churn", "version": "3", "stage": "Production"}
    # Elsewhere a name is not an id the trail keeps.
    assert request_resources(OPS["experiments.create"], {}, b"", b'{"name": "exp"}') == {}
    alias = request_resources(OPS["registered-models.delete-alias"], {}, b"name=churn&alias=champion", None)
    assert alias == {"model_name": "churn", "alias": "champion"}


def test_values_of_params_metrics_and_tags_are_never_ids() -> None:
    body = {
        "run_id": "r1",
        "params": [{"key": "lr", "value": "0.1"}],
        "metrics": [{"key": "loss", "value": 0.25, "step": 1}],
        "tags": [{"key": "mlflow.user", "value": "mallory"}],
        "key": "lr",
        "value": "secret-param-value",
        "experiment_id": {"nested": "x"},
        "version": True,
    }
    resources = request_resources(OPS["runs.log-batch"], {}, b"", json.dumps(body).encode())
    assert resources == {"run_id": "r1"}


def test_bad_bodies_name_nothing() -> None:
    for body in [b"", b"not json", b"[1, 2]", b'{"run_id": ', b"\xff\xfe"]:
        assert request_resources(OPS["runs.log-batch"], {}, b"", body) == {}
    large = json.dumps({"run_id": "r1", "pad": "x" * MAX_READ_BYTES}).encode()
    assert request_resources(OPS["runs.log-batch"], {}, b"", large) == {}
    long_id = ("x" * 600).encode()
    assert request_resources(OPS["runs.get"], {}, b"run_id=" + long_id, None) == {}


def test_an_answer_completes_the_ids_of_what_was_created() -> None:
    resources = {"model_name": "churn"}
    answer = {
        "model_version": {
            "name": "churn",
            "version": "4",
            "run_id": "r7",
            "tags": [{"key": "k", "value": "v"}],
        }
    }
    add_answer_resources(resources, OPS["model-versions.create"], json.dumps(answer).encode())
    assert resources == {"model_name": "churn", "version": "4", "run_id": "r7"}
    run = {"run": {"info": {"run_id": "r8", "experiment_id": "2"}, "data": {"params": [{"key": "run_id", "value": "p"}]}}}
    created: dict[str, str] = {}
    add_answer_resources(created, OPS["runs.create"], json.dumps(run).encode())
    assert created == {"run_id": "r8", "experiment_id": "2"}


def test_an_event_has_the_contracts_fields_in_order() -> None:
    event = audit_event(
        started=1764604800.1234,
        duration=0.0123456,
        request_id="req",
        principal="p",
        user="u",
        roles=("admins",),
        authorization="token",
        operation=OPS["experiments.create"],
        method="POST",
        path="/api/2.0/mlflow/experiments/create",
        resources={"experiment_id": "1"},
        status=403,
        refusal="permission",
    )
    assert list(event) == [
        "time", "requestId", "principal", "user", "roles", "authorization", "operation",
        "method", "path", "resources", "status", "refusal", "durationMs",
    ]
    assert event["time"] == "2025-12-01T16:00:00.123Z"
    assert event["durationMs"] == 12.346
    assert event_time(0) == "1970-01-01T00:00:00.000Z"


def test_lines_are_appended_whole(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text('{"earlier": true}\n')
    log = open_audit_log(str(path))
    threads = [
        threading.Thread(target=lambda i=i: [log.write({"n": i, "pad": "x" * 5000}) for _ in range(50)])
        for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.close()
    lines = path.read_text().splitlines()
    assert lines[0] == '{"earlier": true}'
    assert len(lines) == 401 and all(json.loads(line)["pad"] for line in lines[1:])


def test_a_new_log_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new" / "audit.jsonl"
    open_audit_log(str(path)).close()
    assert os.stat(path).st_mode & 0o077 == 0


def test_an_unwritable_log_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(AuditLogNotWritableError, match="file/audit.jsonl"):
        open_audit_log(str(blocker / "audit.jsonl"))


def test_standard_output(capfd: pytest.CaptureFixture[str]) -> None:
    log = open_audit_log("-")
    log.write({"a": 1})
    log.close()
    assert capfd.readouterr().out == '{"a":1}\n'


def test_no_secret_reaches_the_trail(tmp_path: Path) -> None:
    """Tokens, signatures, the proof and param values arrive; none is written."""
    bearer = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl"
    signature = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    sigv4 = (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/eu-west-1/execute-api/aws4_request, "
        f"SignedHeaders=host;x-amz-date, Signature={signature}"
    )
    session_token = "FwoGZXIvYXdzEXAMPLE-session-token"
    param_value = "learning-rate-0.000123-very-secret"
    metric_value = 0.98765
    audit_path = tmp_path / "audit.jsonl"
    upstream = Upstream(answer={"run": {"info": {"run_id": "r1"}, "data": {"params": [{"value": param_value}]}}})
    app = StudioGate(
        upstream,
        model=MODEL,
        identities={"arn:aws:iam::000000000000:user/admin": Identity("admin", ("admins",))},
        proofs=[PROOF],
        audit=open_audit_log(str(audit_path)),
    )
    client = Client(app)
    secrets = {"Authorization": f"Bearer {bearer}", "Cookie": f"token={bearer}"}
    signed = {"Authorization": sigv4, "X-Amz-Security-Token": session_token}
    batch = {
        "run_id": "r1",
        "params": [{"key": "lr", "value": param_value}],
        "metrics": [{"key": "acc", "value": metric_value, "timestamp": 1, "step": 0}],
        "tags": [{"key": "note", "value": param_value}],
    }
    log_batch = "/api/2.0/mlflow/runs/log-batch"
    sent = [
        client.post(log_batch, headers={**token("alice", "admins"), **secrets}, json=batch),
        client.post(log_batch, headers={**token("bob", "readers"), **signed}, json=batch),
        client.post(log_batch, headers={**signed, "X-Gateway-Proof": PROOF[:-1]}, json=batch),
        client.post(
            "/api/2.0/mlflow/runs/create",
            headers={
                **signed,
                "X-Gateway-Authorization": "iam",
                "X-Gateway-Principal": "arn:aws:iam::000000000000:user/admin",
                "X-Gateway-Proof": PROOF,
            },
            json={"experiment_id": "0", "tags": [{"key": "mlflow.user", "value": param_value}]},
        ),
        client.request(
            "DELETE",
            f"/api/2.0/mlflow-artifacts/artifacts/0/r1/artifacts/x?token={bearer}",
            headers={**token("alice", "admins"), **secrets},
        ),
    ]
    assert [r.status_code for r in sent] == [200, 403, 401, 200, 200]
    text = audit_path.read_text()
    assert len(text.splitlines()) == 5
    for secret in [bearer, signature, "AWS4-HMAC-SHA256", session_token, PROOF, PROOF[:-1], param_value, str(metric_value)]:
        assert secret not in text, secret
    events = [json.loads(line) for line in text.splitlines()]
    assert [e["status"] for e in events] == [200, 403, 401, 200, 200]
    assert events[3]["user"] == "admin" and events[3]["resources"] == {"experiment_id": "0", "run_id": "r1"}
