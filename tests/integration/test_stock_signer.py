"""MLflow's stock signer (`MLFLOW_TRACKING_AWS_SIGV4=true`, the AWS blog's setting) through the gateway.

Where it signs a request differently from SigV4 the gateway refuses the signature; the SDK's
error then names the fix (this package's signer). The same calls with our signer pass.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import mlflow
import pytest
import requests
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from sagemaker_studio_mlflow.sigv4 import PROVIDER_NAME

# The fix the refusal names, in the words a user types.
FIX = (f"MLFLOW_TRACKING_AUTH={PROVIDER_NAME}", "unset MLFLOW_TRACKING_AWS_SIGV4")


@pytest.fixture
def as_stock_signer(stack, as_role, monkeypatch):
    """`as_stock_signer("admins")`: the role's keys, signed by MLflow's stock signer alone."""

    def use(role: str) -> None:
        as_role(role)
        monkeypatch.delenv("MLFLOW_TRACKING_AUTH")
        monkeypatch.setenv("MLFLOW_TRACKING_AWS_SIGV4", "true")
        # requests-auth-aws-sigv4 takes the region from boto3, which reads this one.
        monkeypatch.setenv("AWS_DEFAULT_REGION", stack["region"])
        mlflow.set_tracking_uri(stack["gateway"])

    return use


@pytest.fixture
def as_our_signer(stack, as_role, monkeypatch):
    """`as_our_signer("admins")`: the same keys, signed by this package's signer."""

    def use(role: str) -> None:
        as_role(role)
        monkeypatch.delenv("MLFLOW_TRACKING_AWS_SIGV4", raising=False)
        mlflow.set_tracking_uri(stack["gateway"])

    return use


def assert_names_the_fix(error: pytest.ExceptionInfo[Exception]) -> None:
    message = str(error.value)
    for words in FIX:
        assert words in message, message


def test_a_search_with_a_space_in_its_filter_names_the_fix(
    stack, as_our_signer, as_stock_signer
):
    search = {"filter_string": "name = 'a model with spaces'"}

    as_stock_signer("admins")
    # Sent as a query string (`name+%3D+...`), which the stock signer signs with `+`, not `%20`.
    with pytest.raises(MlflowException) as refused:
        mlflow.search_registered_models(**search)
    assert str(refused.value).startswith("PERMISSION_DENIED: ")
    assert_names_the_fix(refused)

    as_our_signer("admins")
    assert mlflow.search_registered_models(**search) == []


def test_repeated_query_keys_name_the_fix(stack, as_our_signer, as_stock_signer):
    # `order_by=name&order_by=version_number`: the stock signer signs only the last one.
    search = {"order_by": ["name", "version_number"], "max_results": 1}

    as_stock_signer("readers")
    with pytest.raises(MlflowException) as refused:
        MlflowClient().search_model_versions(**search)
    assert_names_the_fix(refused)

    as_our_signer("readers")
    MlflowClient().search_model_versions(**search)


def test_downloading_an_artifact_with_a_space_in_its_name_names_the_fix(
    stack, as_our_signer, as_stock_signer, tmp_path
):
    as_our_signer("admins")
    mlflow.set_experiment(f"stock signer {uuid.uuid4().hex[:8]}")
    report = tmp_path / "final report.txt"
    report.write_text("auc 0.91")
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(report))

    as_stock_signer("readers")
    # MLflow first lists `path=...final+report.txt`; its HTTPError quotes the gateway's answer.
    with pytest.raises(requests.HTTPError) as refused:
        mlflow.artifacts.download_artifacts(
            artifact_uri=f"{run.info.artifact_uri}/{report.name}",
            dst_path=str(tmp_path),
        )
    assert_names_the_fix(refused)

    as_our_signer("readers")
    downloaded = mlflow.artifacts.download_artifacts(
        artifact_uri=f"{run.info.artifact_uri}/{report.name}", dst_path=str(tmp_path)
    )
    assert Path(downloaded).read_text() == "auc 0.91"


def test_what_the_stock_signer_signs_alike_keeps_working(as_stock_signer):
    """The blog's way works where it follows SigV4: a run search is a JSON body, spaces and all."""
    as_stock_signer("readers")
    value = f"no such value {uuid.uuid4().hex[:8]}"
    assert mlflow.search_runs(
        search_all_experiments=True, filter_string=f"params.x = '{value}'"
    ).empty
