"""Runs a training job's entry point here, the way SageMaker runs it in a container.

SageMaker starts the job's image, puts the source dir in the working
directory, runs ``python -m pip install -r requirements.txt`` there with the
image's Python (what the image has is already installed, the requirements go
on top), then ``python <entry point> --name value …`` with the job's
environment, ``TRAINING_JOB_NAME``/``TRAINING_JOB_ARN``, the ``SM_*`` variables
and the execution role's credentials.

Here the "image" is the Python environment that calls :func:`run_local`
(its packages: MLflow, boto3, pip), without this package, which no job image
has: the signer must come from the job's own requirements, as in AWS. A fresh
virtual environment sees the image's packages through a ``.pth`` file and
takes what ``pip`` installs, so the image is never changed and nothing is
downloaded for requirements the image meets.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ._signer_wheel import DISTRIBUTION, PACKAGE_ROOT

# A SageMaker training job's name: letters, digits and single-or-more hyphens, 63 at most.
_JOB_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
# What the local account is called in a job's ARN (there is no AWS account here).
LOCAL_ACCOUNT = "000000000000"
# The exit code of a job that ran out of time (as `timeout` reports it).
TIMED_OUT = 124
# Credentials as environment variables, and as .local/stack.json and boto3 spell them.
_CREDENTIAL_NAMES = {
    "AWS_ACCESS_KEY_ID": ("AWS_ACCESS_KEY_ID", "accessKeyId", "access_key"),
    "AWS_SECRET_ACCESS_KEY": ("AWS_SECRET_ACCESS_KEY", "secretAccessKey", "secret_key"),
    "AWS_SESSION_TOKEN": ("AWS_SESSION_TOKEN", "sessionToken", "token"),
}


@dataclass(frozen=True)
class LocalJobResult:
    """How a local job ended: its exit code and everything it printed (pip's output included)."""

    exit_code: int
    log: str
    job_name: str
    job_arn: str
    duration: float

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0


def default_job_name(entry_point: str) -> str:
    stem = re.sub(r"[^a-zA-Z0-9]+", "-", Path(entry_point).stem).strip("-") or "job"
    return f"local-{stem[:30]}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"


def _credentials_environment(credentials: Mapping[str, str] | None) -> dict[str, str]:
    if credentials is None:
        import boto3

        found = boto3.Session().get_credentials()
        if found is None:
            return {}
        frozen = found.get_frozen_credentials()
        credentials = {
            "access_key": frozen.access_key,
            "secret_key": frozen.secret_key,
            "token": frozen.token or "",
        }
    environment = {}
    for variable, spellings in _CREDENTIAL_NAMES.items():
        value = next(
            (credentials[name] for name in spellings if credentials.get(name)), None
        )
        if value:
            environment[variable] = value
    return environment


def _image_site_packages() -> list[Path]:
    # The caller's environment: a venv's own site-packages (and the base's when it
    # includes them), or a conda or system Python's.
    return [
        Path(path)
        for path in dict.fromkeys(site.getsitepackages())
        if Path(path).is_dir()
    ]


def _own_top_level_names() -> set[str]:
    """What this package's installation put into site-packages (a wheel's or an editable install's)."""
    try:
        files = importlib.metadata.distribution(DISTRIBUTION).files or []
    except importlib.metadata.PackageNotFoundError:
        return set()
    return {file.parts[0] for file in files if file.parts and file.parts[0] != ".."}


def _layer_image(image: Path) -> None:
    """`image`: links to everything in the caller's site-packages except this package."""
    image.mkdir()
    own = _own_top_level_names()
    for site_packages in _image_site_packages():
        for entry in site_packages.iterdir():
            if entry.name in own or entry.name == PACKAGE_ROOT.name:
                continue
            link = image / entry.name
            if not link.exists():
                link.symlink_to(entry)


def _create_environment(workdir: Path) -> Path:
    """A fresh virtual environment on top of the image; returns its python."""
    venv = workdir / "venv"
    # The image's pip runs the install when it has one (no seconds spent on ensurepip).
    without_pip = ["--without-pip"] if importlib.util.find_spec("pip") else []
    subprocess.run(
        [sys.executable, "-m", "venv", *without_pip, str(venv)],
        check=True,
        capture_output=True,
    )
    image = workdir / "image"
    _layer_image(image)
    python = venv / "bin" / "python"
    site_packages = subprocess.run(
        [
            str(python),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # addsitedir also runs the image's own .pth files, as its Python would.
    (Path(site_packages) / "_local_job_image.pth").write_text(
        f"import site; site.addsitedir({str(image)!r})\n"
    )
    return python


def _job_environment(
    workdir: Path,
    python: Path,
    environment: Mapping[str, str],
    job_name: str,
    job_arn: str,
    hyperparameters: Mapping[str, str],
    credentials: dict[str, str],
) -> dict[str, str]:
    home = workdir / "home"
    model_dir = workdir / "model"
    output_dir = workdir / "output" / "data"
    for directory in (home, model_dir, output_dir):
        directory.mkdir(parents=True, exist_ok=True)
    return {
        # A container's basics: its own PATH and HOME (no ~/.aws, no pip config of the caller's).
        "PATH": f"{python.parent}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        # The role's credentials come from the container; nothing else may answer here.
        "AWS_EC2_METADATA_DISABLED": "true",
        **credentials,
        # What SageMaker sets for every training job.
        "TRAINING_JOB_NAME": job_name,
        "TRAINING_JOB_ARN": job_arn,
        "SM_MODEL_DIR": str(model_dir),
        "SM_OUTPUT_DATA_DIR": str(output_dir),
        "SM_CHANNELS": "[]",
        "SM_CURRENT_HOST": "algo-1",
        "SM_HOSTS": json.dumps(["algo-1"]),
        "SM_HPS": json.dumps(dict(hyperparameters)),
        **{f"SM_HP_{name.upper()}": value for name, value in hyperparameters.items()},
        **environment,
    }


def _run(
    command: list[str], cwd: Path, env: dict[str, str], deadline: float, log: list[str]
) -> int:
    log.append(f"$ {' '.join(command)}\n")
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=max(deadline - time.monotonic(), 0))
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        log.append(output)
        log.append(f"The job ran out of time and was stopped: {' '.join(command)}\n")
        return TIMED_OUT
    log.append(output)
    return process.returncode


def run_local(
    entry_point: str,
    source_dir: str | os.PathLike[str],
    environment: Mapping[str, str],
    job_name: str | None = None,
    hyperparameters: Mapping[str, str] | None = None,
    credentials: Mapping[str, str] | None = None,
    timeout: float = 600,
) -> LocalJobResult:
    """Runs `entry_point` from a copy of `source_dir` as a SageMaker training job would run.

    `credentials`: the role's keys, as ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/
    ``AWS_SESSION_TOKEN`` or as ``.local/stack.json`` spells them (``accessKeyId``, …);
    the current boto3 session's by default. Never raises for a job that fails: the
    result's exit code and log say how it ended.
    """
    source = Path(source_dir)
    if not (source / entry_point).is_file():
        raise FileNotFoundError(f"No entry point {entry_point!r} in {source}")
    job_name = job_name or default_job_name(entry_point)
    if not _JOB_NAME.fullmatch(job_name):
        raise ValueError(
            f"{job_name!r} is not a SageMaker training job name (letters, digits, hyphens; 63 at most)"
        )
    region = (
        environment.get("AWS_REGION")
        or environment.get("AWS_DEFAULT_REGION")
        or "us-east-1"
    )
    job_arn = f"arn:aws:sagemaker:{region}:{LOCAL_ACCOUNT}:training-job/{job_name}"
    hyperparameters = {
        name: str(value) for name, value in (hyperparameters or {}).items()
    }

    started = time.monotonic()
    deadline = started + timeout
    log: list[str] = []
    with tempfile.TemporaryDirectory(prefix=f"{job_name}-") as temporary:
        workdir = Path(temporary)
        code = workdir / "code"
        shutil.copytree(
            source,
            code,
            ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", ".git"),
        )
        python = _create_environment(workdir)
        env = _job_environment(
            workdir,
            python,
            environment,
            job_name,
            job_arn,
            hyperparameters,
            _credentials_environment(credentials),
        )
        exit_code = 0
        if (code / "requirements.txt").is_file():
            exit_code = _run(
                [str(python), "-m", "pip", "install", "-r", "requirements.txt"],
                code,
                env,
                deadline,
                log,
            )
        if exit_code == 0:
            arguments = [
                part
                for name, value in hyperparameters.items()
                for part in (f"--{name}", value)
            ]
            exit_code = _run(
                [str(python), entry_point, *arguments], code, env, deadline, log
            )
    return LocalJobResult(
        exit_code=exit_code,
        log="".join(log),
        job_name=job_name,
        job_arn=job_arn,
        duration=time.monotonic() - started,
    )
