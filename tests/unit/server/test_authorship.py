"""The caller is the author: the body rewrite and the store write, against MLflow's own server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sagemaker_studio_mlflow.server.authorship import (
    claim_authorship,
    record_authorship,
)

MODEL = json.loads(
    (Path(__file__).parents[3] / "sagemaker_studio_mlflow/server/permission_model.json").read_text()
)
CALLER = "admin"


def spellings(operation_id: str) -> list[str]:
    """The paths of an operation as the permission model names them (/api and /ajax-api)."""
    (operation,) = [o for o in MODEL["operations"] if o["id"] == operation_id]
    return operation["templates"]


def path(operation_id: str, **params: str) -> str:
    template = spellings(operation_id)[0]
    for name, value in params.items():
        template = template.replace("{" + name + "}", value)
    return template


class Mlflow:
    """MLflow's Flask app with the gate's two calls around each request, as the gate makes them."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def call(
        self,
        operation_id: str,
        payload: Any = None,
        *,
        user: str = CALLER,
        method: str = "POST",
        at: str | None = None,
        raw: bytes | None = None,
    ) -> dict[str, Any]:
        body = raw if raw is not None else json.dumps(payload).encode()
        response = self.client.open(
            at or path(operation_id),
            method=method,
            data=claim_authorship(operation_id, user, body),
            content_type="application/json",
        )
        assert 200 <= response.status_code < 300, response.get_data(as_text=True)
        record_authorship(operation_id, user, response.get_data())
        return response.get_json()

    def get(self, at: str, **query: str) -> dict[str, Any]:
        response = self.client.get(at, query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def run(self, run_id: str) -> dict[str, Any]:
        return self.get("/api/2.0/mlflow/runs/get", run_id=run_id)["run"]


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mlflow]:
    """``mlflow server``'s app on a temporary sqlite store: the env its handlers read."""
    from mlflow.server import handlers
    from mlflow.server.constants import ARTIFACT_ROOT_ENV_VAR, BACKEND_STORE_URI_ENV_VAR
    from mlflow.tracking._model_registry import utils as registry_utils
    from mlflow.tracking._tracking_service import utils as tracking_utils

    root = tmp_path_factory.mktemp("mlflow")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(BACKEND_STORE_URI_ENV_VAR, f"sqlite:///{root / 'mlflow.db'}")
        patch.setenv(ARTIFACT_ROOT_ENV_VAR, str(root / "artifacts"))
        # The handlers keep their stores, and set the process's tracking and registry URIs.
        patch.setattr(handlers, "_tracking_store", None)
        patch.setattr(handlers, "_model_registry_store", None)
        patch.setattr(tracking_utils, "_tracking_uri", tracking_utils._tracking_uri)
        patch.setattr(registry_utils, "_registry_uri", registry_utils._registry_uri)
        from mlflow.server import app

        yield Mlflow(app.test_client())


def tags(entity: dict[str, Any]) -> dict[str, str]:
    return {tag["key"]: tag["value"] for tag in entity.get("tags", entity.get("data", {}).get("tags", []))}


def new_run(mlflow_server: Mlflow, **payload: Any) -> dict[str, Any]:
    return mlflow_server.call("runs.create", {"experiment_id": "0", **payload})["run"]


# Runs


@pytest.mark.parametrize("at", spellings("runs.create"))
def test_a_run_records_the_caller_not_the_claimed_author(mlflow_server: Mlflow, at: str) -> None:
    payload = {
        "experiment_id": "0",
        "user_id": "mallory",
        "run_name": "training",
        "tags": [{"key": "mlflow.user", "value": "mallory"}, {"key": "team", "value": "fraud"}],
    }
    created = mlflow_server.call("runs.create", payload, at=at)["run"]

    stored = mlflow_server.run(created["info"]["run_id"])
    assert stored["info"]["user_id"] == CALLER
    assert tags(stored)["mlflow.user"] == CALLER
    assert tags(stored)["team"] == "fraud"
    assert stored["info"]["run_name"] == "training"


def test_a_run_without_an_author_gets_the_caller(mlflow_server: Mlflow) -> None:
    stored = mlflow_server.run(new_run(mlflow_server)["info"]["run_id"])

    assert stored["info"]["user_id"] == CALLER
    assert tags(stored)["mlflow.user"] == CALLER


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps({"experiment_id": "0", "userId": "mallory"}).encode(),  # protobuf's JSON name
        json.dumps(json.dumps({"experiment_id": "0", "user_id": "mallory"})).encode(),  # double-encoded
        b'{"experiment_id": "0", "tags": [{"key": "mlflow.user", "value": "mallory"}, 5]}',
    ],
    ids=["camelCase", "double-encoded", "a tag MLflow cannot parse"],
)
def test_other_spellings_of_an_author_are_replaced(mlflow_server: Mlflow, raw: bytes) -> None:
    created = mlflow_server.call("runs.create", raw=raw)["run"]

    stored = mlflow_server.run(created["info"]["run_id"])
    assert stored["info"]["user_id"] == CALLER
    assert tags(stored)["mlflow.user"] == CALLER


def test_setting_the_author_tag_later_sets_the_caller(mlflow_server: Mlflow) -> None:
    run_id = new_run(mlflow_server)["info"]["run_id"]

    mlflow_server.call("runs.set-tag", {"run_id": run_id, "key": "mlflow.user", "value": "mallory"})
    mlflow_server.call("runs.set-tag", {"run_id": run_id, "key": "stage", "value": "mallory"})

    stored = tags(mlflow_server.run(run_id))
    assert stored["mlflow.user"] == CALLER
    assert stored["stage"] == "mallory", "other tags keep their value"


def test_log_batch_sets_the_caller_as_author(mlflow_server: Mlflow) -> None:
    run_id = new_run(mlflow_server)["info"]["run_id"]

    mlflow_server.call(
        "runs.log-batch",
        {
            "run_id": run_id,
            "metrics": [{"key": "loss", "value": 0.25, "timestamp": 1, "step": 0}],
            "params": [{"key": "lr", "value": "0.1"}],
            "tags": [{"key": "mlflow.user", "value": "mallory"}, {"key": "k", "value": "v"}],
        },
        user="reader",
    )

    stored = mlflow_server.run(run_id)
    assert tags(stored)["mlflow.user"] == "reader"
    assert tags(stored)["k"] == "v"
    assert stored["data"]["metrics"][0]["value"] == 0.25
    assert stored["data"]["params"] == [{"key": "lr", "value": "0.1"}]


def test_a_promptlab_run_gets_the_author_tag_afterwards(mlflow_server: Mlflow) -> None:
    # Its handler writes no tag from the body; record_authorship writes it from the answer.
    run = new_run(mlflow_server)
    record_authorship("runs.create-promptlab-run", "writer", json.dumps({"run": run}).encode())

    assert tags(mlflow_server.run(run["info"]["run_id"]))["mlflow.user"] == "writer"
    claimed = json.loads(claim_authorship("runs.create-promptlab-run", "writer", b'{"user_id": "mallory"}'))
    assert claimed == {"user_id": "writer"}


# Experiments, registered models, model versions, logged models, prompts


def test_an_experiment_carries_the_author_tag(mlflow_server: Mlflow) -> None:
    payload = {"name": "exp-author", "tags": [{"key": "mlflow.user", "value": "mallory"}]}
    experiment_id = mlflow_server.call("experiments.create", payload)["experiment_id"]
    mlflow_server.call(
        "experiments.set-tag",
        {"experiment_id": experiment_id, "key": "mlflow.user", "value": "mallory"},
        user="writer",
    )

    experiment = mlflow_server.get("/api/2.0/mlflow/experiments/get", experiment_id=experiment_id)
    assert tags(experiment["experiment"])["mlflow.user"] == "writer"


def test_a_model_version_records_who_registered_it(mlflow_server: Mlflow) -> None:
    created = mlflow_server.call("registered-models.create", {"name": "fraud-model"}, user="approver")
    assert tags(created["registered_model"])["mlflow.user"] == "approver"
    run = new_run(mlflow_server)

    version = mlflow_server.call(
        "model-versions.create",
        {
            "name": "fraud-model",
            "source": run["info"]["artifact_uri"] + "/model",
            "run_id": run["info"]["run_id"],
            "tags": [{"key": "mlflow.user", "value": "mallory"}],
        },
        user="approver",
    )["model_version"]

    stored = mlflow_server.get(
        "/api/2.0/mlflow/model-versions/get", name="fraud-model", version=version["version"]
    )["model_version"]
    assert stored["user_id"] == "approver"
    assert tags(stored)["mlflow.user"] == "approver"
    model = mlflow_server.get("/api/2.0/mlflow/registered-models/get", name="fraud-model")
    assert tags(model["registered_model"])["mlflow.user"] == "approver"


def test_a_prompt_and_its_version_record_the_caller(mlflow_server: Mlflow) -> None:
    from mlflow.entities.model_registry.prompt_version import (
        IS_PROMPT_TAG_KEY,
        PROMPT_TEXT_TAG_KEY,
    )

    prompt = [{"key": IS_PROMPT_TAG_KEY, "value": "true"}]
    mlflow_server.call("registered-models.create", {"name": "greeting", "tags": prompt}, user="writer")
    version = mlflow_server.call(
        "model-versions.create",
        {
            "name": "greeting",
            "source": "dummy-source",
            "tags": [*prompt, {"key": PROMPT_TEXT_TAG_KEY, "value": "Hello {{name}}"}],
        },
        user="writer",
    )["model_version"]

    from mlflow.prompt.registry_utils import model_version_to_prompt_version
    from mlflow.server.handlers import _get_model_registry_store

    store = _get_model_registry_store()
    assert tags(mlflow_server.get("/api/2.0/mlflow/registered-models/get", name="greeting")["registered_model"])[
        "mlflow.user"
    ] == "writer"
    stored = store.get_model_version("greeting", version["version"])
    assert model_version_to_prompt_version(stored).user_id == "writer"


def test_a_logged_model_carries_the_author_tag(mlflow_server: Mlflow) -> None:
    payload = {"experiment_id": "0", "name": "m", "tags": [{"key": "mlflow.user", "value": "mallory"}]}
    model = mlflow_server.call("logged-models.create", payload)["model"]
    model_id = model["info"]["model_id"]
    mlflow_server.call(
        "logged-models.set-tags",
        {"tags": [{"key": "mlflow.user", "value": "mallory"}]},
        method="PATCH",
        at=path("logged-models.set-tags", model_id=model_id),
        user="writer",
    )

    stored = mlflow_server.get(f"/api/2.0/mlflow/logged-models/{model_id}")["model"]
    assert tags(stored["info"])["mlflow.user"] == "writer"


def test_a_dataset_and_its_records_record_the_caller(mlflow_server: Mlflow) -> None:
    payload = {"name": "eval-set", "experiment_ids": ["0"], "tags": json.dumps({"mlflow.user": "mallory", "k": "v"})}
    dataset = mlflow_server.call("datasets.create", payload)["dataset"]
    dataset_id = dataset["dataset_id"]
    records = [{"inputs": {"q": "2+2"}, "expectations": {"a": "4"}, "tags": {"mlflow.user": "mallory"}}]
    at = path("datasets.upsert-records", dataset_id=dataset_id)
    mlflow_server.call("datasets.upsert-records", {"records": json.dumps(records)}, at=at, user="writer")
    mlflow_server.call(
        "datasets.set-tags",
        {"tags": json.dumps({"mlflow.user": "mallory"})},
        method="PATCH",
        at=path("datasets.set-tags", dataset_id=dataset_id),
        user="reviewer",
    )

    assert dataset["created_by"] == CALLER
    assert json.loads(dataset["tags"]) == {"mlflow.user": CALLER, "k": "v"}
    (record,) = json.loads(mlflow_server.get(at)["records"])
    assert record["created_by"] == "writer"
    assert record["expectations"] == {"a": "4"}
    stored = mlflow_server.get(path("datasets.get", dataset_id=dataset_id))["dataset"]
    assert stored["last_updated_by"] == "writer", "the records' upsert updated the dataset"
    assert json.loads(stored["tags"])["mlflow.user"] == "reviewer"


def test_an_issue_records_the_caller(mlflow_server: Mlflow) -> None:
    payload = {"experiment_id": "0", "name": "drift", "description": "d", "created_by": "mallory"}

    issue = mlflow_server.call("issues.create", payload, user="reviewer")["issue"]

    assert issue["created_by"] == "reviewer"


# The rewrite itself


def test_everything_but_the_author_keeps_its_meaning() -> None:
    body = {
        "experiment_id": "7",
        "start_time": 12345678901234567890,
        "run_name": "naïve \"run\" ✓",
        "tags": [{"key": "a", "value": "1"}, {"key": "mlflow.user", "value": "mallory"}],
        "user_id": "mallory",
    }

    claimed = json.loads(claim_authorship("runs.create", "admin", json.dumps(body).encode()))

    assert claimed == {
        **body,
        "user_id": "admin",
        "tags": [{"key": "mlflow.user", "value": "admin"}, {"key": "a", "value": "1"}],
    }


@pytest.mark.parametrize("raw", [b"", b"not json", b"null", b"[]"])
def test_what_mlflow_reads_as_an_empty_request_gets_the_author(raw: bytes) -> None:
    assert json.loads(claim_authorship("runs.create", "admin", raw)) == {
        "user_id": "admin",
        "tags": [{"key": "mlflow.user", "value": "admin"}],
    }


@pytest.mark.parametrize(
    "raw",
    [b"5", b"true", b'"{not json"', b"[" * 100_000],
    ids=["number", "boolean", "double-encoded garbage", "too deep"],
)
def test_a_body_mlflow_fails_on_is_forwarded_as_it_is(raw: bytes) -> None:
    assert claim_authorship("runs.create", "admin", raw) == raw


def test_operations_without_an_author_are_forwarded_as_they_are() -> None:
    raw = b'{"run_id": "r", "key": "mlflow.user", "value": "mallory"}'
    assert claim_authorship("runs.delete-tag", "admin", raw) == raw
    assert claim_authorship("runs.update", "admin", b'{"run_id": "r", "status": "FINISHED"}') == (
        b'{"run_id": "r", "status": "FINISHED"}'
    )


def test_created_by_fields_name_the_caller() -> None:
    raw = json.dumps({"secret_name": "k", "createdBy": "mallory", "created_by": "mallory"}).encode()

    assert json.loads(claim_authorship("gateway-secrets.create", "admin", raw)) == {
        "created_by": "admin",
        "secret_name": "k",
    }
    raw = json.dumps({"name": "i", "created_by": "mallory"}).encode()
    assert json.loads(claim_authorship("issues.create", "admin", raw))["created_by"] == "admin"


def test_every_operation_with_a_rule_is_in_the_permission_model() -> None:
    from sagemaker_studio_mlflow.server import authorship

    known = {operation["id"] for operation in MODEL["operations"]}
    assert set(authorship._CLAIMS) | set(authorship._RECORDS) <= known


# The store write where it cannot happen


def test_a_file_store_or_a_strange_answer_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from mlflow.server import handlers
    from mlflow.store.model_registry.file_store import FileStore

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.setattr(handlers, "_model_registry_store", FileStore(str(tmp_path)))
    answer = json.dumps({"model_version": {"name": "m", "version": "1"}}).encode()

    record_authorship("model-versions.create", "approver", answer)
    record_authorship("model-versions.create", "approver", b"<html>")
    record_authorship("model-versions.create", "approver", b"[1]")
    record_authorship("runs.create-promptlab-run", "approver", b'{"run": null}')

    assert caplog.records == [], "nothing tried, nothing failed"


def test_a_failed_store_write_is_logged_not_raised(
    mlflow_server: Mlflow, caplog: pytest.LogCaptureFixture
) -> None:
    answer = json.dumps({"model_version": {"name": "no-such-model", "version": "1"}}).encode()

    record_authorship("model-versions.create", "approver", answer)

    assert "Could not record approver as the author (model-versions.create)" in caplog.text
