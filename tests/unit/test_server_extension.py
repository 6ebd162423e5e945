"""The Jupyter server extension, in a real Jupyter server enabled by the wheel's config file.

The server runs with the kernels' settings only in its default kernel spec's
``env`` (as the Studio lifecycle configuration writes them) and answers for
the gateway stand-in of ``test_kernel_identity``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sagemaker_studio_mlflow.server_extension import IDENTITY_ENDPOINT
from sagemaker_studio_mlflow.sigv4 import PROVIDER_NAME

from .conftest import ACCESS_KEY, REGION, SECRET_KEY
from .test_kernel_identity import READER, IdentityGateway, gateway  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "server-extension-test-token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def jupyter_server(gateway: IdentityGateway, tmp_path: Path) -> Iterator[str]:  # noqa: F811
    """A Jupyter server of this checkout's package, its only kernel spec naming the gateway."""
    kernels = tmp_path / "data" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3",
                "language": "python",
                "env": {
                    "MLFLOW_TRACKING_URI": gateway.url,
                    "MLFLOW_TRACKING_AUTH": PROVIDER_NAME,
                    "AWS_REGION": REGION,
                },
            }
        )
    )
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        # The config file the wheel installs into etc/jupyter, and nothing of the machine's.
        "JUPYTER_CONFIG_PATH": str(ROOT / "jupyter-config"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        # Before the environment's own kernel specs, which may name another gateway.
        "JUPYTER_PATH": str(tmp_path / "data"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.open_browser=False",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={tmp_path}",
            "--KernelSpecManager.ensure_native_kernel=False",
            # Containers and CI machines often run everything as root.
            *(["--allow-root"] if os.getuid() == 0 else []),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(f"{url}api/status", params={"token": TOKEN}, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"The Jupyter server did not start:\n{server.communicate()[0]}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def test_the_endpoint_says_whom_notebooks_act_as(jupyter_server: str, gateway: IdentityGateway) -> None:  # noqa: F811
    answer = requests.get(
        f"{jupyter_server}{IDENTITY_ENDPOINT}", headers={"Authorization": f"token {TOKEN}"}, timeout=30
    )
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.json() == {"kind": "ok", "gatewayUrl": gateway.url, "identity": READER}
    assert gateway.seen == [("/prod/iam/identity", ACCESS_KEY)]


def test_the_endpoint_answers_only_a_signed_in_jupyter_user(
    jupyter_server: str,
    gateway: IdentityGateway,  # noqa: F811
) -> None:
    answer = requests.get(f"{jupyter_server}{IDENTITY_ENDPOINT}", timeout=30, allow_redirects=False)
    assert answer.status_code == 403
    assert gateway.seen == []
