"""The Studio lifecycle configuration, played on this machine (see tests/studio.py).

A fresh environment stands in for /opt/conda, a local folder for S3; the real
script runs twice, as on two starts of a space, with the local stack's values.
Spaces of users with a role run it again on that environment, in homes of
their own, with their role's credentials (the execution role's, in Studio).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from sagemaker_studio_mlflow.labs import available_labs
from sagemaker_studio_mlflow.sigv4 import PROVIDER_NAME
from tests import studio
from tests.integration.conftest import sdk_environment

ANSI = re.compile(r"\x1b\[[0-9;]*m")
NAME = "sagemaker-studio-mlflow"


@pytest.fixture(scope="module")
def space(stack: dict, tmp_path_factory: pytest.TempPathFactory):
    prefix, home, runs = studio.play_start(tmp_path_factory.mktemp("space"), stack)
    return {"prefix": prefix, "home": home, "runs": runs, "stack": stack}


def test_the_script_runs_on_every_start_and_installs_once(space) -> None:
    for result in space["runs"]:
        assert result.returncode == 0, result.stdout + result.stderr
    first, second = (result.stdout for result in space["runs"])
    assert f"installing {studio.WHEEL_NAME}" in first
    assert "the wheel is installed already" in second
    assert "installing" not in second
    log = (space["home"] / ".sagemaker-studio-mlflow" / "install.log").read_text()
    assert log.count("sagemaker-studio-mlflow: done") == 2


def test_jupyterlab_lists_the_extension_enabled(space) -> None:
    prefix, home = space["prefix"], space["home"]
    result = studio.run([str(prefix / "bin" / "jupyter"), "labextension", "list"],
                        env=studio.space_environment(prefix, home), cwd=home)
    output = ANSI.sub("", result.stdout + result.stderr)
    assert re.search(rf"\b{NAME} v{studio.VERSION} enabled\s+OK\b", output), output
    assert str(prefix / "share" / "jupyter" / "labextensions") in output, output


def test_every_user_starts_configured_for_the_deployment(space) -> None:
    stack = space["stack"]
    overrides = space["prefix"] / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / f"{NAME}.json"
    assert json.loads(overrides.read_text()) == {
        f"{NAME}:plugin": {
            "gatewayUrl": stack["gateway"],
            "region": stack["region"],
            "userPoolId": stack["cognito"]["userPoolId"],
            "userPoolClientId": stack["cognito"]["clientId"],
            "cognitoEndpoint": stack["cognito"]["endpoint"],
            "authFlow": "USER_PASSWORD_AUTH",
        }
    }


def test_the_kernels_reach_mlflow_with_the_signed_sdk(space) -> None:
    kernel = json.loads((space["prefix"] / "share" / "jupyter" / "kernels" / "python3" / "kernel.json").read_text())
    assert kernel["env"] == {
        "MLFLOW_TRACKING_URI": space["stack"]["gateway"],
        "MLFLOW_TRACKING_AUTH": PROVIDER_NAME,
        "AWS_REGION": space["stack"]["region"],
    }


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"MLFLOW_EXTENSION_WHEEL": "/nowhere/sagemaker_studio_mlflow-0.1.0-py3-none-any.whl"},
         "Could not read the wheel at /nowhere/"),
        ({"MLFLOW_EXTENSION_WHEEL": "s3://no-such-bucket-here/x.whl", "MLFLOW_EXTENSION_WHEEL_NAME": "x.whl",
          "AWS_ACCESS_KEY_ID": "none", "AWS_SECRET_ACCESS_KEY": "none", "AWS_EC2_METADATA_DISABLED": "true",
          "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9"},
         "Could not download the wheel from s3://no-such-bucket-here/x.whl"),
        ({"MLFLOW_GATEWAY_URL": ""}, "MLFLOW_GATEWAY_URL is not set."),
        ({"MLFLOW_EXTENSION_WHEEL_SHA256": ""}, "MLFLOW_EXTENSION_WHEEL_SHA256 is not set."),
        ({"MLFLOW_EXTENSION_WHEEL_SHA256": "0" * 64}, "is not this deployment's"),
    ],
)
def test_a_space_still_starts_when_the_script_cannot_install(space, tmp_path: Path, change, says) -> None:
    prefix = space["prefix"]
    wheel = next((prefix.parent / "s3").glob("*.whl"))
    env = {
        **studio.space_environment(prefix, tmp_path),
        **studio.deployment(space["stack"]),
        "STUDIO_CONDA_PREFIX": str(prefix),
        "MLFLOW_EXTENSION_WHEEL": str(wheel),
        "MLFLOW_EXTENSION_WHEEL_SHA256": studio.wheel_digest(wheel),
        **change,
    }
    result = subprocess.run(["bash", str(studio.SCRIPT)], check=False, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert says in result.stdout
    assert "JupyterLab starts without it" in result.stdout
    # What an earlier start installed is left as it was.
    assert (prefix / "share" / "jupyter" / "labextensions" / NAME / "package.json").exists()


def role_credentials(stack: dict, role: str) -> dict[str, str]:
    """The AWS side of what a space of that role's user has: its execution role's credentials."""
    return {name: value for name, value in sdk_environment(stack, role).items() if name.startswith("AWS_")}


def start_space(space, home: Path, role: str) -> subprocess.CompletedProcess[str]:
    """A start of a space of a user with `role`, on the environment the module's space installed."""
    wheel = next((space["prefix"].parent / "s3").glob("*.whl"))
    settings = {**studio.deployment(space["stack"]), **role_credentials(space["stack"], role)}
    result = studio.run_lifecycle(space["prefix"], home, wheel, settings)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.mark.parametrize("role", ["admins", "readers", "model-approvers"])
def test_a_new_space_has_the_lab_of_its_users_role_in_its_home(space, tmp_path: Path, role: str) -> None:
    result = start_space(space, tmp_path, role)
    lab = tmp_path / f"mlflow-lab-{role}.ipynb"
    assert f"put the MLflow lab for {role} in {lab}" in result.stdout
    assert lab.read_bytes() == available_labs()[role].read_bytes()
    assert [path.name for path in tmp_path.glob("*.ipynb")] == [lab.name]


def test_a_second_start_leaves_an_edited_lab_alone_and_a_deleted_one_deleted(space, tmp_path: Path) -> None:
    start_space(space, tmp_path, "model-approvers")
    lab = tmp_path / "mlflow-lab-model-approvers.ipynb"
    lab.write_text('{"cells": [], "note": "my own notes"}')
    second = start_space(space, tmp_path, "model-approvers")
    assert "left as it is" in second.stdout
    assert lab.read_text() == '{"cells": [], "note": "my own notes"}'
    lab.unlink()
    third = start_space(space, tmp_path, "model-approvers")
    assert "is gone since: not put back" in third.stdout
    assert not lab.exists()


def test_a_space_whose_role_is_unknown_starts_without_a_lab_and_says_why(space) -> None:
    # The module's space has no AWS credentials at all.
    first = space["runs"][0].stdout
    assert f"no MLflow lab put in {space['home']}: the kernels' role is unknown." in first
    assert "no AWS credentials" in first
    assert not list(space["home"].glob("*.ipynb"))
    assert "sagemaker-studio-mlflow: done" in first
