"""The real MLflow SDK through the gateway, signing with each role's IAM keys."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from sagemaker_studio_mlflow.server.permissions import read_artifact

from .conftest import ARTIFACTS


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_an_admin_tracks_registers_and_searches(stack, as_role, direct_client, tmp_path):
    as_role("admins")
    client = MlflowClient(tracking_uri=stack["gateway"])
    name = unique('sdk admin "quoted" experiment')
    experiment_id = client.create_experiment(name, tags={"team": "data science"})

    mlflow.set_tracking_uri(stack["gateway"])
    artifact = tmp_path / "report (final).json"
    artifact.write_text(json.dumps({"auc": 0.91}))
    with mlflow.start_run(experiment_id=experiment_id, run_name="first run") as run:
        mlflow.log_params({"model": "xgb", "depth": 6})
        mlflow.log_metrics({"rmse": 0.42, "auc": 0.91}, step=1)
        mlflow.set_tags({"stage": "candidate", "owner": "data science"})
        mlflow.log_artifact(str(artifact), artifact_path="reports and plots")
    model = unique("sdk admin model")
    client.create_registered_model(model)
    version = client.create_model_version(
        model, f"runs:/{run.info.run_id}/reports and plots", run_id=run.info.run_id
    )

    # What the admin did reached MLflow.
    stored = direct_client.get_run(run.info.run_id)
    assert stored.data.params == {"model": "xgb", "depth": "6"}
    assert stored.data.metrics == {"rmse": 0.42, "auc": 0.91}
    assert stored.data.tags["owner"] == "data science"
    stored_artifacts = ARTIFACTS / experiment_id / run.info.run_id / "artifacts" / "reports and plots"
    assert [p.name for p in stored_artifacts.iterdir()] == ["report (final).json"]
    assert direct_client.get_model_version(model, version.version).run_id == run.info.run_id

    # Searches with spaces and quotes in the filter, by POST and by GET.
    found = client.search_experiments(filter_string=f"name = '{name}'")
    assert [e.experiment_id for e in found] == [experiment_id]
    runs = client.search_runs(
        [experiment_id], filter_string="params.model = 'xgb' and tags.owner = 'data science'"
    )
    assert [r.info.run_id for r in runs] == [run.info.run_id]
    assert [m.name for m in client.search_registered_models(filter_string=f"name = '{model}'")] == [model]
    assert len(client.search_model_versions(f"name = '{model}'")) == 1
    (tmp_path / "out").mkdir()
    client.download_artifacts(run.info.run_id, "reports and plots", str(tmp_path / "out"))
    assert json.loads((tmp_path / "out" / "reports and plots" / "report (final).json").read_text()) == {"auc": 0.91}


# Each write a reader might try, and the MLflow route it uses.
READER_WRITES = [
    ("create an experiment", lambda c, ids: c.create_experiment(unique("reader")), "experiments.create"),
    ("rename an experiment", lambda c, ids: c.rename_experiment(ids["experiment"], unique("x")), "experiments.update"),
    ("delete an experiment", lambda c, ids: c.delete_experiment(ids["experiment"]), "experiments.delete"),
    ("start a run", lambda c, ids: c.create_run(ids["experiment"]), "runs.create"),
    ("log a metric", lambda c, ids: c.log_metric(ids["run"], "rmse", 9.9), "runs.log-metric"),
    ("log a parameter", lambda c, ids: c.log_param(ids["run"], "new", "1"), "runs.log-param"),
    ("tag a run", lambda c, ids: c.set_tag(ids["run"], "hacked", "yes"), "runs.set-tag"),
    ("delete a run", lambda c, ids: c.delete_run(ids["run"]), "runs.delete"),
    ("register a model", lambda c, ids: c.create_registered_model(unique("reader")), "registered-models.create"),
    (
        "set an alias",
        lambda c, ids: c.set_registered_model_alias("churn-classifier", "champion", "1"),
        "registered-models.set-alias",
    ),
    ("delete a model", lambda c, ids: c.delete_registered_model("churn-classifier"), "registered-models.delete"),
]


@pytest.fixture
def seeded(direct_client) -> dict:
    experiment = direct_client.get_experiment_by_name("churn-prediction")
    run = direct_client.search_runs([experiment.experiment_id], max_results=1)[0]
    return {"experiment": experiment.experiment_id, "run": run.info.run_id}


def snapshot(direct_client: MlflowClient, seeded: dict) -> tuple:
    """What a reader's writes could change, read from MLflow directly."""
    run = direct_client.get_run(seeded["run"])
    experiments = sorted((e.experiment_id, e.name, e.lifecycle_stage) for e in direct_client.search_experiments(view_type=3))
    models = sorted(m.name for m in direct_client.search_registered_models())
    champion = direct_client.get_model_version_by_alias("churn-classifier", "champion").version
    return (experiments, models, champion, run.info.lifecycle_stage, run.data.metrics, run.data.params, run.data.tags)


def test_a_reader_reads_everything(stack, as_role, seeded, tmp_path):
    as_role("readers")
    client = MlflowClient(tracking_uri=stack["gateway"])
    assert client.get_experiment(seeded["experiment"]).name == "churn-prediction"
    run = client.get_run(seeded["run"])
    assert run.data.metrics
    assert client.get_metric_history(seeded["run"], "rmse")
    assert client.search_runs([seeded["experiment"]], filter_string="params.model = 'xgb'")
    assert client.get_registered_model("churn-classifier").name == "churn-classifier"
    assert client.get_model_version_by_alias("churn-classifier", "champion").version == "2"
    assert client.search_model_versions("name = 'churn-classifier'")
    version = client.get_model_version("churn-classifier", "1")
    path = client.download_artifacts(version.run_id, "feature_importance.json", str(tmp_path))
    assert "monthly_charges" in json.loads(Path(path).read_text())


def _words(operation_id: str) -> str:
    """What the operation does, in the permission model's words."""
    return next(op["words"] for op in read_artifact()["operations"] if op["id"] == operation_id)


@pytest.mark.parametrize("what, write, operation", READER_WRITES, ids=[w[0] for w in READER_WRITES])
def test_every_write_of_a_reader_fails_and_names_the_operation(
    stack, as_role, direct_client, seeded, what, write, operation
):
    before = snapshot(direct_client, seeded)
    as_role("readers")
    client = MlflowClient(tracking_uri=stack["gateway"])
    with pytest.raises(MlflowException) as error:
        write(client, seeded)
    message = str(error.value)
    assert "PERMISSION_DENIED" in message
    # In words, with the operation's id, on one line (no traceback needed).
    assert f"You may not {_words(operation)} ({operation})." in message, message
    assert "\n" not in message.strip()
    assert snapshot(direct_client, seeded) == before


def test_a_model_approver_registers_a_model_from_a_run_and_sets_an_alias(stack, as_role, direct_client, seeded):
    as_role("model-approvers")
    client = MlflowClient(tracking_uri=stack["gateway"])
    name = unique("approved model")
    client.create_registered_model(name, description="Approved for staging")
    version = client.create_model_version(name, f"runs:/{seeded['run']}/model", run_id=seeded["run"])
    client.set_registered_model_alias(name, "staging", version.version)
    client.set_model_version_tag(name, version.version, "approved", "yes")

    assert direct_client.get_model_version_by_alias(name, "staging").run_id == seeded["run"]
    assert direct_client.get_model_version(name, version.version).tags == {"approved": "yes"}

    # Tracking stays read-only for them.
    with pytest.raises(MlflowException, match="PERMISSION_DENIED"):
        client.create_run(seeded["experiment"])
    with pytest.raises(MlflowException, match="PERMISSION_DENIED"):
        client.delete_registered_model(name)
    assert direct_client.get_registered_model(name).name == name
