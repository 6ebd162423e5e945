"""Logs one traced call, a span with two nested spans, into an experiment through the
gateway, as a notebook of the role does with the README's SDK settings. Once MLflow
has stored all its spans, prints the trace's id, its input and its span names as JSON.

    .venv/bin/python ui-tests/log_trace.py <experiment id> [role]
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import mlflow

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.conftest import STACK_FILE, sdk_environment

SPANS = ["answer-question", "retrieve-documents", "rank-documents"]
QUESTION = "which spans does the traces view show"


@mlflow.trace(name=SPANS[1])
def retrieve(question: str) -> list[str]:
    return [word for word in question.split() if len(word) > 3]


@mlflow.trace(name=SPANS[2])
def rank(documents: list[str]) -> list[str]:
    return sorted(documents, key=len, reverse=True)


@mlflow.trace(name=SPANS[0])
def answer(question: str) -> str:
    return rank(retrieve(question))[0]


def main(experiment_id: str, role: str = "admins") -> None:
    os.environ.update(sdk_environment(json.loads(STACK_FILE.read_text()), role))
    mlflow.set_experiment(experiment_id=experiment_id)
    answer(QUESTION)
    trace_id = mlflow.get_last_active_trace_id()
    mlflow.flush_trace_async_logging()
    stored = mlflow.get_trace(trace_id, flush=True)
    names = sorted(span.name for span in stored.data.spans) if stored else []
    if names != sorted(SPANS):
        sys.exit(f"trace {trace_id} was stored with the spans {names}, not {SPANS}")
    print(json.dumps({"traceId": trace_id, "question": QUESTION, "spans": SPANS}))


if __name__ == "__main__":
    main(*sys.argv[1:])
