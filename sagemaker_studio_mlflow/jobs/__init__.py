"""SageMaker training jobs that log to MLflow through the gateway with their role.

A training job reaches MLflow the way a notebook does: the MLflow SDK, the
gateway's URL and this package's SigV4 signer (``MLFLOW_TRACKING_AUTH``),
signing with the job's execution role. What a job needs:

* :func:`job_environment`: the variables for the job (tracking URI, signer,
  region, experiment, a parent run);
* :func:`prepare_source_dir`: the signer itself in the job's source dir (a
  wheel of this package and a ``requirements.txt`` line for it), since a job's
  container has no copy of this package and it is not on PyPI;
* :func:`model_trainer_arguments` and :func:`estimator_arguments`: both as
  keyword arguments for the SageMaker Python SDK's ``ModelTrainer`` and its
  classic ``Estimator`` (and framework estimators such as ``PyTorch``);
* :data:`EXAMPLE_SOURCE_DIR`: an example job (``train.py``) that tags its run
  with the job's name and ARN (:data:`JOB_NAME_TAG`, :data:`JOB_ARN_TAG`);
* :func:`run_local`: runs a job here, as SageMaker would, for tests and demos
  against the local stack.

docs/training-jobs.md walks through it. Nothing here imports boto3 or MLflow
until a function needs it, so a job's script can import the constants cheaply.
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path
from typing import Any

from ..sigv4 import PROVIDER_NAME
from ._local import LocalJobResult, run_local
from ._signer_wheel import build_signer_wheel, is_wheel_name

__all__ = [
    "EXAMPLE_SOURCE_DIR",
    "JOB_ARN_TAG",
    "JOB_NAME_TAG",
    "PARENT_RUN_ENV",
    "LocalJobResult",
    "copy_example",
    "estimator_arguments",
    "job_environment",
    "model_trainer_arguments",
    "prepare_source_dir",
    "run_local",
]

# The run a job's run is nested under (its id), when there is one.
PARENT_RUN_ENV = "SAGEMAKER_STUDIO_MLFLOW_PARENT_RUN_ID"
# The tags that lead from a run to its training job (SageMaker's names for them).
JOB_NAME_TAG = "sagemaker.trainingJobName"
JOB_ARN_TAG = "sagemaker.trainingJobArn"

EXAMPLE_SOURCE_DIR = Path(__file__).resolve().parent / "example"
EXAMPLE_ENTRY_POINT = "train.py"
REQUIREMENTS = "requirements.txt"
_SIGNER_COMMENT = (
    "# The SigV4 signer for MLflow (sagemaker_studio_mlflow.jobs.prepare_source_dir)"
)


def _default_region() -> str | None:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        return region
    try:
        import boto3
    except ImportError:
        return None
    return boto3.Session().region_name


def job_environment(
    experiment: str | None = None,
    parent_run_id: str | None = None,
    tracking_uri: str | None = None,
    region: str | None = None,
) -> dict[str, str]:
    """The environment variables a training job needs to log to MLflow with its role.

    `tracking_uri` and `region` default to this notebook's (``MLFLOW_TRACKING_URI``;
    ``AWS_REGION``, ``AWS_DEFAULT_REGION`` or boto3's region). `experiment` becomes
    ``MLFLOW_EXPERIMENT_NAME``; `parent_run_id` :data:`PARENT_RUN_ENV`.
    """
    tracking_uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
    if not tracking_uri:
        raise ValueError(
            "No tracking URI: pass tracking_uri= or set MLFLOW_TRACKING_URI (the gateway's URL)."
        )
    region = region or _default_region()
    if not region:
        raise ValueError(
            "No AWS region: pass region= or set AWS_REGION (the gateway's region)."
        )
    environment = {
        "MLFLOW_TRACKING_URI": tracking_uri,
        "MLFLOW_TRACKING_AUTH": PROVIDER_NAME,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }
    if experiment:
        environment["MLFLOW_EXPERIMENT_NAME"] = experiment
    if parent_run_id:
        environment[PARENT_RUN_ENV] = parent_run_id
    return environment


def copy_example(destination: str | os.PathLike[str]) -> Path:
    """A copy of the example job in `destination` (a new directory), ready for :func:`prepare_source_dir`."""
    target = Path(destination)
    shutil.copytree(
        EXAMPLE_SOURCE_DIR, target, ignore=shutil.ignore_patterns("__pycache__")
    )
    return target


def _is_signer_line(line: str) -> bool:
    stripped = line.strip()
    return stripped == _SIGNER_COMMENT or is_wheel_name(Path(stripped).name)


def prepare_source_dir(source_dir: str | os.PathLike[str]) -> Path:
    """Puts the signer into a job's `source_dir`: the wheel and a ``requirements.txt`` line for it.

    The user's own requirements stay as they are; a wheel of another version
    (and its line) is replaced. Running it again changes nothing. The job's
    image or requirements must still bring MLflow and boto3 (the wheel has no
    dependencies). Returns `source_dir`.
    """
    directory = Path(source_dir)
    if not directory.is_dir():
        raise FileNotFoundError(f"No source dir at {directory}")
    if directory.resolve() == EXAMPLE_SOURCE_DIR:
        raise ValueError(
            "The example job is part of the installed package: prepare a copy of it "
            "(jobs.copy_example(<new directory>)) instead."
        )
    wheel = build_signer_wheel(directory)
    for stale in directory.iterdir():
        if stale != wheel and is_wheel_name(stale.name):
            stale.unlink()

    # pip reads a path in a requirements file from its working directory, which
    # SageMaker sets to the source dir: ./<wheel> is the copy that travels with the job.
    line = f"./{wheel.name}"
    requirements = directory / REQUIREMENTS
    text = requirements.read_text() if requirements.exists() else ""
    lines = text.splitlines()
    if line in lines and [entry for entry in lines if _is_signer_line(entry)] in (
        [line],
        [_SIGNER_COMMENT, line],
    ):
        return directory
    kept = [entry for entry in lines if not _is_signer_line(entry)]
    requirements.write_text("\n".join([*kept, _SIGNER_COMMENT, line]) + "\n")
    return directory


def model_trainer_arguments(
    source_dir: str | os.PathLike[str],
    entry_script: str = EXAMPLE_ENTRY_POINT,
    experiment: str | None = None,
    parent_run_id: str | None = None,
    environment: dict[str, str] | None = None,
    tracking_uri: str | None = None,
    region: str | None = None,
) -> dict[str, Any]:
    """``source_code`` and ``environment`` for the SageMaker Python SDK's ``ModelTrainer``.

    ``ModelTrainer(training_image=…, role=…, **jobs.model_trainer_arguments("my-job"))``:
    `source_dir` is prepared (:func:`prepare_source_dir`), ``source_code`` is a
    ``SourceCode`` with its ``requirements.txt``, and ``environment`` is
    :func:`job_environment` with `environment`'s own variables on top.
    """
    source_code_class = _source_code_class()
    directory = prepare_source_dir(source_dir)
    return {
        "source_code": source_code_class(
            source_dir=str(directory),
            entry_script=entry_script,
            requirements=REQUIREMENTS,
        ),
        "environment": {
            **job_environment(experiment, parent_run_id, tracking_uri, region),
            **(environment or {}),
        },
    }


def estimator_arguments(
    source_dir: str | os.PathLike[str],
    entry_point: str = EXAMPLE_ENTRY_POINT,
    experiment: str | None = None,
    parent_run_id: str | None = None,
    environment: dict[str, str] | None = None,
    tracking_uri: str | None = None,
    region: str | None = None,
) -> dict[str, Any]:
    """``entry_point``, ``source_dir`` and ``environment`` for the classic ``Estimator``.

    ``Estimator(image_uri=…, role=…, **jobs.estimator_arguments("my-job"))``, or a
    framework estimator (``PyTorch(framework_version=…, **…)``). The SageMaker
    training toolkit in the image installs the source dir's ``requirements.txt``
    before it starts the entry point.
    """
    directory = prepare_source_dir(source_dir)
    return {
        "entry_point": entry_point,
        "source_dir": str(directory),
        "environment": {
            **job_environment(experiment, parent_run_id, tracking_uri, region),
            **(environment or {}),
        },
    }


# Where SourceCode lives: SDK 3 (sagemaker-core), then SDK 2 (sagemaker.modules).
_SOURCE_CODE_MODULES = ("sagemaker.core.training.configs", "sagemaker.modules.configs")


def _source_code_class() -> Any:
    for module in _SOURCE_CODE_MODULES:
        try:
            return importlib.import_module(module).SourceCode
        except ImportError:
            continue
    raise ImportError(
        "ModelTrainer's SourceCode was not found: install the SageMaker Python SDK (pip install sagemaker)."
    )
