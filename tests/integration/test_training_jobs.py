"""The example training job, run by the local job runner as each role, against the local stack.

The job installs its requirements (the signer from the wheel in its source
dir) into a fresh environment and logs through the gateway with the role's
IAM keys, as a SageMaker job does with its execution role.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from mlflow import MlflowClient

from sagemaker_studio_mlflow import jobs
from sagemaker_studio_mlflow.server.permissions import read_artifact

from .conftest import mlflow_state

EPOCHS = 3


@pytest.fixture(scope="module")
def job_dir(tmp_path_factory) -> Path:
    """The example job, copied and prepared as a user would before launching it."""
    return jobs.prepare_source_dir(
        jobs.copy_example(tmp_path_factory.mktemp("job") / "example")
    )


def run_as(
    stack: dict, role: str, job_dir: Path, **environment: str | None
) -> jobs.LocalJobResult:
    return jobs.run_local(
        "train.py",
        job_dir,
        jobs.job_environment(
            tracking_uri=stack["gateway"], region=stack["region"], **environment
        ),
        hyperparameters={"epochs": str(EPOCHS), "learning_rate": "0.5"},
        credentials=stack["users"][role],
        timeout=300,
    )


def the_jobs_run(client: MlflowClient, experiment_id: str, result: jobs.LocalJobResult):
    [run] = client.search_runs(
        [experiment_id],
        filter_string=f"tags.`{jobs.JOB_NAME_TAG}` = '{result.job_name}'",
    )
    return run


def test_an_admins_job_logs_its_params_and_metrics_in_a_run_tagged_with_the_job(
    stack, as_role, job_dir
):
    experiment = f"training jobs {uuid.uuid4().hex[:8]}"
    result = run_as(stack, "admins", job_dir, experiment=experiment)
    assert result.succeeded, result.log
    # The signer came from the wheel in the source dir, installed for the job.
    assert "Successfully installed sagemaker-studio-mlflow" in result.log

    # What MLflow has, read through the gateway as the admin.
    as_role("admins")
    client = MlflowClient(tracking_uri=stack["gateway"])
    experiment_id = client.get_experiment_by_name(experiment).experiment_id
    run = the_jobs_run(client, experiment_id, result)
    assert run.info.status == "FINISHED"
    assert run.info.run_name == result.job_name
    assert run.data.tags[jobs.JOB_NAME_TAG] == result.job_name
    assert run.data.tags[jobs.JOB_ARN_TAG] == result.job_arn
    assert result.job_arn.endswith(f":training-job/{result.job_name}")
    assert "mlflow.parentRunId" not in run.data.tags
    assert run.data.params == {"epochs": str(EPOCHS), "learning_rate": "0.5"}
    losses = client.get_metric_history(run.info.run_id, "loss")
    assert [(m.step, m.value) for m in losses] == [(0, 0.5), (1, 0.25), (2, 0.125)]
    assert len(client.get_metric_history(run.info.run_id, "accuracy")) == EPOCHS


def test_a_job_given_a_parent_run_nests_its_run_under_it(stack, as_role, job_dir):
    as_role("admins")
    client = MlflowClient(tracking_uri=stack["gateway"])
    experiment_id = client.create_experiment(f"tuning {uuid.uuid4().hex[:8]}")
    parent = client.create_run(experiment_id, run_name="tuning")

    result = run_as(stack, "admins", job_dir, parent_run_id=parent.info.run_id)
    assert result.succeeded, result.log
    run = the_jobs_run(client, experiment_id, result)
    assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert run.data.tags[jobs.JOB_ARN_TAG] == result.job_arn
    assert len(client.get_metric_history(run.info.run_id, "loss")) == EPOCHS


def _words(operation_id: str) -> str:
    return next(
        op["words"] for op in read_artifact()["operations"] if op["id"] == operation_id
    )


def test_a_readers_job_fails_with_the_permission_error_and_creates_nothing(
    stack, job_dir
):
    before = mlflow_state()
    # The seeded experiment: the reader may read it, not start a run in it.
    result = run_as(stack, "readers", job_dir, experiment="churn-prediction")
    assert not result.succeeded
    assert "PERMISSION_DENIED" in result.log
    assert f"You may not {_words('runs.create')} (runs.create)." in result.log, (
        result.log[-3000:]
    )
    assert mlflow_state() == before
