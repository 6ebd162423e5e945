"""A SageMaker Studio JupyterLab space's start, played on this machine.

Studio reinstalls ``/opt/conda`` and then runs the domain's lifecycle
configuration. Here a fresh virtual environment with JupyterLab stands in for
``/opt/conda``, a local folder for the S3 location of the wheel, and the local
stack for the deployment. The lifecycle script is the real one, run as Studio
runs it (bash, its settings in the environment).

``python -m tests.studio serve --dir DIR`` also starts that JupyterLab, at the
stack's ``studioSpace`` (an origin the local gateway accepts), and prints one
JSON line, ``{"url": ..., "token": ...}``, when it is ready; the Galata test
of the lifecycle configuration uses it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "lifecycle-config" / "install-extension.sh"
STACK_FILE = ROOT / ".local" / "stack.json"
LOCK = ROOT / "requirements" / "dev.lock"
JUPYTERLAB = "jupyterlab==4.5.11"
VERSION = json.loads((ROOT / "package.json").read_text())["version"]
WHEEL_NAME = f"sagemaker_studio_mlflow-{VERSION}-py3-none-any.whl"


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure, raise with what it printed."""
    result = subprocess.run(cmd, check=False, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, cmd))} exited with {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result


def build_wheel(out: Path) -> Path:
    """The wheel of this checkout (the extension must be built: scripts/setup.sh).

    .venv holds the build requirements (requirements/dev.lock), so the wheel
    builds in about two seconds without an isolated environment, rather than
    half a minute with one.
    """
    run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)], cwd=ROOT)
    return out / WHEEL_NAME


def make_conda_prefix(prefix: Path) -> Path:
    """A fresh environment with JupyterLab, as Studio's image has it before the script runs."""
    uv = Path(sys.executable).with_name("uv")
    run([sys.executable, "-m", "venv", "--without-pip", str(prefix)])
    # pip too: the lifecycle script installs with it, as in Studio.
    run([str(uv), "pip", "install", "--quiet", "--python", str(prefix / "bin" / "python"),
         "-c", str(LOCK), JUPYTERLAB, "pip", "boto3"])
    return prefix


def deployment(stack: dict) -> dict[str, str]:
    """What the CDK app writes in front of the script, for the local stack."""
    return {
        "MLFLOW_GATEWAY_URL": stack["gateway"],
        "MLFLOW_COGNITO_REGION": stack["region"],
        "MLFLOW_USER_POOL_ID": stack["cognito"]["userPoolId"],
        "MLFLOW_USER_POOL_CLIENT_ID": stack["cognito"]["clientId"],
        "MLFLOW_COGNITO_ENDPOINT": stack["cognito"]["endpoint"],
        "MLFLOW_AUTH_FLOW": "USER_PASSWORD_AUTH",
    }


def space_environment(prefix: Path, home: Path) -> dict[str, str]:
    """Only the space's own environment: its bin first, its own home, no other Jupyter paths."""
    return {
        "PATH": f"{prefix / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "JUPYTER_PREFER_ENV_PATH": "1",
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTER_DATA_DIR": str(home / ".local" / "share" / "jupyter"),
    }


def wheel_digest(wheel: Path) -> str:
    """The wheel's sha256, as the CDK app writes it in front of the script."""
    return hashlib.sha256(wheel.read_bytes()).hexdigest()


def run_lifecycle(prefix: Path, home: Path, wheel: Path, settings: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        **space_environment(prefix, home),
        **settings,
        "STUDIO_CONDA_PREFIX": str(prefix),
        "MLFLOW_EXTENSION_WHEEL": str(wheel),
        "MLFLOW_EXTENSION_WHEEL_SHA256": wheel_digest(wheel),
    }
    return subprocess.run(["bash", str(SCRIPT)], check=False, env=env, capture_output=True, text=True, timeout=300)


def start_jupyterlab(prefix: Path, home: Path, port: int) -> tuple[subprocess.Popen, str, str]:
    token = "studio-space"
    server = subprocess.Popen(
        [str(prefix / "bin" / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home}", "--allow-root"],
        env={**space_environment(prefix, home), "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")},
        cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}api/status?token={token}", timeout=5):
                return server, url, token
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("The space's JupyterLab did not start.") from None
            time.sleep(0.5)


def play_start(directory: Path, stack: dict) -> tuple[Path, Path, list[subprocess.CompletedProcess[str]]]:
    """A new space: the environment, the wheel in "S3", the lifecycle script run twice."""
    prefix, home, bucket = directory / "conda", directory / "home", directory / "s3"
    home.mkdir(parents=True)
    bucket.mkdir()
    wheel = build_wheel(bucket)
    make_conda_prefix(prefix)
    runs = [run_lifecycle(prefix, home, wheel, deployment(stack)) for _ in range(2)]
    return prefix, home, runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    shutil.rmtree(args.dir, ignore_errors=True)
    stack = json.loads(STACK_FILE.read_text())
    prefix, home, runs = play_start(args.dir, stack)
    for result in runs:
        if result.returncode != 0:
            sys.exit(f"the lifecycle script failed:\n{result.stdout}\n{result.stderr}")
    # The port whose origin the local gateway accepts besides JupyterLab's.
    server, url, token = start_jupyterlab(prefix, home, urllib.parse.urlsplit(stack["studioSpace"]).port)
    print(json.dumps({"url": url, "token": token}), flush=True)

    def stop(*_: object) -> None:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.wait()


if __name__ == "__main__":
    main()
