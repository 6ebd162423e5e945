"""Fixtures: AWS settings of the tests' own, and a loopback server that checks SigV4."""

from __future__ import annotations

import datetime
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sagemaker_studio_mlflow import sigv4

from .sigv4_verifier import SignatureMismatch, Verified, verify

REGION = "eu-west-1"
ACCESS_KEY = "AKIDUNITTEST0000001"
SECRET_KEY = "unit/test+secret/key0000000000000000001"
# Temporary credentials, as a role gives them.
TEMP_ACCESS_KEY = "ASIAUNITTEST000002"
TEMP_SECRET_KEY = "unit/test+secret/key0000000000000000002"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLE//session+token="
SECRETS = {ACCESS_KEY: SECRET_KEY, TEMP_ACCESS_KEY: TEMP_SECRET_KEY}


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[None]:
    """Only the tests' credentials and region: no profile, no files, no metadata service."""
    import os

    for name in list(os.environ):
        if name.startswith(("AWS_", "MLFLOW_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", REGION)
    sigv4._resolved.clear()
    yield
    sigv4._resolved.clear()


@dataclass
class Received:
    method: str
    target: str
    headers: dict[str, list[str]]
    body: bytes
    verified: Verified | None = None
    refusal: str | None = None


@dataclass
class Gateway:
    """What the loopback gateway received, in order."""

    url: str
    received: list[Received] = field(default_factory=list)

    @property
    def last(self) -> Received:
        return self.received[-1]


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        body = bytearray()
        while True:
            size = int(handler.rfile.readline().split(b";")[0], 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(body)
            body += handler.rfile.read(size)
            handler.rfile.readline()
    return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    """An HTTP server on 127.0.0.1 that answers 200 ``{}`` to a valid signature, else 403."""
    state = Gateway(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _handle(self) -> None:
            headers: dict[str, list[str]] = {}
            for name in self.headers:
                headers.setdefault(name.lower(), self.headers.get_all(name))
            received = Received(self.command, self.path, headers, _read_body(self))
            try:
                received.verified = verify(
                    method=self.command,
                    target=self.path,
                    headers=headers,
                    body=received.body,
                    secrets=SECRETS,
                    region=REGION,
                    service="execute-api",
                    now=datetime.datetime.now(datetime.timezone.utc),
                )
                status, reply = 200, {}
            except (SignatureMismatch, ValueError) as error:
                received.refusal = str(error)
                status, reply = 403, {"error_code": "PERMISSION_DENIED", "message": str(error)}
            state.received.append(received)
            payload = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
