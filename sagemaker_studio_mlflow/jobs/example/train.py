"""An example SageMaker training job that logs to MLflow with the job's role.

SageMaker runs it as ``python train.py --epochs 5 --learning_rate 0.3`` in this
directory, after ``pip install -r requirements.txt``. Its environment comes
from ``sagemaker_studio_mlflow.jobs.job_environment`` (the tracking URI, the
SigV4 signer, the region, the experiment, a parent run) and from SageMaker
itself (``TRAINING_JOB_NAME``, ``TRAINING_JOB_ARN``, the role's credentials).

The run is named after the job and tagged with its name and ARN, so a run
leads back to its job and a job to its run. The "training" is a stand-in
(a loss that shrinks each epoch): the point is what reaches MLflow.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import mlflow

from sagemaker_studio_mlflow.jobs import JOB_ARN_TAG, JOB_NAME_TAG, PARENT_RUN_ENV


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--learning_rate", "--learning-rate", type=float, default=0.3)
    # SageMaker may pass hyperparameters this script does not know.
    args, _ = parser.parse_known_args()

    job_name = os.environ.get("TRAINING_JOB_NAME", "not-a-training-job")
    job_arn = os.environ.get("TRAINING_JOB_ARN", "")
    parent_run_id = os.environ.get(PARENT_RUN_ENV) or None
    if parent_run_id:
        # A nested run lives in its parent's experiment.
        experiment_id = mlflow.get_run(parent_run_id).info.experiment_id
    elif os.environ.get("MLFLOW_EXPERIMENT_NAME"):
        experiment_id = mlflow.set_experiment(
            os.environ["MLFLOW_EXPERIMENT_NAME"]
        ).experiment_id
    else:
        experiment_id = None

    with mlflow.start_run(
        experiment_id=experiment_id,
        run_name=job_name,
        parent_run_id=parent_run_id,
        tags={JOB_NAME_TAG: job_name, JOB_ARN_TAG: job_arn},
    ) as run:
        mlflow.log_params({"epochs": args.epochs, "learning_rate": args.learning_rate})
        loss = 1.0
        for epoch in range(args.epochs):
            loss *= 1 - args.learning_rate
            mlflow.log_metrics({"loss": loss, "accuracy": 1 - loss / 2}, step=epoch)
            print(f"epoch {epoch}: loss {loss:.4f}", flush=True)

        # SageMaker uploads what the job leaves in SM_MODEL_DIR.
        model_dir = Path(os.environ.get("SM_MODEL_DIR", "model"))
        model_dir.mkdir(parents=True, exist_ok=True)
        (model_dir / "model.json").write_text(
            json.dumps({"loss": loss, "run_id": run.info.run_id})
        )
        print(
            f"logged run {run.info.run_id} in experiment {run.info.experiment_id}",
            flush=True,
        )


if __name__ == "__main__":
    main()
