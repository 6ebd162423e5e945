"""The wheel is what SageMaker Studio installs: check it works without Node.js.

Builds the wheel from this checkout, installs it with JupyterLab into a fresh
virtual environment, and asks that JupyterLab, on a PATH without node or npm,
whether it finds the prebuilt extension.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from tests.studio import JUPYTERLAB, LOCK, build_wheel, run

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_JSON = json.loads((ROOT / "package.json").read_text())
NAME = PACKAGE_JSON["name"]  # the labextension's name
VERSION = PACKAGE_JSON["version"]
LABEXTENSION = ROOT / "sagemaker_studio_mlflow" / "labextension"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# What enables the Jupyter server extension where the wheel is installed.
SERVER_CONFIG = (
    f"sagemaker_studio_mlflow-{VERSION}.data/data/etc/jupyter/jupyter_server_config.d/sagemaker_studio_mlflow.json"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout (the extension is built first if needed)."""
    if not (LABEXTENSION / "static" / "style.js").exists():
        if shutil.which("npm") is None:
            pytest.fail("The extension is not built and npm is missing: run `npm run build:prod`.")
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        run(["npm", "run", "build:prod"], cwd=ROOT, env=env)

    out = tmp_path_factory.mktemp("dist")
    build_wheel(out)
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_contents(wheel: Path) -> None:
    data = f"sagemaker_studio_mlflow-{VERSION}.data/data/share/jupyter/labextensions/{NAME}"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for required in (
            f"{data}/package.json",
            f"{data}/schemas/{NAME}/plugin.json",
            f"{data}/install.json",
            f"{data}/static/style.js",
            "sagemaker_studio_mlflow/__init__.py",
            "sagemaker_studio_mlflow/_version.py",
            "sagemaker_studio_mlflow/server_extension.py",
            SERVER_CONFIG,
        ):
            assert required in names, f"{required} is missing from {wheel.name}"

        schema = json.loads(archive.read(f"{data}/schemas/{NAME}/plugin.json"))
        assert schema == json.loads((ROOT / "schema" / "plugin.json").read_text())

        install = json.loads(archive.read(f"{data}/install.json"))
        assert install["packageName"] == "sagemaker_studio_mlflow"

        metadata = archive.read(f"sagemaker_studio_mlflow-{VERSION}.dist-info/METADATA").decode()
        assert f"Version: {VERSION}" in metadata
        assert "Requires-Dist" not in metadata, "the package must not pull anything into Studio"

        # MLflow's image runs the server app from this same wheel (`mlflow server --app-name`),
        # which needs the entry point and the permission model beside the code.
        entry_points = archive.read(f"sagemaker_studio_mlflow-{VERSION}.dist-info/entry_points.txt").decode()
        assert "[mlflow.app]" in entry_points
        assert "sagemaker-studio-mlflow = sagemaker_studio_mlflow.server.app:create_app" in entry_points
        assert "[mlflow.request_auth_provider]" in entry_points
        assert "sagemaker_studio_mlflow.sigv4:StockSignerCheck" in entry_points
        model = json.loads(archive.read("sagemaker_studio_mlflow/server/permission_model.json"))
        assert model == json.loads((ROOT / "sagemaker_studio_mlflow" / "server" / "permission_model.json").read_text())

        # The labs the lifecycle configuration puts into users' homes, and their installer.
        labs = sorted(path.name for path in (ROOT / "sagemaker_studio_mlflow" / "labs").glob("*.ipynb"))
        assert labs, "no labs in the source tree"
        for name in ("__init__.py", "__main__.py", *labs):
            assert f"sagemaker_studio_mlflow/labs/{name}" in names, f"{name} is missing from {wheel.name}"

        # No stray build output from the source tree.
        assert not [n for n in names if "/node_modules/" in n or n.startswith(("lib/", "src/"))]


def test_extension_accepts_jupyterlab_4_0(wheel: Path) -> None:
    """The shared modules the extension asks JupyterLab for must accept 4.0.

    The builder would otherwise require the versions of the JupyterLab that
    built it (e.g. ^4.5.11), and JupyterLab 4.0 to 4.4 would warn in the
    console about unsatisfied versions.
    """
    with zipfile.ZipFile(wheel) as archive:
        entries = [n for n in archive.namelist() if re.search(r"/static/remoteEntry\.[0-9a-f]+\.js$", n)]
        assert len(entries) == 1, entries
        remote_entry = archive.read(entries[0]).decode()

    required = dict(
        re.findall(
            r'"(@(?:jupyterlab|lumino)/[\w-]+)",\s*(?:!?[01]|true|false),\s*\[([^\]]*)\]',
            remote_entry,
        )
    )
    assert "@jupyterlab/settingregistry" in required, remote_entry[:2000]
    for package, encoded in required.items():
        # webpack encodes "^X.Y.Z" as [1,X,Y,Z]
        kind, *version = (int(part) for part in encoded.split(",")[:4])
        assert kind == 1, f"{package} is required as {encoded}, not as a ^ range"
        if package.startswith("@jupyterlab/"):
            assert version[1:] == [0, 0], f"{package} requires [{encoded}], newer than JupyterLab 4.0"
        else:
            assert version <= [2, 1, 1], f"{package} requires [{encoded}], newer than JupyterLab 4.0's"


def test_installed_wheel_is_enabled_without_node(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    bindir = venv / "bin"
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv:
        run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
        run(
            [uv, "pip", "install", "--quiet", "--python", str(bindir / "python"),
             "-c", str(LOCK), JUPYTERLAB, str(wheel)],
        )
    else:
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(bindir / "python"), "-m", "pip", "install", "--quiet", "-c", str(LOCK), JUPYTERLAB, str(wheel)])

    # Only the new environment: no node, no npm, no other Jupyter paths.
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": str(bindir),
        "HOME": str(home),
        "JUPYTER_PREFER_ENV_PATH": "1",
        "LANG": "C.UTF-8",
    }
    assert shutil.which("node", path=env["PATH"]) is None
    assert shutil.which("npm", path=env["PATH"]) is None

    result = run([str(bindir / "jupyter"), "labextension", "list"], env=env, cwd=tmp_path)
    output = ANSI.sub("", result.stdout + result.stderr)
    line = next((line for line in output.splitlines() if NAME in line), None)
    assert line is not None, output
    assert re.search(rf"\b{re.escape(NAME)} v{re.escape(VERSION)} enabled\s+OK\b", line), output
    assert str(venv / "share" / "jupyter" / "labextensions") in output, output

    # The server extension (whom notebooks act as) is enabled by the wheel's own config file.
    result = run([str(bindir / "jupyter"), "server", "extension", "list"], env=env, cwd=tmp_path)
    output = ANSI.sub("", result.stdout + result.stderr)
    assert re.search(r"\bsagemaker_studio_mlflow enabled\b", output), output
    assert re.search(r"- Validating sagemaker_studio_mlflow\.\.\.\s+.*OK", output), output
