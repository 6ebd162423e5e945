"""Whom notebooks act as: the signed identity call, against a loopback gateway that checks SigV4."""

from __future__ import annotations

import datetime
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sagemaker_studio_mlflow import kernel_identity
from sagemaker_studio_mlflow.kernel_identity import fetch_identity, kernel_environment
from sagemaker_studio_mlflow.sigv4 import PROVIDER_NAME

from .conftest import ACCESS_KEY, REGION, SECRETS
from .sigv4_verifier import SignatureMismatch, verify

READER = {
    "principal": "arn:aws:sts::123456789012:assumed-role/demo-mlflow-readers/SageMaker",
    "user": "readers (shared execution role)",
    "roles": ["readers"],
    "operations": ["experiments.get", "runs.search"],
}


@dataclass
class IdentityGateway:
    """Answers ``GET /prod/iam/identity`` with ``answer`` to a valid signature, else 403."""

    url: str = ""
    status: int = 200
    answer: Any = field(default_factory=lambda: dict(READER))
    seen: list[tuple[str, str | None]] = field(default_factory=list)


@pytest.fixture
def gateway() -> Iterator[IdentityGateway]:
    state = IdentityGateway()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            headers = {name.lower(): self.headers.get_all(name) for name in self.headers}
            try:
                verified = verify(
                    method="GET",
                    target=self.path,
                    headers=headers,
                    body=b"",
                    secrets=SECRETS,
                    region=REGION,
                    service="execute-api",
                    now=datetime.datetime.now(datetime.timezone.utc),
                )
                state.seen.append((self.path, verified.access_key))
                status, reply = state.status, state.answer
            except (SignatureMismatch, ValueError) as error:
                state.seen.append((self.path, None))
                status, reply = 403, {"error_code": "PERMISSION_DENIED", "message": str(error)}
            payload = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/prod/"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(autouse=True)
def fresh_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's credentials, not a session kept from another test."""
    monkeypatch.setattr(kernel_identity, "_session", None)


def kernel_env(url: str, **extra: str) -> dict[str, str]:
    return {"MLFLOW_TRACKING_URI": url, "MLFLOW_TRACKING_AUTH": PROVIDER_NAME, "AWS_REGION": REGION, **extra}


def test_the_gateway_names_the_kernels_role_for_a_signed_call(gateway: IdentityGateway) -> None:
    answer = fetch_identity(kernel_env(gateway.url))
    assert answer == {"kind": "ok", "gatewayUrl": gateway.url, "identity": READER}
    # Signed with the credentials kernels sign with, at the gateway's identity path.
    assert gateway.seen == [("/prod/iam/identity", ACCESS_KEY)]


def test_the_kernel_spec_env_wins_over_the_servers() -> None:
    assert kernel_environment(
        {"MLFLOW_TRACKING_URI": "https://server/", "HOME": "/home/u"},
        {"MLFLOW_TRACKING_URI": "https://kernel/"},
    ) == {"MLFLOW_TRACKING_URI": "https://kernel/", "HOME": "/home/u"}


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({}, "MLFLOW_TRACKING_URI is not set"),
        ({"MLFLOW_TRACKING_URI": "databricks"}, "MLFLOW_TRACKING_URI is not set"),
        ({"MLFLOW_TRACKING_URI": "https://gw/prod/"}, f"set MLFLOW_TRACKING_AUTH={PROVIDER_NAME}"),
        (
            {"MLFLOW_TRACKING_URI": "https://gw/prod/", "MLFLOW_TRACKING_AUTH": PROVIDER_NAME},
            "AWS_REGION (the gateway's region) is not set",
        ),
    ],
    ids=["no tracking URI", "not a gateway", "not signing", "no region"],
)
def test_notebooks_not_set_up_to_sign_are_told_what_to_set(environ: dict[str, str], words: str) -> None:
    answer = fetch_identity(environ)
    assert answer["kind"] == "not-configured"
    assert words in answer["message"]  # type: ignore[typeddict-item]


def test_no_credentials_is_said_in_words(monkeypatch: pytest.MonkeyPatch, gateway: IdentityGateway) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    answer = fetch_identity(kernel_env(gateway.url))
    assert answer["kind"] == "not-configured"
    assert "no AWS credentials" in answer["message"]  # type: ignore[typeddict-item]
    assert gateway.seen == []


def test_a_gateway_that_does_not_answer_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/prod/"
    answer = fetch_identity(kernel_env(url), timeout=2)
    assert answer["kind"] == "unreachable"
    assert f"The MLflow gateway at {url} did not answer" in answer["message"]  # type: ignore[typeddict-item]


def test_a_refusal_gives_the_gateways_own_words(gateway: IdentityGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    answer = fetch_identity(kernel_env(gateway.url))
    assert answer["kind"] == "refused"
    assert answer["message"].startswith(  # type: ignore[typeddict-item]
        "The MLflow gateway refused the notebooks' credentials: "
    )
    assert "signature" in answer["message"].lower()  # type: ignore[typeddict-item]


@pytest.mark.parametrize(
    ("status", "answer", "words"),
    [
        (200, {"principal": "x"}, "gave an answer that names no identity"),
        (200, ["not", "an", "object"], "gave an answer that names no identity"),
        (502, {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "MLflow is down."}, "MLflow is down."),
    ],
    ids=["incomplete", "not an object", "MLflow down"],
)
def test_an_answer_without_an_identity_fails_in_words(
    gateway: IdentityGateway, status: int, answer: Any, words: str
) -> None:
    gateway.status, gateway.answer = status, answer
    found = fetch_identity(kernel_env(gateway.url))
    assert found["kind"] == "failed"
    assert words in found["message"]  # type: ignore[typeddict-item]
