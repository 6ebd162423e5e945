"""MLflow's container image: the entry point (the backend store URI it builds from the task's
environment, our server app), the audit follower beside it, and what the Dockerfile installs.
The image itself is built by `cdk deploy` (Docker), not here."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

IMAGE_DIR = Path(__file__).resolve().parents[2] / "infra" / "mlflow-image"


def _load(name: str, file: str):
    spec = importlib.util.spec_from_file_location(name, IMAGE_DIR / file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


entrypoint = _load("mlflow_entrypoint", "entrypoint.py")
audit_follower = _load("audit_follower", "audit-follower.py")

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
    # psycopg2 by name: SQLAlchemy 2.1's plain `postgresql` is psycopg 3, which the image lacks.
    assert parts.scheme == "postgresql+psycopg2"
    assert parts.hostname == ENV["DB_HOST"]
    assert parts.port == 5432
    assert parts.path == "/mlflow"
    assert unquote(parts.password) == password
    assert unquote(parts.username) == "mlflow"
    # An unreachable database fails a request in seconds (a 503), not a hang.
    assert parts.query == "connect_timeout=5"


def test_the_local_stacks_sqlite_uri_is_used_only_without_a_database_host() -> None:
    sqlite = {"MLFLOW_BACKEND_STORE_URI": "sqlite:////tmp/mlflow.db"}
    assert entrypoint.backend_store_uri(sqlite) == "sqlite:////tmp/mlflow.db"
    uri = entrypoint.backend_store_uri({**ENV, "DB_PASSWORD": "secret", **sqlite})
    assert uri.startswith("postgresql+psycopg2://")
    with pytest.raises(SystemExit, match="DB_HOST"):
        entrypoint.backend_store_uri({})


def test_the_server_settings_are_the_entry_points_unless_the_environment_gives_its_own() -> None:
    settings = entrypoint.with_defaults({"STUDIO_MLFLOW_WORKERS": "2", "MLFLOW_SQLALCHEMYSTORE_POOL_SIZE": ""})
    assert settings["STUDIO_MLFLOW_WORKERS"] == "2"
    # MLflow's default pool (5 + 10) refuses past 15 concurrent requests a worker;
    # two connections for each of a worker's 40 threads: fewer deadlock under log_batch.
    pool = int(settings["MLFLOW_SQLALCHEMYSTORE_POOL_SIZE"]) + int(settings["MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW"])
    assert pool >= 80
    assert settings["MLFLOW_SQLALCHEMYSTORE_POOL_RECYCLE"] == "300"
    command = entrypoint.server_command({"STUDIO_MLFLOW_WORKERS": "2"})
    assert command[command.index("--workers") + 1] == "2"


@pytest.mark.parametrize("missing", ["DB_HOST", "DB_PASSWORD"])
def test_a_missing_setting_stops_the_container_naming_it(missing: str) -> None:
    env = {**ENV, "DB_PASSWORD": "secret"}
    env[missing] = ""
    with pytest.raises(SystemExit, match=missing):
        entrypoint.backend_store_uri(env)


def test_without_a_framing_policy_mlflow_starts_as_our_server_app_with_its_own_options_only() -> None:
    assert entrypoint.server_command({}) == [
        "mlflow", "server", "--app-name", "sagemaker-studio-mlflow", "--host", "0.0.0.0", "--port", "5000",
        "--workers", "4", "--uvicorn-opts", "--timeout-keep-alive 75",
    ]


@pytest.mark.parametrize("proof", [None, "", "  "])
def test_without_the_gateway_proof_the_container_stops_naming_it(
    proof: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {**ENV, "DB_PASSWORD": "secret"}.items():
        monkeypatch.setenv(name, value)
    if proof is None:
        monkeypatch.delenv("STUDIO_MLFLOW_GATEWAY_PROOF", raising=False)
    else:
        monkeypatch.setenv("STUDIO_MLFLOW_GATEWAY_PROOF", proof)
    monkeypatch.delenv("MLFLOW_BACKEND_STORE_URI", raising=False)
    started = []
    monkeypatch.setattr(entrypoint.os, "execvp", lambda *args: started.append(args))
    with pytest.raises(SystemExit, match="STUDIO_MLFLOW_GATEWAY_PROOF"):
        entrypoint.main()
    assert started == []


def test_with_the_gateway_proof_the_container_starts_mlflow_with_the_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {**ENV, "DB_PASSWORD": "secret", "STUDIO_MLFLOW_GATEWAY_PROOF": "p" * 48}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MLFLOW_BACKEND_STORE_URI", raising=False)
    monkeypatch.delenv("CONTENT_SECURITY_POLICY", raising=False)
    # What main() sets in the environment goes with the test.
    monkeypatch.setattr(entrypoint.os, "environ", dict(os.environ))
    monkeypatch.setattr(entrypoint.sys, "argv", ["mlflow-entrypoint", "--workers", "2"])
    started = []
    monkeypatch.setattr(entrypoint.os, "execvp", lambda *args: started.append(args))
    prepared = []
    monkeypatch.setattr(
        entrypoint.subprocess,
        "run",
        lambda command, check: prepared.append(command) or subprocess.CompletedProcess(command, 0),
    )
    entrypoint.main()
    # The container's command, if any, goes to `mlflow server` after ours.
    assert started == [("mlflow", [*entrypoint.server_command({}), "--workers", "2"])]
    assert os.environ["MLFLOW_BACKEND_STORE_URI"].startswith("postgresql+psycopg2://mlflow:secret@")
    # Before it, once: the auth store, in its own database beside MLflow's.
    assert prepared == [[entrypoint.sys.executable, "-m", "sagemaker_studio_mlflow.server.prepare"]]
    auth_uri = os.environ["STUDIO_MLFLOW_AUTH_DATABASE_URI"]
    assert auth_uri.startswith("postgresql+psycopg2://mlflow:secret@") and "/mlflow_auth?" in auth_uri


def test_a_framing_policy_on_two_lines_stops_the_container() -> None:
    with pytest.raises(SystemExit, match="one line"):
        entrypoint.server_command({"CONTENT_SECURITY_POLICY": "frame-ancestors 'self'\r\nX-Evil: 1"})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _our_app_is_installed() -> bool:
    apps = importlib.metadata.entry_points(group="mlflow.app")
    return entrypoint.APP_NAME in {app.name for app in apps}


@pytest.mark.skipif(not _our_app_is_installed(),
                    reason="the package's mlflow.app entry point is not installed: run scripts/setup.sh")
def test_the_real_server_refuses_requests_without_the_proof_and_lets_only_the_allowed_origins_frame_it(
    tmp_path: Path,
) -> None:
    """The command the container runs, with a real `mlflow server` (SQLite instead of Aurora)."""
    policy = "frame-ancestors 'self' https://d-abc.studio.us-east-1.sagemaker.aws"
    proof = "p" * 48
    port = _free_port()
    command = entrypoint.server_command({"CONTENT_SECURITY_POLICY": policy}, host="127.0.0.1", port=port)
    command[0] = str(Path(sys.executable).with_name("mlflow"))
    env = {
        **os.environ,
        "MLFLOW_BACKEND_STORE_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "MLFLOW_ARTIFACTS_DESTINATION": str(tmp_path / "artifacts"),
        "MLFLOW_SERVER_X_FRAME_OPTIONS": "NONE",
        "STUDIO_MLFLOW_GATEWAY_PROOF": proof,
        "STUDIO_MLFLOW_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
    }
    # What the gateway sends with a public route's request.
    gateway = {
        "X-Gateway-Proof": proof,
        "X-Gateway-Authorization": "none",
        "X-Gateway-Principal": "anonymous",
        "X-Gateway-Roles": "",
        "X-Gateway-Request-Id": "test-request",
    }
    # A file, not a pipe: reading a pipe of a server still running would block.
    log = tmp_path / "server.log"
    server = subprocess.Popen([*command, "--workers", "1"], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(
                    urllib.request.Request(f"http://127.0.0.1:{port}/", headers=gateway), timeout=5
                ) as answer:
                    headers = answer.headers
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"mlflow server did not start: {log.read_text()[-2000:]}")
                time.sleep(0.5)
        assert headers["Content-Security-Policy"] == policy
        assert headers["X-Frame-Options"] is None
        # Straight to the port, as anything in the VPC could: refused.
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/2.0/mlflow/experiments/search", timeout=5)
        assert refused.value.code == 401
        assert json.loads(refused.value.read())["error_code"] == "UNAUTHENTICATED"
        # The refusal's audit event, as the follower beside MLflow ships it.
        # The event is written once the answer is sent: give it a moment.
        shipped = _Out()
        follower = audit_follower.Follower(Path(env["STUDIO_MLFLOW_AUDIT_LOG"]), shipped)
        deadline = time.monotonic() + 10
        while True:
            follower.ship()
            if shipped.data or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        events = [json.loads(line) for line in shipped.data.splitlines()]
        assert [(event["status"], event.get("refusal"), event["path"]) for event in events] == [
            (401, "proof", "/api/2.0/mlflow/experiments/search")
        ]
        assert proof not in shipped.data.decode()
    finally:
        server.terminate()
        # MLflow takes 30 s and more to stop on a busy machine.
        server.wait(timeout=90)


def test_the_image_installs_our_wheel_after_the_hash_checked_lock_without_its_dependencies() -> None:
    dockerfile = (IMAGE_DIR / "Dockerfile").read_text()
    install = re.search(r"^RUN pip install [^\n]*--require-hashes[^\n]*-r /tmp/requirements\.lock \\\n"
                        r" && pip install --no-cache-dir --no-deps \"/tmp/wheel/\$PACKAGE_WHEEL\"", dockerfile, re.MULTILINE)
    assert install, "the wheel is installed right after the lock, with --no-deps"
    assert "COPY ${PACKAGE_WHEEL} /tmp/wheel/" in dockerfile
    # The follower ships the audit file from the folder both containers mount.
    assert re.search(r"^VOLUME \$\{AUDIT_DIR\}$", dockerfile, re.MULTILINE)
    assert re.search(r'chown mlflow:mlflow "\$AUDIT_DIR"', dockerfile)
    assert "COPY audit-follower.py /usr/local/bin/audit-follower\n" in dockerfile
    assert dockerfile.rstrip().endswith('ENTRYPOINT ["python", "/usr/local/bin/mlflow-entrypoint"]')
    assert "\nUSER mlflow\n" in dockerfile


def _event(number: int) -> bytes:
    return json.dumps({"requestId": f"r{number}", "status": 200}).encode() + b"\n"


class _Out:
    """Standard output as the awslogs driver sees it."""

    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes) -> int:
        self.data += data
        return len(data)

    def flush(self) -> None:
        pass


def test_the_follower_ships_each_complete_line_once(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    out = _Out()
    follower = audit_follower.Follower(audit, out)
    assert follower.ship() == 0  # MLflow has written nothing yet
    audit.write_bytes(_event(1) + _event(2) + b'{"requestId": "r3", "sta')
    assert follower.ship() == 2
    assert out.data == _event(1) + _event(2)
    with audit.open("ab") as file:
        file.write(b'tus": 200}\n')
    assert follower.ship() == 1
    assert follower.ship() == 0
    assert out.data.splitlines() == [_event(1).strip(), _event(2).strip(), b'{"requestId": "r3", "status": 200}']


def test_a_restarted_follower_goes_on_where_it_stopped(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    audit.write_bytes(_event(1) + _event(2))
    first = _Out()
    audit_follower.Follower(audit, first).ship()
    with audit.open("ab") as file:
        file.write(_event(3))
    second = _Out()
    audit_follower.Follower(audit, second).ship()
    assert first.data == _event(1) + _event(2)
    assert second.data == _event(3)


def test_the_follower_finishes_a_rotated_file_then_follows_the_new_one(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    audit.write_bytes(_event(1))
    out = _Out()
    follower = audit_follower.Follower(audit, out)
    follower.ship()
    with audit.open("ab") as file:
        file.write(_event(2))
    audit.rename(tmp_path / "audit.jsonl.1")
    audit.write_bytes(_event(3))
    follower.ship()
    assert out.data == _event(1) + _event(2) + _event(3)
    # A new follower (a restart) knows the new file is the one it got to.
    again = _Out()
    audit_follower.Follower(audit, again).ship()
    assert again.data == b""


def test_the_follower_follows_a_truncated_file_from_its_start(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    audit.write_bytes(_event(1) + _event(2))
    out = _Out()
    follower = audit_follower.Follower(audit, out)
    follower.ship()
    audit.write_bytes(_event(3))
    follower.ship()
    assert out.data == _event(1) + _event(2) + _event(3)


def test_a_follower_restarted_after_a_truncation_follows_the_file_from_its_start(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    audit.write_bytes(_event(1) + _event(2) + _event(3))
    audit_follower.Follower(audit, _Out()).ship()
    audit.write_bytes(_event(4))  # the same file, truncated and written while no follower ran
    out = _Out()
    audit_follower.Follower(audit, out).ship()
    assert out.data == _event(4)


def test_a_stopping_follower_ships_what_is_left_and_exits(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    follower = subprocess.Popen([sys.executable, str(IMAGE_DIR / "audit-follower.py")],
                                env={**os.environ, "STUDIO_MLFLOW_AUDIT_LOG": str(audit)},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        audit.write_bytes(_event(0))
        assert follower.stdout.readline() == _event(0)  # it is following
        with audit.open("ab") as file:
            for number in range(1, 1000):
                file.write(_event(number))
        follower.send_signal(signal.SIGTERM)
        out, err = follower.communicate(timeout=30)
    finally:
        follower.kill()
    assert follower.returncode == 0, err
    assert out == b"".join(_event(number) for number in range(1, 1000))


@pytest.mark.parametrize("setting", [None, "-"])
def test_the_follower_needs_the_audit_file_named(setting: str | None) -> None:
    env = {key: value for key, value in os.environ.items() if key != "STUDIO_MLFLOW_AUDIT_LOG"}
    if setting is not None:
        env["STUDIO_MLFLOW_AUDIT_LOG"] = setting
    ended = subprocess.run([sys.executable, str(IMAGE_DIR / "audit-follower.py")], env=env,
                           capture_output=True, timeout=30, check=False)
    assert ended.returncode != 0
    assert b"STUDIO_MLFLOW_AUDIT_LOG must name the audit file" in ended.stderr
