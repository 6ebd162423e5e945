"""The reachability probe, against real sockets on 127.0.0.1.

A listening socket stands in for an MLflow that can be reached directly, a
port nobody listens on for a sealed one, and an HTTP server for the gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sagemaker_studio_mlflow import reachability
from sagemaker_studio_mlflow.reachability import (
    SettingsError,
    host_addresses,
    main,
    subnet,
)

ROOT = Path(__file__).resolve().parents[2]
LIFECYCLE_SCRIPT = ROOT / "lifecycle-config" / "install-extension.sh"


@pytest.fixture
def no_settings_file(tmp_path: Path) -> list[str]:
    """Flags that keep the probe off any settings file of this machine."""
    return ["--settings", str(tmp_path / "no-reachability.json")]


def serve(status: int) -> tuple[ThreadingHTTPServer, threading.Thread]:
    class Gateway(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            # Only MLflow's health route, under the stage, answers 200.
            code = status if self.path == "/prod/health" else 404
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, thread


@contextlib.contextmanager
def gateway_answering(status: int) -> Iterator[str]:
    """A gateway whose health route answers `status`, at its stage's URL."""
    server, thread = serve(status)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/prod/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def gateway() -> Iterator[str]:
    """A gateway whose health route answers 200."""
    with gateway_answering(200) as url:
        yield url


@pytest.fixture
def broken_gateway() -> Iterator[str]:
    """A gateway that answers, but not 200 (MLflow behind it is down)."""
    with gateway_answering(502) as url:
        yield url


@pytest.fixture
def reachable_port() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts connections: MLflow reachable without the gateway."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(64)
        yield listening.getsockname()[1]


@pytest.fixture
def sealed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rows_of(output: str) -> list[list[str]]:
    """The table's rows, cells split on the two-space column gaps."""
    table = output.split("\n\n")[0]
    return [[cell.strip() for cell in line.split("  ") if cell.strip()] for line in table.splitlines()]


def test_a_task_address_that_accepts_connections_is_a_bypass(
    gateway: str, reachable_port: int, no_settings_file: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--gateway-url", gateway, "--subnet", "127.0.0.1/32", "--port", str(reachable_port),
                 *no_settings_file])
    output = capsys.readouterr().out
    assert code == 1, output
    rows = rows_of(output)
    assert ["task subnet", "127.0.0.1", str(reachable_port), "connected", "BYPASS"] in rows
    assert ["task subnet", "127.0.0.1/32 (1 address)", str(reachable_port), "1 connected", "BYPASS"] in rows
    assert output.splitlines()[-1].startswith("BYPASS: 1 direct attempt(s) connected.")


def test_a_load_balancer_that_accepts_connections_is_a_bypass(
    gateway: str, reachable_port: int, sealed_port: int, no_settings_file: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The listener's port answers, MLflow's port does not: one bypass is enough.
    code = main(["--gateway-url", gateway, "--load-balancer", f"127.0.0.1:{reachable_port}",
                 "--port", str(sealed_port), *no_settings_file])
    rows = rows_of(capsys.readouterr().out)
    assert code == 1
    assert ["load balancer", "127.0.0.1", str(reachable_port), "connected", "BYPASS"] in rows
    assert ["load balancer", "127.0.0.1", str(sealed_port), "refused", "ok"] in rows


def test_a_bypass_counts_even_when_the_gateway_does_not_answer(
    sealed_port: int, reachable_port: int, no_settings_file: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--gateway-url", f"http://127.0.0.1:{sealed_port}/prod/", "--subnet", "127.0.0.1/32",
                 "--port", str(reachable_port), *no_settings_file])
    assert code == 1, capsys.readouterr().out


def test_only_the_gateway_answering_is_sealed(
    gateway: str, sealed_port: int, no_settings_file: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--gateway-url", gateway, "--load-balancer", f"127.0.0.1:{sealed_port}",
                 "--subnet", "127.0.0.0/30", "--port", str(sealed_port), *no_settings_file])
    output = capsys.readouterr().out
    assert code == 0, output
    rows = rows_of(output)
    assert rows[0] == ["target", "address", "port", "result", "verdict"]
    assert rows[1] == ["gateway", f"{gateway}health", gateway.split(":")[2].split("/")[0], "HTTP 200", "ok"]
    assert ["task subnet", "127.0.0.0/30 (2 addresses)", str(sealed_port), "2 refused", "ok"] in rows
    # The listener's port and MLflow's are one here: tried once.
    assert ["load balancer", "127.0.0.1", str(sealed_port), "refused", "ok"] in rows
    assert not [row for row in rows if "BYPASS" in row]
    assert output.splitlines()[-1].startswith("SEALED: only the gateway answers")


def test_no_gateway_means_the_check_was_not_made(
    sealed_port: int, no_settings_file: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{sealed_port}/prod/"
    code = main(["--gateway-url", url, "--subnet", "127.0.0.1/32", "--port", str(sealed_port), *no_settings_file])
    output = capsys.readouterr().out
    assert code == 2, output
    assert rows_of(output)[1][-1] == "no answer"
    assert output.splitlines()[-1].startswith(f"NOT CHECKED: the gateway did not answer 200 at {url}health")


def test_a_gateway_that_answers_but_not_200_is_not_enough(
    broken_gateway: str, sealed_port: int, no_settings_file: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--gateway-url", broken_gateway, "--subnet", "127.0.0.1/32", "--port", str(sealed_port),
                 *no_settings_file])
    output = capsys.readouterr().out
    assert code == 2
    assert ["gateway", f"{broken_gateway}health"] == rows_of(output)[1][:2]
    assert "HTTP 502" in rows_of(output)[1]


def test_a_load_balancer_name_that_does_not_resolve_is_not_checked(
    gateway: str, no_settings_file: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--gateway-url", gateway, "--load-balancer", "mlflow.invalid:80", *no_settings_file])
    output = capsys.readouterr().out
    assert code == 2, output
    assert rows_of(output)[2][:3] == ["load balancer", "mlflow.invalid", "80"]
    assert rows_of(output)[2][-1] == "unchecked"


def test_nothing_to_try_directly_is_not_a_pass(
    gateway: str, no_settings_file: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--gateway-url", gateway, *no_settings_file]) == 2
    assert "NOT CHECKED: nothing to try directly" in capsys.readouterr().out


def test_a_connection_that_never_completes_times_out(
    gateway: str, monkeypatch: pytest.MonkeyPatch, no_settings_file: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # What a security group's silent drop looks like from the caller.
    async def never(*args: object, **kwargs: object) -> None:
        await asyncio.sleep(60)

    monkeypatch.setattr(asyncio, "open_connection", never)
    code = main(["--gateway-url", gateway, "--subnet", "10.0.4.0/30", "--port", "5000", "--timeout", "0.05",
                 *no_settings_file])
    output = capsys.readouterr().out
    assert code == 0, output
    assert ["task subnet", "10.0.4.0/30 (2 addresses)", "5000", "2 timed out", "ok"] in rows_of(output)


def test_a_subnet_is_every_host_address_of_it() -> None:
    assert host_addresses(subnet("10.0.4.0/30")) == ["10.0.4.1", "10.0.4.2"]
    assert host_addresses(subnet("10.0.4.7/32")) == ["10.0.4.7"]
    addresses = host_addresses(subnet("10.0.4.0/22"))
    assert len(addresses) == 1022
    assert (addresses[0], addresses[-1]) == ("10.0.4.1", "10.0.7.254")


@pytest.mark.parametrize(("cidr", "says"), [
    ("10.0.0.0/21", "10.0.0.0/21 has 2,048 addresses; the probe scans subnets of at most 1,024 (an IPv4 /22)"),
    ("10.0.0.0/16", "10.0.0.0/16 has 65,536 addresses"),
    ("10.0.4.1/22", "'10.0.4.1/22' is not a subnet's CIDR"),
    ("mlflow", "'mlflow' is not a subnet's CIDR"),
])
def test_a_subnet_larger_than_a_22_or_not_a_cidr_is_refused(
    cidr: str, says: str, no_settings_file: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SettingsError, match="^" + says.replace("(", r"\(").replace(")", r"\)")):
        subnet(cidr)
    assert main(["--gateway-url", "https://gateway.invalid/prod/", "--subnet", cidr, "--port", "5000",
                 *no_settings_file]) == 2
    captured = capsys.readouterr()
    assert says in captured.err
    assert captured.out == "", "nothing is tried with a wrong setting"


def test_without_flags_it_reads_the_settings_file(
    gateway: str, reachable_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "reachability.json"
    settings.write_text(json.dumps({
        "gatewayUrl": gateway,
        "loadBalancer": f"127.0.0.1:{reachable_port}",
        "mlflowPort": reachable_port,
        "taskSubnets": ["127.0.0.1/32"],
    }))
    assert main(["--settings", str(settings)]) == 1
    rows = rows_of(capsys.readouterr().out)
    assert ["load balancer", "127.0.0.1", str(reachable_port), "connected", "BYPASS"] in rows
    assert ["task subnet", "127.0.0.1", str(reachable_port), "connected", "BYPASS"] in rows


def test_flags_override_the_settings_file_and_mlflow_tracking_uri_names_the_gateway(
    gateway: str, reachable_port: int, sealed_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = tmp_path / "reachability.json"
    settings.write_text(json.dumps({"loadBalancer": f"127.0.0.1:{reachable_port}", "mlflowPort": reachable_port,
                                    "taskSubnets": ["127.0.0.1/32"]}))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", gateway)
    code = main(["--settings", str(settings), "--load-balancer", f"127.0.0.1:{sealed_port}",
                 "--port", str(sealed_port), "--subnet", "127.0.0.2/32"])
    output = capsys.readouterr().out
    assert code == 0, output
    assert rows_of(output)[1][:2] == ["gateway", f"{gateway}health"]
    assert str(reachable_port) not in output


def test_it_runs_as_a_module(gateway: str, reachable_port: int, no_settings_file: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sagemaker_studio_mlflow.reachability", "--gateway-url", gateway,
         "--subnet", "127.0.0.1/32", "--port", str(reachable_port), *no_settings_file],
        capture_output=True, text=True, timeout=60, check=False, cwd=ROOT,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BYPASS" in result.stdout


def test_the_lifecycle_script_writes_the_settings_the_probe_reads(
    gateway: str, reachable_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A space's start (pip replaced by a no-op), then the probe with no flags but where the file is."""
    prefix = tmp_path / "conda"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "share" / "jupyter" / "kernels").mkdir(parents=True)
    python = prefix / "bin" / "python"
    python.write_text(f'#!/bin/sh\n[ "$1 $2" = "-m pip" ] && exit 0\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    wheel = tmp_path / "sagemaker_studio_mlflow-0.0.0-py3-none-any.whl"
    wheel.write_bytes(b"a wheel")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "STUDIO_CONDA_PREFIX": str(prefix),
        "MLFLOW_EXTENSION_WHEEL": str(wheel),
        "MLFLOW_EXTENSION_WHEEL_SHA256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
        "MLFLOW_GATEWAY_URL": gateway,
        "MLFLOW_COGNITO_REGION": "eu-west-1",
        "MLFLOW_USER_POOL_ID": "eu-west-1_AbCdEfGhI",
        "MLFLOW_USER_POOL_CLIENT_ID": "client",
        "MLFLOW_LOAD_BALANCER": f"127.0.0.1:{reachable_port}",
        "MLFLOW_TASK_PORT": str(reachable_port),
        "MLFLOW_TASK_SUBNETS": "127.0.0.1/32,127.0.0.2/32",
    }
    result = subprocess.run(["bash", str(LIFECYCLE_SCRIPT)], env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert "sagemaker-studio-mlflow: done" in result.stdout, result.stdout + result.stderr
    # Where the probe looks by default: the same place under the environment's prefix.
    settings = prefix / reachability.SETTINGS_FILE.relative_to(sys.prefix)
    assert json.loads(settings.read_text()) == {
        "gatewayUrl": gateway,
        "loadBalancer": f"127.0.0.1:{reachable_port}",
        "mlflowPort": reachable_port,
        "taskSubnets": ["127.0.0.1/32", "127.0.0.2/32"],
    }
    assert main(["--settings", str(settings)]) == 1
    rows = rows_of(capsys.readouterr().out)
    assert rows[1][:2] == ["gateway", f"{gateway}health"]
    assert ["load balancer", "127.0.0.1", str(reachable_port), "connected", "BYPASS"] in rows
    assert ["task subnet", "127.0.0.1", str(reachable_port), "connected", "BYPASS"] in rows
    assert ["task subnet", "127.0.0.2/32 (1 address)", str(reachable_port), "1 refused", "ok"] in rows
