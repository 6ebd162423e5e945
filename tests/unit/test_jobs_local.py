"""jobs.run_local: an entry point runs as in a SageMaker training job's container, here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagemaker_studio_mlflow import jobs

# Prints what a job sees: its arguments, SageMaker's variables, where it runs.
PROBE = """
import json, os, sys
print("SEEN " + json.dumps({"argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ)}))
"""


def _seen(result: jobs.LocalJobResult) -> dict:
    line = next(line for line in result.log.splitlines() if line.startswith("SEEN "))
    return json.loads(line[len("SEEN ") :])


@pytest.fixture
def probe_dir(tmp_path) -> Path:
    directory = tmp_path / "probe"
    directory.mkdir()
    (directory / "probe.py").write_text(PROBE)
    return directory


def test_a_job_gets_its_environment_sagemakers_variables_and_the_roles_keys_only(
    probe_dir, monkeypatch
):
    monkeypatch.setenv("NOTEBOOK_ONLY", "not for the job")
    result = jobs.run_local(
        "probe.py",
        probe_dir,
        {"MLFLOW_TRACKING_URI": "http://127.0.0.1:1", "AWS_REGION": "eu-west-1"},
        job_name="churn-training-1",
        hyperparameters={"epochs": "3", "learning_rate": "0.1"},
        credentials={"accessKeyId": "AKIDJOB", "secretAccessKey": "job/secret"},
    )
    assert result.succeeded, result.log
    assert (result.exit_code, result.job_name) == (0, "churn-training-1")
    assert (
        result.job_arn
        == "arn:aws:sagemaker:eu-west-1:000000000000:training-job/churn-training-1"
    )
    seen = _seen(result)
    assert seen["argv"] == ["--epochs", "3", "--learning_rate", "0.1"]
    env = seen["env"]
    assert env["MLFLOW_TRACKING_URI"] == "http://127.0.0.1:1"
    assert (env["TRAINING_JOB_NAME"], env["TRAINING_JOB_ARN"]) == (
        result.job_name,
        result.job_arn,
    )
    assert json.loads(env["SM_HPS"]) == {"epochs": "3", "learning_rate": "0.1"}
    assert env["SM_HP_EPOCHS"] == "3"
    assert Path(env["SM_MODEL_DIR"]).is_absolute()
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == (
        "AKIDJOB",
        "job/secret",
    )
    assert "AWS_SESSION_TOKEN" not in env
    assert "NOTEBOOK_ONLY" not in env
    # A copy of the source dir, not the source dir itself.
    assert Path(seen["cwd"]).name == "code"
    assert Path(seen["cwd"]) != probe_dir


def test_the_callers_session_credentials_are_the_default(probe_dir):
    # The unit tests' own keys (tests/unit/conftest.py) are the boto3 session's.
    from .conftest import ACCESS_KEY, SECRET_KEY

    result = jobs.run_local("probe.py", probe_dir, {})
    env = _seen(result)["env"]
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == (
        ACCESS_KEY,
        SECRET_KEY,
    )
    assert result.job_name.startswith("local-probe-")


def test_the_job_has_no_copy_of_this_package_unless_its_requirements_bring_it(
    probe_dir,
):
    (probe_dir / "where.py").write_text(
        "import sagemaker_studio_mlflow.sigv4 as s; print('FROM', s.__file__)\n"
    )
    result = jobs.run_local("where.py", probe_dir, {})
    assert not result.succeeded
    assert "No module named 'sagemaker_studio_mlflow'" in result.log

    jobs.prepare_source_dir(probe_dir)
    result = jobs.run_local("where.py", probe_dir, {})
    assert result.succeeded, result.log
    [location] = [
        line.split()[1] for line in result.log.splitlines() if line.startswith("FROM ")
    ]
    # pip installed the wheel into the job's environment.
    assert "/venv/lib/" in location, location


def test_a_failing_job_is_a_result_not_an_exception(probe_dir):
    (probe_dir / "fail.py").write_text(
        "import sys; print('about to fail'); sys.exit(3)\n"
    )
    result = jobs.run_local("fail.py", probe_dir, {})
    assert (result.exit_code, result.succeeded) == (3, False)
    assert "about to fail" in result.log


def test_requirements_that_cannot_be_installed_fail_the_job_before_it_starts(probe_dir):
    (probe_dir / "requirements.txt").write_text("./not-there-1.0-py3-none-any.whl\n")
    result = jobs.run_local("probe.py", probe_dir, {})
    assert not result.succeeded
    assert "pip install -r requirements.txt" in result.log
    assert "SEEN " not in result.log


def test_a_job_that_runs_out_of_time_is_stopped(probe_dir):
    (probe_dir / "slow.py").write_text(
        "import time; print('started', flush=True); time.sleep(60)\n"
    )
    result = jobs.run_local("slow.py", probe_dir, {}, timeout=3)
    assert result.exit_code == 124
    assert "started" in result.log
    assert "ran out of time" in result.log
    assert result.duration < 30


def test_a_missing_entry_point_or_a_bad_job_name_is_the_callers_error(probe_dir):
    with pytest.raises(FileNotFoundError):
        jobs.run_local("nothing.py", probe_dir, {})
    with pytest.raises(ValueError, match="training job name"):
        jobs.run_local("probe.py", probe_dir, {}, job_name="no_underscores")
