"""The MLflow container's entry point: the backend store URI it builds from the task's environment."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ENTRYPOINT = Path(__file__).resolve().parents[2] / "infra" / "mlflow-image" / "entrypoint.py"
spec = importlib.util.spec_from_file_location("mlflow_entrypoint", ENTRYPOINT)
entrypoint = importlib.util.module_from_spec(spec)
spec.loader.exec_module(entrypoint)

ENV = {
    "DB_HOST": "db.cluster-abc.us-east-1.rds.amazonaws.com",
    "DB_PORT": "5432",
    "DB_NAME": "mlflow",
    "DB_USER": "mlflow",
}


def test_a_password_with_any_characters_survives_the_uri() -> None:
    password = "p@ss:w/o#rd?%&=+ "
    uri = entrypoint.backend_store_uri({**ENV, "DB_PASSWORD": password})
    parts = urlsplit(uri)
    assert parts.scheme == "postgresql"
    assert parts.hostname == ENV["DB_HOST"]
    assert parts.port == 5432
    assert parts.path == "/mlflow"
    assert unquote(parts.password) == password
    assert unquote(parts.username) == "mlflow"


@pytest.mark.parametrize("missing", ["DB_HOST", "DB_PASSWORD"])
def test_a_missing_setting_stops_the_container_naming_it(missing: str) -> None:
    env = {**ENV, "DB_PASSWORD": "secret"}
    env[missing] = ""
    with pytest.raises(SystemExit, match=missing):
        entrypoint.backend_store_uri(env)


def test_without_a_framing_policy_mlflow_starts_with_its_own_options_only() -> None:
    assert entrypoint.server_command({}) == ["mlflow", "server", "--host", "0.0.0.0", "--port", "5000"]


def test_a_framing_policy_on_two_lines_stops_the_container() -> None:
    with pytest.raises(SystemExit, match="one line"):
        entrypoint.server_command({"CONTENT_SECURITY_POLICY": "frame-ancestors 'self'\r\nX-Evil: 1"})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_real_server_lets_only_the_allowed_origins_frame_it(tmp_path: Path) -> None:
    """The command the container runs, with a real `mlflow server` (SQLite instead of Aurora)."""
    policy = "frame-ancestors 'self' https://d-abc.studio.us-east-1.sagemaker.aws"
    port = _free_port()
    command = entrypoint.server_command({"CONTENT_SECURITY_POLICY": policy}, host="127.0.0.1", port=port)
    command[0] = str(Path(sys.executable).with_name("mlflow"))
    env = {
        **os.environ,
        "MLFLOW_BACKEND_STORE_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "MLFLOW_ARTIFACTS_DESTINATION": str(tmp_path / "artifacts"),
        "MLFLOW_SERVER_X_FRAME_OPTIONS": "NONE",
    }
    # A file, not a pipe: reading a pipe of a server still running would block.
    log = tmp_path / "server.log"
    server = subprocess.Popen([*command, "--workers", "1"], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    headers = answer.headers
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"mlflow server did not start: {log.read_text()[-2000:]}")
                time.sleep(0.5)
        assert headers["Content-Security-Policy"] == policy
        assert headers["X-Frame-Options"] is None
    finally:
        server.terminate()
        server.wait(timeout=30)
