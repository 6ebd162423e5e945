"""Seeds the local MLflow with demo data, through the gateway, with the MLflow SDK.

Two experiments, 32 runs with params, metric histories and tags, a parent run
with child runs, a small artifact, and a registered model with two versions.
Then team-a's own: an experiment and a registered model restricted to the
team (edit), which nobody outside it sees. Run again, it changes nothing: the
data is seeded once per fresh stack.

``python seed.py TEAMS_FILE`` writes what was restricted to whom to
TEAMS_FILE: ``{"team-a": {"experiments": ["<id>"], "registeredModels": ["<name>"]}}``.
"""

from __future__ import annotations

import json
import random
import sys

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

MARKER_TAG = "demo.seeded"
CHURN = "churn-prediction"
VISION = "image-classifier"
MODEL_NAME = "churn-classifier"
TEAM = "team-a"
TEAM_EXPERIMENT = "team-a-forecasts"
TEAM_MODEL = "team-a-forecaster"


class ChurnModel(mlflow.pyfunc.PythonModel):
    """A tiny model: predicts churn when monthly charges exceed a threshold."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def predict(self, context, model_input, params=None):
        return [float(row["monthly_charges"] > self.threshold) for _, row in model_input.iterrows()]


def already_seeded(client: MlflowClient) -> bool:
    experiment = client.get_experiment_by_name(CHURN)
    return experiment is not None and experiment.tags.get(MARKER_TAG) == "true"


def log_training_run(
    client: MlflowClient,
    experiment_id: str,
    rng: random.Random,
    name: str,
    params: dict[str, str],
    extra_tags: dict[str, str] | None = None,
    steps: int = 12,
) -> str:
    """One finished run with a metric history shaped like real training.

    Its author is whoever seeds (the admin): MLflow records the caller the gateway names,
    whatever a client claims."""
    tags = {"mlflow.runName": name, "team": "growth", **(extra_tags or {})}
    run = client.create_run(experiment_id, run_name=name, tags=tags)
    run_id = run.info.run_id
    start = run.info.start_time
    floor = rng.uniform(0.18, 0.45)
    metrics = []
    for step in range(steps):
        progress = (step + 1) / steps
        timestamp = start + step * 1000
        rmse = floor + (1 - floor) * (1 - progress) ** 2 + rng.uniform(0, 0.02)
        accuracy = 1 - rmse / 2 + rng.uniform(-0.01, 0.01)
        metrics += [
            Metric("rmse", round(rmse, 4), timestamp, step),
            Metric("accuracy", round(accuracy, 4), timestamp, step),
            Metric("loss", round(rmse**2, 4), timestamp, step),
        ]
    metrics.append(Metric("auc", round(rng.uniform(0.7, 0.95), 4), start, 0))
    client.log_batch(
        run_id,
        metrics=metrics,
        params=[Param(k, v) for k, v in params.items()],
        tags=[RunTag("dataset", "telco-churn-v3")],
    )
    client.set_terminated(run_id, "FINISHED", end_time=start + rng.randint(20_000, 900_000))
    return run_id


def seed() -> None:
    client = MlflowClient()
    if already_seeded(client):
        print("MLflow already holds the demo data.")
        return

    rng = random.Random(42)
    churn = client.get_experiment_by_name(CHURN)
    churn_id = churn.experiment_id if churn else client.create_experiment(
        CHURN, tags={"team": "growth", "mlflow.note.content": "Predict which customers leave."}
    )
    vision = client.get_experiment_by_name(VISION)
    vision_id = vision.experiment_id if vision else client.create_experiment(
        VISION, tags={"team": "vision"}
    )

    models = ["xgb", "random-forest", "logistic-regression"]
    churn_runs = []
    for i in range(20):
        model = models[i % len(models)]
        params = {
            "model": model,
            "learning_rate": str(rng.choice([0.01, 0.03, 0.1, 0.3])),
            "max_depth": str(rng.randint(3, 10)),
            "n_estimators": str(rng.choice([100, 200, 400])),
        }
        churn_runs.append(
            log_training_run(client, churn_id, rng, f"{model}-{i:02d}", params)
        )

    # A hyperparameter sweep: one parent run with five child runs.
    parent = client.create_run(
        churn_id, run_name="xgb-sweep", tags={"sweep": "learning_rate"}
    )
    for j, learning_rate in enumerate([0.01, 0.02, 0.05, 0.1, 0.2]):
        log_training_run(
            client,
            churn_id,
            rng,
            f"xgb-sweep-lr-{learning_rate}",
            {"model": "xgb", "learning_rate": str(learning_rate), "max_depth": "6"},
            extra_tags={"mlflow.parentRunId": parent.info.run_id, "trial": str(j)},
        )
    client.log_param(parent.info.run_id, "search_space", "learning_rate in [0.01, 0.2]")
    client.set_terminated(parent.info.run_id, "FINISHED")

    for i in range(6):
        params = {"architecture": rng.choice(["resnet18", "resnet50", "vit-b16"]), "epochs": "10"}
        log_training_run(client, vision_id, rng, f"{params['architecture']}-{i}", params)

    # The two best churn runs carry a small artifact and a logged model.
    mlflow.set_experiment(experiment_id=churn_id)
    versions = []
    for threshold in (70.0, 65.0):
        with mlflow.start_run(run_name=f"churn-threshold-{int(threshold)}"):
            mlflow.log_params({"model": "threshold", "threshold": threshold})
            mlflow.log_metrics({"rmse": 0.21 if threshold == 65.0 else 0.24, "accuracy": 0.89})
            mlflow.log_text(
                json.dumps({"monthly_charges": 0.61, "tenure": 0.27, "contract": 0.12}, indent=2),
                "feature_importance.json",
            )
            info = mlflow.pyfunc.log_model(
                name="model",
                python_model=ChurnModel(threshold),
                pip_requirements=["mlflow"],
                registered_model_name=MODEL_NAME,
            )
            versions.append(info.registered_model_version)
    client.update_registered_model(MODEL_NAME, "Flags customers likely to churn next month.")
    client.set_registered_model_alias(MODEL_NAME, "champion", str(versions[-1]))

    client.set_experiment_tag(churn_id, MARKER_TAG, "true")
    runs = sum(
        len(client.search_runs([experiment_id], max_results=1000)) for experiment_id in (churn_id, vision_id)
    )
    print(f"Seeded {CHURN} and {VISION} ({runs} runs) and {MODEL_NAME} (2 versions).")


def seed_team(client: MlflowClient) -> dict[str, dict[str, list[str]]]:
    """Team-a's experiment and registered model, restricted to the team; what was restricted."""
    from sagemaker_studio_mlflow import permissions

    experiment = client.get_experiment_by_name(TEAM_EXPERIMENT)
    if experiment is None:
        experiment_id = client.create_experiment(TEAM_EXPERIMENT, tags={"team": TEAM})
        rng = random.Random(7)
        run_ids = [
            log_training_run(client, experiment_id, rng, f"prophet-{i}", {"model": "prophet", "horizon": "28"})
            for i in range(3)
        ]
        client.create_registered_model(TEAM_MODEL, description="Team a's demand forecast.")
        client.create_model_version(TEAM_MODEL, f"runs:/{run_ids[0]}/model", run_id=run_ids[0])
    else:
        experiment_id = experiment.experiment_id
    for kind, key in (("experiment", experiment_id), ("registered-model", TEAM_MODEL)):
        permissions.grant(kind, key, TEAM, "edit")
        permissions.revoke(kind, key, permissions.EVERYONE)
    return {TEAM: {"experiments": [experiment_id], "registeredModels": [TEAM_MODEL]}}


if __name__ == "__main__":
    try:
        seed()
        teams = seed_team(MlflowClient())
        if len(sys.argv) > 1:
            with open(sys.argv[1], "w", encoding="utf-8") as out:
                json.dump(teams, out)
    except Exception as error:  # a readable line for the `up` output, then the traceback
        print(f"Seeding failed: {error}", file=sys.stderr)
        raise
