"""Seeds the local MLflow with one experiment of N runs, for benchmarks of the run browser.

It writes straight into the stack's sqlite database, with MLflow's own SQLAlchemy models and
bulk inserts in one transaction: creating 10,000 runs through the REST API takes many minutes,
this takes seconds. The experiment itself is created through MLflow's store, so its id and
artifact location (`mlflow-artifacts:/<id>`) are what `mlflow server` would have made.

Each run has the tags `mlflow.runName` and `mlflow.user`, the params `model` and
`learning_rate`, and the metrics `rmse` and `accuracy` (step 0, in `metrics` and in
`latest_metrics`, which search reads). Every 50th run is the parent of the 4 runs after it.
Values are drawn from a seeded random generator, run ids are fresh.

Run again with the same name and count, it changes nothing; with another count, it deletes the
experiment's runs and seeds them again. Made behind MLflow's back, the experiment is then opened to
everyone through the gateway, as team permissions open what MLflow's API makes.

    .venv/bin/python ui-tests/bench/seed_runs.py --name bench-10000 --runs 10000
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from mlflow.entities import LifecycleStage
from mlflow.store.tracking.dbmodels.models import (
    SqlLatestMetric,
    SqlMetric,
    SqlParam,
    SqlRun,
    SqlTag,
)
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
from mlflow.utils.time import get_current_time_millis
from sqlalchemy import delete, func, insert, select

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
from tests.integration.conftest import STACK_FILE, open_to_everyone

# The stack's `--backend-store-uri` (PATHS.mlflow in infra/local/config.ts).
DEFAULT_DB = REPO_ROOT / ".local" / "mlflow" / "mlflow.db"
# What the server hands out with `--artifacts-destination`.
ARTIFACT_ROOT = "mlflow-artifacts:/"
RUN_CHILDREN = (SqlMetric, SqlLatestMetric, SqlParam, SqlTag)
MODELS = ("xgb", "random-forest", "logistic-regression")
USERS = ("admin", "approver", "reader")
LEARNING_RATES = ("0.001", "0.01", "0.03", "0.1", "0.3")
STATUSES, STATUS_WEIGHTS = ("FINISHED", "FAILED", "KILLED", "RUNNING"), (92, 4, 2, 2)
FAMILY, CHILDREN = 50, 4
# Bulk deletes that leave the session alone: nothing in it refers to the rows they delete.
NO_SYNC = {"synchronize_session": False}

Rows = dict[type, list[dict[str, Any]]]


def experiment_id(store: SqlAlchemyStore, name: str) -> str:
    experiment = store.get_experiment_by_name(name)
    if experiment is None:
        return store.create_experiment(name)
    if experiment.lifecycle_stage == LifecycleStage.DELETED:
        store.restore_experiment(experiment.experiment_id)
    return experiment.experiment_id


def run_rows(experiment: int, runs: int, seed: str) -> Rows:
    """Rows for every table, runs first: the others refer to them."""
    rng = random.Random(seed)
    rows: Rows = {model: [] for model in (SqlRun, *RUN_CHILDREN)}
    now = get_current_time_millis()
    parent = ""
    for i in range(runs):
        run_id = uuid.uuid4().hex
        model, user = MODELS[i % len(MODELS)], rng.choice(USERS)
        name = f"{model}-{i:05d}"
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        start = now - (runs - i) * 60_000
        end = None if status == "RUNNING" else start + rng.randint(5_000, 600_000)
        run = {
            "run_uuid": run_id,
            "name": name,
            "source_type": "UNKNOWN",
            "source_name": "",
            "entry_point_name": "",
            "user_id": user,
            "status": status,
            "start_time": start,
            "end_time": end,
            "source_version": "",
            "lifecycle_stage": LifecycleStage.ACTIVE,
            "artifact_uri": f"{ARTIFACT_ROOT}{experiment}/{run_id}/artifacts",
            "experiment_id": experiment,
        }
        rows[SqlRun].append(run)
        tags = {"mlflow.runName": name, "mlflow.user": user}
        if i % FAMILY == 0:
            parent = run_id
        elif i % FAMILY <= CHILDREN:
            tags["mlflow.parentRunId"] = parent
        params = {"model": model, "learning_rate": rng.choice(LEARNING_RATES)}
        rmse = round(rng.uniform(0.15, 0.95), 4)
        accuracy = round(min(1.0, 1 - rmse / 2 + rng.uniform(-0.03, 0.03)), 4)
        rows[SqlTag] += [{"key": k, "value": v, "run_uuid": run_id} for k, v in tags.items()]
        rows[SqlParam] += [{"key": k, "value": v, "run_uuid": run_id} for k, v in params.items()]
        for key, value in (("rmse", rmse), ("accuracy", accuracy)):
            metric = {
                "key": key,
                "value": value,
                "timestamp": end or start,
                "step": 0,
                "is_nan": False,
                "run_uuid": run_id,
            }
            rows[SqlMetric].append(metric)
            rows[SqlLatestMetric].append(metric)
    return rows


def seed(db: Path, name: str, runs: int) -> tuple[str, int | None]:
    """Makes the experiment hold `runs` runs: its id, and how many it held if it changed them."""
    store = SqlAlchemyStore(f"sqlite:///{db}", ARTIFACT_ROOT)
    exp_id = experiment_id(store, name)
    experiment = int(exp_id)
    with store.ManagedSessionMaker(read_only=False) as session:
        active = session.scalar(
            select(func.count())
            .select_from(SqlRun)
            .where(SqlRun.experiment_id == experiment, SqlRun.lifecycle_stage == "active")
        )
        if active == runs:
            return exp_id, None
        # As `mlflow gc` deletes a run: its metrics, params and tags, then the run.
        run_ids = select(SqlRun.run_uuid).where(SqlRun.experiment_id == experiment)
        deletes = [delete(model).where(model.run_uuid.in_(run_ids)) for model in RUN_CHILDREN]
        deletes.append(delete(SqlRun).where(SqlRun.experiment_id == experiment))
        for statement in deletes:
            session.execute(statement, execution_options=NO_SYNC)
        for model, model_rows in run_rows(experiment, runs, seed=f"{name}:{runs}").items():
            if model_rows:
                session.execute(insert(model), model_rows)
    return exp_id, active


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True, help="the experiment's name")
    parser.add_argument("--runs", required=True, type=int, help="how many runs it must hold")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"default: {DEFAULT_DB}")
    args = parser.parse_args()
    if args.runs < 0:
        parser.error("--runs must be 0 or more")
    if not args.db.is_file():
        parser.error(f"no MLflow database at {args.db}: is the local stack set up?")
    started = time.perf_counter()
    exp_id, before = seed(args.db.resolve(), args.name, args.runs)
    open_to_everyone(json.loads(STACK_FILE.read_text()), "experiment", exp_id)
    done = "already there, nothing to do" if before is None else f"seeded (it held {before})"
    took = time.perf_counter() - started
    print(f"experiment {args.name} (id {exp_id}): {args.runs} runs, {done}, in {took:.1f} s")


if __name__ == "__main__":
    main()
