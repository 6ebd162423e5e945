"""A wheel of this package for a training job's container, built from the installed files.

A SageMaker job's container has no copy of this package and cannot get one
from PyPI, yet MLflow needs the SigV4 signer there (``MLFLOW_TRACKING_AUTH``).
This module writes a wheel of the package as it is installed here, the
JupyterLab front end left out, with one entry point: the signer's
``mlflow.request_auth_provider``. It is the same distribution at the same
version (a job's ``pip install`` of it next to a full install is a no-op), and
it has no ``Requires-Dist`` either: MLflow and botocore come from the job's
image or its own requirements.

The wheel format (a zip with ``METADATA``, ``WHEEL`` and ``RECORD``) is written
with the standard library, so this works wherever the package is importable
(Studio, a laptop, CI) with no build backend and no network. The bytes depend
only on the package's files: the same files give the same wheel.
"""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from pathlib import Path

import sagemaker_studio_mlflow
from sagemaker_studio_mlflow import sigv4

DISTRIBUTION = "sagemaker-studio-mlflow"
PACKAGE_ROOT = Path(sagemaker_studio_mlflow.__file__).resolve().parent
# Not for a job: the JupyterLab front end, and the example job (it is a job's
# source dir itself, not part of its environment).
_LEFT_OUT = ("labextension", "jobs/example")
# What the package is made of; anything else in a source tree is build output.
_SUFFIXES = {".py", ".json", ".typed"}
# Every file gets this time stamp (the earliest a zip holds): same files, same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def wheel_name(version: str | None = None) -> str:
    """The file name of the wheel for `version` (the installed package's by default)."""
    version = version or sagemaker_studio_mlflow.__version__
    return f"{_escaped(DISTRIBUTION)}-{_escaped(version)}-py3-none-any.whl"


def is_wheel_name(name: str) -> bool:
    """Whether `name` is a wheel of this distribution, any version (this one's or an older one)."""
    return (
        re.fullmatch(rf"{_escaped(DISTRIBUTION)}-[^-]+-py3-none-any\.whl", name)
        is not None
    )


def _escaped(component: str) -> str:
    # The wheel spec's escaping of a file name component.
    return re.sub(r"[^\w\d.+]+", "_", component)


def _package_files() -> list[tuple[str, bytes]]:
    files = []
    for path in sorted(PACKAGE_ROOT.rglob("*")):
        relative = path.relative_to(PACKAGE_ROOT).as_posix()
        if (
            not path.is_file()
            or path.suffix not in _SUFFIXES
            or "__pycache__" in path.parts
            or any(
                relative == left or relative.startswith(f"{left}/")
                for left in _LEFT_OUT
            )
        ):
            continue
        files.append((f"{PACKAGE_ROOT.name}/{relative}", path.read_bytes()))
    return files


def _metadata(version: str) -> list[tuple[str, bytes]]:
    dist_info = f"{_escaped(DISTRIBUTION)}-{_escaped(version)}.dist-info"
    provider = sigv4.SigV4RequestAuthProvider
    metadata = (
        "Metadata-Version: 2.1\n"
        f"Name: {DISTRIBUTION}\n"
        f"Version: {version}\n"
        "Summary: The MLflow SigV4 request auth provider of sagemaker-studio-mlflow, for training jobs\n"
        "License: Apache-2.0\n"
    )
    wheel = (
        "Wheel-Version: 1.0\n"
        f"Generator: {DISTRIBUTION} {version} (sagemaker_studio_mlflow.jobs)\n"
        "Root-Is-Purelib: true\n"
        "Tag: py3-none-any\n"
    )
    entry_points = (
        "[mlflow.request_auth_provider]\n"
        f"{sigv4.PROVIDER_NAME} = {provider.__module__}:{provider.__qualname__}\n"
    )
    return [
        (f"{dist_info}/METADATA", metadata.encode()),
        (f"{dist_info}/WHEEL", wheel.encode()),
        (f"{dist_info}/entry_points.txt", entry_points.encode()),
    ]


def _record_line(name: str, data: bytes) -> str:
    digest = (
        base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    )
    return f"{name},sha256={digest},{len(data)}\n"


def build_signer_wheel(directory: Path) -> Path:
    """Writes the wheel into `directory` (unless the same bytes are there) and returns its path."""
    version = sagemaker_studio_mlflow.__version__
    entries = _package_files() + _metadata(version)
    record_name = f"{_escaped(DISTRIBUTION)}-{_escaped(version)}.dist-info/RECORD"
    record = (
        "".join(_record_line(name, data) for name, data in entries)
        + f"{record_name},,\n"
    )
    entries.append((record_name, record.encode()))

    target = directory / wheel_name(version)
    partial = target.with_name(f".{target.name}.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    if target.exists() and target.read_bytes() == partial.read_bytes():
        partial.unlink()
    else:
        partial.replace(target)
    return target
